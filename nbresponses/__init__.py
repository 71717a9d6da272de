"""nbresponses: the OpenAI Responses API, native in Jupyter.

In a notebook: ``%load_ext nbresponses`` and a ``%%respond`` cell. From Python::

    import nbresponses
    client = nbresponses.Client()
    print(client.responses.create(model="gpt-4.1", input="Hello").output_text)

Heavy parts (pydantic models, httpx2) load on first use, so ``import nbresponses`` stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._accumulator import ResponseAccumulator
    from ._default import default_client
    from ._exceptions import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        BridgeStateError,
        ConfigurationError,
        ConflictError,
        HistoryError,
        InternalServerError,
        InvalidParamsError,
        NBResponsesError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ResponseFailedError,
        StreamError,
        StreamTimeoutError,
        UnprocessableEntityError,
    )
    from .client import AsyncClient, Client
    from .conversation import Conversation
    from .export import ExportError
    from .inputs import InputError
    from .pricing.budget import BudgetExceeded
    from .rowmap import BatchUnsupportedError, MapInputError, MapInterrupted
    from .structured import StructuredOutputError
    from .testing import CassetteError, CassetteMiss
    from .tools import function_tool_schema, tool
    from .transports.stream import AsyncResponseStream, ResponseStream
    from .types.events import ResponseStreamEvent
    from .types.response import Response, ResponseUsage

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncResponseStream",
    "AuthenticationError",
    "BadRequestError",
    "BatchUnsupportedError",
    "BridgeStateError",
    "BudgetExceeded",
    "CassetteError",
    "CassetteMiss",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "Conversation",
    "ExportError",
    "HistoryError",
    "InputError",
    "InternalServerError",
    "InvalidParamsError",
    "MapInputError",
    "MapInterrupted",
    "NBResponsesError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "Response",
    "ResponseAccumulator",
    "ResponseFailedError",
    "ResponseStream",
    "ResponseStreamEvent",
    "ResponseUsage",
    "StreamError",
    "StreamTimeoutError",
    "StructuredOutputError",
    "UnprocessableEntityError",
    "__version__",
    "default_client",
    "function_tool_schema",
    "last",
    "load_ipython_extension",
    "map",
    "tool",
    "unload_ipython_extension",
    "usage",
]

_LAZY = {
    "default_client": "._default",
    "tool": ".tools",
    "function_tool_schema": ".tools",
    "Conversation": ".conversation",
    "Client": ".client",
    "AsyncClient": ".client",
    "ResponseStream": ".transports.stream",
    "AsyncResponseStream": ".transports.stream",
    "ResponseAccumulator": "._accumulator",
    "Response": ".types.response",
    "ResponseUsage": ".types.response",
    "ResponseStreamEvent": ".types.events",
    # Exceptions raised by one part of the library live with it (the rest are in ._exceptions).
    "BudgetExceeded": ".pricing.budget",
    "ExportError": ".export",
    "InputError": ".inputs",
    "BatchUnsupportedError": ".rowmap",
    "MapInputError": ".rowmap",
    "MapInterrupted": ".rowmap",
    "StructuredOutputError": ".structured",
    "CassetteError": ".testing",
    "CassetteMiss": ".testing",
}
_EXCEPTIONS = {name for name in __all__ if name.endswith("Error") and name not in _LAZY}


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext nbresponses``: register the ``%%respond`` magic."""
    from .magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext nbresponses``: remove the magic and release its resources."""
    from .magics import unload_ipython_extension as unload

    unload(ipython)


def last() -> Response | None:
    """The `Response` of the last ``%%respond`` cell in this IPython session (None if none)."""
    from ._active import active_session

    session = active_session()
    return session.last_response if session is not None else None


def usage(
    notebook: str | None = None,
    *,
    thread: str | None = None,
    history_path: str | None = None,
    as_frame: bool = True,
) -> Any:
    """Per-turn usage rows from the history log (tokens, estimated cost), oldest first.

    Args:
        notebook: the notebook key; default: this IPython session's notebook, else every notebook.
        thread: only this thread.
        history_path: the SQLite file (default: ``NBRESPONSES_HISTORY``, then the user data directory).
        as_frame: return a pandas DataFrame when pandas is installed (else a list of `UsageRow`).
    """
    from dataclasses import asdict

    from .store import HistoryStore

    if notebook is None:
        from ._active import active_session

        session = active_session()
        notebook = session.notebook if session is not None else None
    with HistoryStore(history_path) as store:
        rows = store.usage_rows(notebook, thread)
    if as_frame:
        try:
            import pandas as pd
        except ImportError:
            return rows
        return pd.DataFrame([asdict(row) for row in rows])
    return rows


def map(
    template: str | Callable[[dict[str, Any]], Any],
    rows: Any,
    *,
    client: Client | AsyncClient | None = None,
    concurrency: int = 8,
    progress: bool | None = None,
    variables: Mapping[str, Any] | None = None,
    **params: Any,
) -> Any:
    """One prompt over every row of a table: concurrent, rate-limit aware and resumable.

    ``{column}`` fields of ``template`` are filled from each row (then from ``variables``, by default the
    caller's variables); one request per row, at most ``concurrency`` in flight, paced by the server's
    rate-limit answers (429 ``retry-after``, ``x-ratelimit-remaining-*``). Each row's request is keyed in the
    history, so calling it again sends only the rows without an answer. Ctrl-C raises
    `nbresponses.rowmap.MapInterrupted`, whose ``result`` holds every answered row.

    Args:
        template: a prompt template, or a function of the row (a dict) returning the prompt, input items, or a
            dict of request parameters.
        rows: a pandas DataFrame, a Series, or a list of dicts.
        client: a `Client` or `AsyncClient` (default: `default_client()`, the offline backend without a key).
        concurrency: the most requests in flight at once.
        progress: show a progress view (default: in IPython only); False for none.
        variables: names a template may use besides the row's columns.
        params: request parameters (``model``, ``instructions``, ``temperature``...), and the options of
            `nbresponses.rowmap.map_rows`: ``text_format`` (a pydantic model: its fields become columns),
            ``budget_usd``, ``prices``, ``resume``, ``fresh``, ``history_path``, ``notebook``, ``batch``,
            ``as_frame``, ``on_progress``, ``retries``.

    Returns:
        A pandas DataFrame aligned with ``rows``' index (``output_text``, ``status``, ``error``,
        ``input_tokens``, ``output_tokens``, ``cost_usd``, ``response_id``, ``resumed``, and the structured
        output's fields), or a list of `nbresponses.rowmap.RowResult` without pandas.
    """
    import sys

    from .rowmap import map_rows

    if variables is None:
        caller = sys._getframe(1)
        variables = {**caller.f_globals, **caller.f_locals}
    if progress is None and "IPython" in sys.modules:  # not loaded: not in IPython, no view
        from .render import in_ipython

        progress = in_ipython()
    if not progress or "on_progress" in params or "on_finish" in params:
        return map_rows(template, rows, client=client, concurrency=concurrency, variables=variables, **params)
    from .render import make_map_view, map_summary

    view = make_map_view("auto")
    titles: list[str] = []

    def on_progress(snapshot: Any) -> None:
        if not titles:
            titles.append(
                f"Mapping {snapshot.total} rows with {snapshot.model}, up to {concurrency} at a time"
            )
            view.start(snapshot, title=titles[0])
        view.update(snapshot)

    def on_finish(result: Any) -> None:
        title = f"Mapped {result.progress.total} rows with {result.progress.model}"
        view.finish(map_summary(result, title=title))

    return map_rows(template, rows, client=client, concurrency=concurrency, variables=variables,
                    on_progress=on_progress, on_finish=on_finish, **params)  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name) or ("._exceptions" if name in _EXCEPTIONS else None)
    if module is None:
        raise AttributeError(f"module 'nbresponses' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
