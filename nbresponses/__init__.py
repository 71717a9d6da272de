"""nbresponses: the OpenAI Responses API, native in Jupyter.

In a notebook: ``%load_ext nbresponses`` and a ``%%respond`` cell. From Python::

    import nbresponses
    client = nbresponses.Client()
    print(client.responses.create(model="gpt-4.1", input="Hello").output_text)

Heavy parts (pydantic models, httpx2) load on first use, so ``import nbresponses`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._accumulator import ResponseAccumulator
    from ._client import AsyncClient, Client
    from ._default import default_client
    from ._exceptions import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
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
    from ._stream import AsyncResponseStream, ResponseStream
    from .conversation import Conversation
    from .tools import function_tool_schema, tool
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
    "Client",
    "ConfigurationError",
    "ConflictError",
    "Conversation",
    "HistoryError",
    "InternalServerError",
    "InvalidParamsError",
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
    "UnprocessableEntityError",
    "__version__",
    "default_client",
    "function_tool_schema",
    "last",
    "load_ipython_extension",
    "tool",
    "unload_ipython_extension",
    "usage",
]

_LAZY = {
    "default_client": "._default",
    "tool": ".tools",
    "function_tool_schema": ".tools",
    "Conversation": ".conversation",
    "Client": "._client",
    "AsyncClient": "._client",
    "ResponseStream": "._stream",
    "AsyncResponseStream": "._stream",
    "ResponseAccumulator": "._accumulator",
    "Response": ".types.response",
    "ResponseUsage": ".types.response",
    "ResponseStreamEvent": ".types.events",
}
_EXCEPTIONS = {name for name in __all__ if name.endswith("Error")}


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
    from IPython import get_ipython

    shell = get_ipython()
    magics = shell.magics_manager.registry.get("RespondMagics") if shell is not None else None
    return magics.session.last_response if magics is not None else None


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
        from IPython import get_ipython

        shell = get_ipython()
        magics = shell.magics_manager.registry.get("RespondMagics") if shell is not None else None
        notebook = magics.session.notebook if magics is not None else None
    with HistoryStore(history_path) as store:
        rows = store.usage_rows(notebook, thread)
    if as_frame:
        try:
            import pandas as pd
        except ImportError:
            return rows
        return pd.DataFrame([asdict(row) for row in rows])
    return rows


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name) or ("._exceptions" if name in _EXCEPTIONS else None)
    if module is None:
        raise AttributeError(f"module 'nbresponses' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
