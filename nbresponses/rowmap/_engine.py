"""Sending a map's requests concurrently: a pool of workers under an adaptive pace, with retries and a log.

``concurrency`` workers take requests from one queue. Before each request a worker waits for the `Pace`: a free
slot, no rate-limit pause, room in the server's rate-limit windows; so there are never more than
``concurrency`` requests in flight. A row that fails does not stop the others: 429s (after the server's wait),
5xx, 408/409 and connection errors are retried (``retries`` times), anything else is recorded as the row's
error. The map stops sending early when the budget is reached, or when the first requests all fail the same
way with an error no other row can escape (a wrong key, model or URL, no quota). A connection that cannot even
be opened (refused, unknown host, TLS: a wrong base URL, a server that is down) counts at every attempt, so
such a map stops within its first few attempts instead of retrying every row; once a row was answered, the same
errors are taken as passing and retried. Answers are written to the
history in small batches by a background task, and whatever was answered is written before `run` returns,
interrupted or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nbresponses._exceptions import (
    APIConnectionError,
    APIStatusError,
    ConflictError,
    InternalServerError,
    NBResponsesError,
    RateLimitError,
)
from nbresponses.client._twin import observe_responses
from nbresponses.pricing.usage_stats import format_cost, usd
from nbresponses.transports.retries import backoff_delay

from ._log import SavedRow
from ._outcome import RowOutcome, error_line

if TYPE_CHECKING:
    from nbresponses.client import AsyncClient
    from nbresponses.pricing import PriceTable

    from ._log import MapLog
    from ._pace import Pace
    from ._plan import RowRequest
    from ._progress import MapProgress

__all__ = ["DEFAULT_RETRIES", "MapBudget", "MapEngine"]

DEFAULT_RETRIES = 6
"""Retries of one row request (429, 5xx, 408, 409, connection errors) before it is recorded as failed."""
_FLUSH_EVERY = 1.0  # seconds between history writes while the map runs (a crash loses at most this much)
_FATAL_STATUSES = frozenset({400, 401, 403, 404, 405})
_FATAL_RUN = 3  # this many identical failures before any success: the rest would fail alike
_UNREACHABLE = "unreachable"  # the failure kind of a connection that could not be opened


@dataclass
class MapBudget:
    """A spending limit for a map: ``spent_before`` (the notebook's spend so far) plus the map's own."""

    limit_usd: float
    spent_before: float = 0.0

    def reached(self, spent: float, answered: int, in_flight: int) -> bool:
        """Whether one more request would be expected to take the spend to the limit.

        Requests in flight are counted at the mean cost of the answers so far.
        """
        mean = spent / answered if answered else 0.0
        return self.spent_before + spent + in_flight * mean >= self.limit_usd


class _Stop(Exception):
    """The map stopped sending (budget, a fatal error): the worker leaves its request unsent."""


class MapEngine:
    """Sends ``requests`` and gathers their outcomes by key.

    Args:
        client: the asyncio client (its own retries should be 0: the engine retries, under its pace).
        requests: distinct requests to send.
        progress: updated as rows finish.
        pace: the adaptive pace (its concurrency is the worker count).
        prices: prices for the cost column and the budget (None: costs unknown).
        price_factor: multiplies prices (a batch's discount).
        budget: stop sending at this spend (None: no limit).
        log: where answers are recorded (None: not recorded).
        retries: retries of a retryable failure per request.
        clock: monotonic seconds.
    """

    def __init__(
        self,
        client: AsyncClient,
        requests: list[RowRequest],
        progress: MapProgress,
        *,
        pace: Pace,
        prices: PriceTable | None = None,
        price_factor: float = 1.0,
        budget: MapBudget | None = None,
        log: MapLog | None = None,
        retries: int = DEFAULT_RETRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.requests = requests
        self.progress = progress
        self.pace = pace
        self.prices, self.price_factor = prices, price_factor
        self.budget, self.log = budget, log
        self.retries = retries
        self.clock = clock
        self.outcomes: dict[str, RowOutcome] = {}
        self._queue: deque[RowRequest] = deque(requests)
        self._running: dict[str, RowRequest] = {}
        self._unlogged: list[SavedRow] = []
        self._in_flight = 0
        self._spent = 0.0
        self._priced = 0
        self._succeeded = 0
        self._failures: list[tuple[int | None, str | None]] = []
        self._stopped = False
        self._stop_event: asyncio.Event | None = None
        self._budget_stop: float | None = None  # the map's own spend when the budget stopped it
        self._cond: asyncio.Condition | None = None

    # ----- running -----

    async def run(self) -> dict[str, RowOutcome]:
        """Send everything (or until stopped); returns the outcome of every request by key.

        Cancelling the task (Ctrl-C) ends it early: answered rows are kept and logged, the rest are marked.
        """
        self._cond = asyncio.Condition()
        self._stop_event = asyncio.Event()
        if self._stopped:
            self._stop_event.set()
        workers = [
            asyncio.ensure_future(self._worker()) for _ in range(min(self.pace.concurrency, len(self._queue)))
        ]
        writer = asyncio.ensure_future(self._writer())
        try:
            with observe_responses(self.client, self._observe):
                await asyncio.gather(*workers)
        except asyncio.CancelledError:
            self.progress.interrupted = True
            await _cancel(workers)
        except BaseException:
            await _cancel(workers)  # a fault of ours: stop the other workers too, and say it
            raise
        finally:
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
            self._flush()
            self._settle()
            self._final_budget_line()
            self.progress.in_flight = 0
            self.progress.waiting = None
            self.progress.finished = self.clock()
        return self.outcomes

    def _settle(self) -> None:
        """Mark the requests that got no outcome: interrupted in flight, or never sent."""
        for request in self._running.values():
            self._record(request, RowOutcome("interrupted", error="interrupted before the answer came"))
        reason = "interrupted" if self.progress.interrupted else (self.progress.stopped or "not sent")
        for request in self._queue:
            self._record(request, RowOutcome("not_sent", error=reason))
        self._running.clear()
        self._queue.clear()

    def _observe(self, status: int, headers: Mapping[str, str]) -> None:
        self.pace.observe(status, headers, self.clock(), others_in_flight=self._in_flight - 1)
        self.progress.rate_limited = self.pace.rate_limited

    async def _worker(self) -> None:
        while self._queue and not self._stopped:
            if self._over_budget():
                return
            request = self._queue.popleft()
            self._running[request.key] = request
            try:
                outcome = await self._send(request)
            except _Stop:
                self._queue.appendleft(request)
                del self._running[request.key]
                return
            del self._running[request.key]
            self._record(request, outcome)
            # An in-process backend answers without ever suspending: give the loop a turn (Ctrl-C, the log writer).
            await asyncio.sleep(0)

    def _over_budget(self) -> bool:
        if self.budget is None or not self.budget.reached(self._spent, self._priced, self._in_flight):
            return False
        if not self._stopped:
            self._budget_stop = self._spent
            self._stop(self._budget_line())
        return True

    def _budget_line(self, *, late: bool = False) -> str:
        assert self.budget is not None
        before, limit = self.budget.spent_before, usd(self.budget.limit_usd)
        if before:
            line = (f"budget reached: the notebook's estimated spend is {format_cost(before + self._spent)} "
                    f"({format_cost(self._spent)} of it this map's) of the {limit} budget")  # fmt: skip
        else:
            line = f"budget reached: the estimated spend is {format_cost(self._spent)} of the {limit} budget"
        if late:
            line += " (rows already in flight when it was reached were answered after the stop)"
        return line

    def _final_budget_line(self) -> None:
        """Say the final spend: rows in flight at the budget stop finish after it and add to the spend."""
        if self._budget_stop is None or self.budget is None:
            return
        self.progress.stopped = self._budget_line(late=self._spent > self._budget_stop)

    def _stop(self, reason: str) -> None:
        self._stopped = True
        self.progress.stopped = reason
        if self._stop_event is not None:
            self._stop_event.set()

    async def _backoff(self, seconds: float) -> None:
        """Wait before a retry; a stop of the map ends the wait at once."""
        if self._stop_event is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stop_event.wait(), timeout=seconds)

    # ----- one request -----

    async def _acquire(self) -> None:
        assert self._cond is not None
        async with self._cond:
            while True:
                if self._stopped:
                    raise _Stop
                wait = self.pace.wait(self._in_flight, self.clock())
                if wait == 0:
                    if self._over_budget():
                        raise _Stop
                    self._in_flight += 1
                    self.pace.started()
                    self.progress.waiting = None
                    return
                if wait is not None:
                    self.progress.waiting = "waiting for the rate limit"
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._cond.wait(), timeout=wait)

    async def _release(self) -> None:
        assert self._cond is not None
        async with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()  # waiters re-check the pace (only rate-limited maps ever wait)

    async def _send(self, request: RowRequest) -> RowOutcome:
        weight = len(request.positions)
        attempt = 0
        while True:
            await self._acquire()
            self.progress.in_flight += weight
            try:
                response = await self.client.responses.create(stream=False, **request.body)
            except Exception as error:  # any failure is this row's: the others go on
                failure: Exception | None = error
            else:
                failure = None
            finally:
                self.progress.in_flight -= weight
                await self._release()
            if failure is None:
                return self._answered(request, response)
            retry = isinstance(failure, NBResponsesError) and _retryable(failure) and attempt < self.retries
            if not retry or _unreachable(failure):  # an unreachable server counts at every attempt
                self._check_fatal(failure)
            if retry and not self._stopped:
                attempt += 1
                self.progress.retries += 1
                # A 429's wait is the pace's (every new request pauses); other failures back off on their own.
                if not isinstance(failure, RateLimitError):
                    await self._backoff(backoff_delay(attempt - 1))
                if not self._stopped:
                    continue
            return RowOutcome("failed", error=error_line(failure))

    def _answered(self, request: RowRequest, response: object) -> RowOutcome:
        from nbresponses.types.response import Response

        assert isinstance(response, Response)
        cost = None
        if self.prices is not None:
            cost = self.prices.cost(response.model or request.body.get("model"), response.usage)
            cost = cost * self.price_factor if cost is not None else None
        outcome = RowOutcome.answered(response, cost)
        usage = response.usage
        self.pace.succeeded(usage.total_tokens if usage else None)
        self._succeeded += 1
        if outcome.has_answer:
            self._unlogged.append(SavedRow(request.key, response, cost, request=request.body))
        weight = len(request.positions)
        progress = self.progress
        progress.input_tokens += (usage.input_tokens or 0) if usage else 0
        progress.output_tokens += (usage.output_tokens or 0) if usage else 0
        if cost is None:
            progress.unpriced += weight
        else:
            self._spent += cost
            self._priced += 1
            progress.cost_usd = self._spent
        return outcome

    def _check_fatal(self, error: Exception) -> None:
        """Stop when the first requests all failed alike with an error every request would get."""
        status = getattr(error, "status", None)
        code = getattr(error, "code", None)
        if code == "insufficient_quota":
            self._stop(f"the account is out of quota ({error_line(error)})")
            return
        unreachable = _unreachable(error)
        if self._succeeded or not (unreachable or status in _FATAL_STATUSES):
            self._failures.clear()
            return
        self._failures.append((status, _UNREACHABLE if unreachable else code))
        if len(self._failures) < _FATAL_RUN or len(set(self._failures[-_FATAL_RUN:])) != 1 or self._stopped:
            return
        if unreachable:
            self._stop(f"the first {len(self._failures)} attempts could not connect (check the base URL and your "
                       f"network or proxy): {error_line(error).rstrip('.')}")  # fmt: skip
        else:
            self._stop(f"the first {len(self._failures)} requests all failed: {error_line(error)}")

    def _record(self, request: RowRequest, outcome: RowOutcome) -> None:
        self.outcomes[request.key] = outcome
        weight = len(request.positions)
        if outcome.has_answer:
            self.progress.done += weight
        elif outcome.status == "failed":
            self.progress.failed += weight
        else:
            self.progress.not_sent += weight

    # ----- the history -----

    async def _writer(self) -> None:
        while True:
            await asyncio.sleep(_FLUSH_EVERY)
            if self._unlogged and self.log is not None:
                rows, self._unlogged = self._unlogged, []
                try:
                    await asyncio.to_thread(self.log.save, rows)
                except Exception as error:  # the answers stay in memory and in the result
                    self._log_failed(error)

    def _flush(self) -> None:
        if self._unlogged and self.log is not None:
            rows, self._unlogged = self._unlogged, []
            try:
                self.log.save(rows)
            except Exception as error:
                self._log_failed(error)

    def _log_failed(self, error: Exception) -> None:
        """The history cannot take the answers (a full disk, a file made read-only): keep mapping, say so once."""
        self.log = None
        self._unlogged = []
        self.progress.log_error = error_line(error)


async def _cancel(tasks: Sequence[asyncio.Future[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _unreachable(error: BaseException) -> bool:
    """A connection that could not be opened (refused, DNS, TLS...), unlike one that broke or timed out mid-answer."""
    return isinstance(error, APIConnectionError) and error.connect_failed


def _retryable(error: NBResponsesError) -> bool:
    if isinstance(error, RateLimitError):
        return error.code != "insufficient_quota"
    if isinstance(error, InternalServerError | ConflictError | APIConnectionError):
        return True
    return isinstance(error, APIStatusError) and error.status == 408
