"""One map, planned and run: the rows' requests, what the history already answered, sending the rest.

A `MapJob` is built before anything is sent (bad input raises then, with one clear message), then run directly
(`arun` in the caller's event loop, `run` from synchronous code with Ctrl-C support) or through the Batch API
(`run_batch`, see ``_batch``). Its `result` has one row per input row in input order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from nbresponses.client._twin import async_twin

from ._engine import DEFAULT_RETRIES, MapBudget, MapEngine
from ._outcome import RowOutcome
from ._pace import Pace
from ._plan import Template, build_requests, read_rows
from ._progress import MapProgress
from ._results import MapResult
from ._runner import run_blocking
from ._template import MapInputError, RowTemplate

if TYPE_CHECKING:
    from nbresponses.client import AsyncClient, Client
    from nbresponses.pricing import PriceTable

    from ._log import MapLog

__all__ = ["MapJob"]


class MapJob:
    """A prompt mapped over the rows of a table.

    Args:
        template: a prompt template (``{column}`` fields) or a function of the row (see `Template`).
        rows: a pandas DataFrame, a Series, or a sequence of dicts.
        client: the `Client` or `AsyncClient` whose settings the requests use.
        params: request parameters for every row (``model`` is required).
        concurrency: the most requests in flight.
        prices: prices for costs and the budget (None: costs unknown).
        budget: stop sending at this spend.
        log: the history tables that make the map resumable (None: nothing recorded or reused).
        fresh: send every row again even if answered before (the new answers replace the old).
        target: structured output to parse: a pydantic model, a JSON-schema dict, or ``"json"``.
        namespace: variables a template may use after the row's columns.
        max_rows, images, files: as for a single prompt (DataFrame variables, attachments for every row).
        prepare: adds a thread's context to each row's request.
        what: how messages name the rows (``"df"``).
        tables_only: accept DataFrames only.
        retries: retries of a retryable failure per row.
    """

    def __init__(
        self,
        template: Template,
        rows: Any,
        *,
        client: Client | AsyncClient,
        params: Mapping[str, Any],
        concurrency: int = 8,
        prices: PriceTable | None = None,
        budget: MapBudget | None = None,
        log: MapLog | None = None,
        fresh: bool = False,
        target: Any = None,
        namespace: Mapping[str, Any] | None = None,
        max_rows: int = 20,
        images: Sequence[str] = (),
        files: Sequence[str] = (),
        prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        what: str = "the rows",
        tables_only: bool = False,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        if not isinstance(concurrency, int) or concurrency < 1:
            raise MapInputError(f"concurrency must be a whole number of at least 1, got {concurrency!r}.")
        if not params.get("model"):
            raise MapInputError("A map needs a model (model='gpt-4.1-mini', or -m in the magic).")
        if isinstance(template, str) and not template.strip():
            raise MapInputError("The prompt template is empty: nothing to send.")
        self.client, self.params = client, dict(params)
        self.concurrency, self.prices, self.budget, self.log = concurrency, prices, budget, log
        self.target, self.retries = target, retries
        self.table = read_rows(rows, what=what, tables_only=tables_only)
        made: Template | RowTemplate = template
        if isinstance(template, str):
            made = RowTemplate(template, namespace, max_rows=max_rows, images=images, files=files)
        self.requests, self.keys = build_requests(self.table, made, self.params, base_url=client.base_url,
                                                  prepare=prepare, what=what)  # fmt: skip
        self.outcomes: dict[str, RowOutcome] = {}
        if log is not None and not fresh:
            self.outcomes = {key: RowOutcome.stored(row) for key, row in log.answered(self.keys).items()}
        self.to_send = [request for request in self.requests if request.key not in self.outcomes]
        resumed = sum(len(r.positions) for r in self.requests if r.key in self.outcomes)
        self.progress = MapProgress(total=len(self.keys), resumed=resumed, requests=len(self.to_send),
                                    model=str(self.params["model"]))  # fmt: skip
        self.batch: Any = None

    # ----- sending directly -----

    async def arun(self, *, share_transport: bool = True) -> MapResult:
        """Send the rows not answered yet from the running event loop; returns the result."""
        client = async_twin(self.client, max_retries=0, max_connections=max(self.concurrency, 10),
                            share_transport=share_transport)  # fmt: skip
        try:
            await self._send(client)
        finally:
            await client.close()
        return self.result()

    async def _send(self, client: AsyncClient) -> None:
        self.progress.started = time.monotonic()
        engine = MapEngine(client, self.to_send, self.progress, pace=Pace(self.concurrency), prices=self.prices,
                           budget=self.budget, log=self.log, retries=self.retries)  # fmt: skip
        self.outcomes.update(await engine.run())

    def run(self, *, on_tick: Callable[[], None] | None = None, tick: float = 0.1) -> MapResult:
        """Send the rows not answered yet, blocking; ``on_tick`` is called every ``tick`` seconds meanwhile.

        A ``KeyboardInterrupt`` stops the map: the result then has the rows answered so far, and
        ``result.progress.interrupted`` is set.
        """
        if not self.to_send:
            self.progress.finished = self.progress.started
            return self.result()
        _, interrupted = run_blocking(lambda: self.arun(share_transport=False), on_tick=on_tick, tick=tick)
        self.progress.interrupted = self.progress.interrupted or interrupted
        return self.result()

    # ----- through the Batch API -----

    def run_batch(self, *, base_url: str | None = None) -> MapResult:
        """Submit the rows not answered yet as a batch, or report on / collect the batch that carries them."""
        from ._batch import batch_rows

        self.progress.batch = True
        if not self.to_send:
            self.progress.finished = self.progress.started
            return self.result()
        if self.log is None:
            raise MapInputError("A batch needs the history (to find it again): use resume=True.")
        log = self.log

        async def go() -> None:
            client = async_twin(self.client, max_connections=4)
            try:
                self.batch = await batch_rows(self, client, log, base_url=base_url or self.client.base_url)
            finally:
                await client.close()

        run_blocking(go)
        self.progress.finished = time.monotonic()
        return self.result()

    # ----- the result -----

    def result(self) -> MapResult:
        """One result per input row (in input order)."""
        missing = RowOutcome("not_sent", error="not sent")
        outcomes = [self.outcomes.get(key, missing) for key in self.keys]
        return MapResult.build(outcomes, progress=self.progress.snapshot(), index=self.table.index,
                               target=self.target, batch=self.batch)  # fmt: skip
