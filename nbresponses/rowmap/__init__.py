"""One prompt over every row of a table: concurrent, rate-limit aware, resumable, or through the Batch API.

``nbresponses.map(template, df)`` (and ``%%respond --map df``) fill the template from each row, send one request
per row with at most ``concurrency`` in flight, at a pace the server's rate-limit answers set, and return a
DataFrame aligned with ``df``'s index (``output_text``, ``status``, ``error``, tokens, cost, response id; a
structured output's fields as columns). Each row's request is keyed in the history, so running the same map
again sends only the rows without an answer. No IPython here: progress goes to a callback.

The name is not ``map`` because ``nbresponses.map`` is the function: a subpackage of that name would replace it
on import.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._batch import (
    BATCH_PRICE_FACTOR,
    BatchListing,
    BatchState,
    BatchUnsupportedError,
    cancel_batch,
    list_batches,
)
from ._engine import DEFAULT_RETRIES, MapBudget
from ._job import MapJob
from ._log import BatchRecord, MapLog
from ._outcome import RowOutcome, RowStatus
from ._pace import Pace
from ._plan import Template
from ._progress import MapProgress, format_seconds
from ._results import COLUMNS, MapResult, RowResult
from ._template import MapInputError

if TYPE_CHECKING:
    from nbresponses.client import AsyncClient, Client
    from nbresponses.pricing import PriceTable

__all__ = [
    "BATCH_PRICE_FACTOR",
    "COLUMNS",
    "DEFAULT_MODEL",
    "BatchListing",
    "BatchRecord",
    "BatchState",
    "BatchUnsupportedError",
    "MapBudget",
    "MapInputError",
    "MapInterrupted",
    "MapJob",
    "MapLog",
    "MapProgress",
    "MapResult",
    "Pace",
    "RowOutcome",
    "RowResult",
    "RowStatus",
    "Template",
    "cancel_batch",
    "format_seconds",
    "list_batches",
    "map_rows",
    "script_notebook_key",
    "structured_target",
]

DEFAULT_MODEL = "gpt-4.1"
"""The model of a map that names none (the magic's default too)."""


class MapInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a map. Every answered row is kept (and recorded): ``result`` holds them, in input order."""

    def __init__(self, result: Any, progress: MapProgress) -> None:
        left = progress.total - progress.answered
        super().__init__(f"Interrupted: {progress.answered} of {progress.total} rows answered, {left} left.")
        self.result = result
        self.progress = progress


def script_notebook_key() -> str:
    """The history's notebook key for maps run from a script: ``script:`` and the script's path."""
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    return f"script:{Path(main).resolve()}" if main else "script:interactive"


def structured_target(params: Mapping[str, Any], text_format: Any) -> tuple[dict[str, Any], Any]:
    """The request parameters with ``text_format`` as their output format, and what to parse answers into."""
    out = dict(params)
    if text_format is not None:
        from nbresponses.structured import schema_format

        out["text"] = {**(out.get("text") or {}), "format": schema_format(text_format)}
        return out, text_format
    fmt = (out.get("text") or {}).get("format") or {}
    if fmt.get("type") == "json_object":
        return out, "json"
    if fmt.get("type") == "json_schema" and isinstance(fmt.get("schema"), dict):
        return out, fmt["schema"]
    return out, None


def _default_prices(client: Client | AsyncClient) -> PriceTable:
    from nbresponses.offline import OFFLINE_BASE_URL
    from nbresponses.pricing import PriceTable, default_prices

    return PriceTable.free() if client.base_url == OFFLINE_BASE_URL else default_prices()


def map_rows(
    template: Template,
    rows: Any,
    *,
    client: Client | AsyncClient | None = None,
    concurrency: int = 8,
    text_format: Any = None,
    budget_usd: float | None = None,
    prices: PriceTable | None = None,
    resume: bool = True,
    fresh: bool = False,
    history_path: str | os.PathLike[str] | None = None,
    notebook: str | None = None,
    batch: bool = False,
    variables: Mapping[str, Any] | None = None,
    as_frame: bool = True,
    on_progress: Callable[[MapProgress], None] | None = None,
    on_finish: Callable[[MapResult], None] | None = None,
    retries: int = DEFAULT_RETRIES,
    **params: Any,
) -> Any:
    """Map a prompt over the rows of a table; see `nbresponses.map`, which adds the progress view.

    ``on_progress`` gets a snapshot of the progress at most 10 times a second while rows are sent; ``on_finish``
    gets the `MapResult` at the end (interrupted or not).
    """
    if client is None:
        from nbresponses._default import default_client

        client = default_client()
    params.setdefault("model", DEFAULT_MODEL)
    params, target = structured_target(params, text_format)
    store = None
    if resume:
        from nbresponses.store import HistoryStore

        store = HistoryStore(history_path)
    try:
        log = MapLog(store, notebook or script_notebook_key()) if store is not None else None
        job = MapJob(template, rows, client=client, params=params, concurrency=concurrency,
                     prices=prices if prices is not None else _default_prices(client),
                     budget=MapBudget(budget_usd) if budget_usd is not None else None, log=log, fresh=fresh,
                     target=target, namespace=variables, retries=retries)  # fmt: skip
        if batch:
            result = job.run_batch()
        else:
            tick = (lambda: on_progress(job.progress.snapshot())) if on_progress is not None else None
            result = job.run(on_tick=tick)
    finally:
        if store is not None:
            store.close()
    if on_finish is not None:
        on_finish(result)
    value = _value(result, as_frame=as_frame)
    if result.progress.interrupted:
        raise MapInterrupted(value, result.progress)
    return value


def _value(result: MapResult, *, as_frame: bool) -> Any:
    if as_frame:
        try:
            return result.frame()
        except ImportError:
            pass
    return result.rows
