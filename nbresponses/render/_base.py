"""What every live view shares: throttled refreshes, items kept across tool rounds, local tool-call cards."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from nbresponses.types.response import Response

    from ._outcome import TurnOutcome

from ._cards import LocalCall

__all__ = ["Decision", "LiveView", "Throttle", "TrailingRefresh", "running_kernel"]

Decision = Literal["run", "run_all", "deny"]
"""An answer to an approval question: run this call, run it and the cell's next calls, or deny it."""


def running_kernel() -> Any:
    """The ipykernel kernel running this code, or None (terminal IPython, a script)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return getattr(get_ipython(), "kernel", None)


class Throttle:
    """Says whether a refresh is due: at most ``per_second`` of them (0 or less: every time)."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.clock = clock
        self._last = -math.inf

    def due(self) -> bool:
        now = self.clock()
        if now - self._last >= self.interval:
            self._last = now
            return True
        return False

    def mark(self) -> None:
        """Count a refresh made elsewhere (the next one is due an interval from now)."""
        self._last = self.clock()


class TrailingRefresh:
    """Shows the events a throttled view skipped once the stream pauses.

    The throttle drops refreshes that come too soon, so the last events before a pause (a hosted tool running,
    a slow model, a stall) would stay unseen until the next event. The kernel's only thread is blocked reading
    the stream then, so a helper thread makes that refresh: it wakes an interval after a skipped refresh and
    refreshes if the view did not refresh meanwhile. It runs only while something is pending, and never
    after `close`.
    """

    def __init__(self, view: LiveView, interval: float) -> None:
        self._view = view
        self._interval = interval
        self._pending: Callable[[], Response] | None = None
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    def request(self, snapshot: Callable[[], Response]) -> None:
        """A refresh was skipped; ``snapshot`` gives the state to show if the stream pauses."""
        self._pending = snapshot
        if self._thread is None:
            with self._view.lock:
                if self._thread is None and not self._closed.is_set():
                    self._thread = threading.Thread(target=self._run, name="nbresponses-refresh", daemon=True)
                    self._thread.start()

    def done(self) -> None:
        """The view refreshed with the latest state: nothing is pending."""
        self._pending = None

    def close(self) -> None:
        """Stop for good (the view is finishing); returns once no refresh can still run."""
        with self._view.lock:
            self._closed.set()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _run(self) -> None:
        view = self._view
        while True:
            seen = view.refreshes
            if self._closed.wait(self._interval):
                return
            with view.lock:
                if self._closed.is_set():
                    return
                snapshot = self._pending
                if snapshot is None:
                    self._thread = None
                    return
                if view.refreshes == seen:  # no refresh during a whole interval: the stream paused
                    self._pending = None
                    view.throttle.mark()
                    view._refresh_now(snapshot, "streaming…")


class LiveView:
    """The interface of a live view, and the bookkeeping all of them share.

    Subclasses implement ``_show`` (first display), ``_refresh(items, status)`` and ``_final(outcome, items)``.
    A view knows what the notebook does with each function call (`LocalCall`: queued, waiting for approval,
    running, done, failed, not run) and shows it on that call's one card.
    """

    def __init__(
        self, *, refresh_per_second: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.throttle = Throttle(refresh_per_second, clock)
        self.clock = clock
        self.lock = threading.RLock()
        """Held while the view draws: refreshes may come from the stream's thread and from `TrailingRefresh`."""
        self._trailing = TrailingRefresh(self, self.throttle.interval) if self.throttle.interval else None
        self.model = ""
        self.thread: str | None = None
        self.runs_tools = False
        """Whether notebook functions answer this turn's function calls (else a call card says "not run here")."""
        self.events = 0
        self.refreshes = 0
        self._earlier: list[dict[str, Any]] = []  # output items of finished tool rounds
        self._current: list[dict[str, Any]] = []
        self._calls: dict[str, LocalCall] = {}

    def start(self, *, model: str, thread: str | None = None, runs_tools: bool = False) -> None:
        """Show the empty view (waiting for the first event)."""
        self.model, self.thread, self.runs_tools = model, thread, runs_tools
        self._show()

    def on_event(self, event: Any, snapshot: Callable[[], Response]) -> None:
        """One stream event; ``snapshot`` gives the response so far and is only called when a refresh is due."""
        self.events += 1
        if self.throttle.due():
            with self.lock:
                self._refresh_now(snapshot, "streaming…")
            if self._trailing is not None:
                self._trailing.done()
        elif self._trailing is not None:
            self._trailing.request(snapshot)

    def _refresh_now(self, snapshot: Callable[[], Response], status: str) -> None:
        self._current = snapshot().to_dict().get("output") or []
        self.refreshes += 1
        self._refresh(self.items, status)

    def next_round(self, response: Response | None) -> None:
        """A tool round ended: keep its items on screen while the next request streams."""
        with self.lock:
            if self._trailing is not None:
                self._trailing.done()
            if response is not None:
                self._earlier += response.to_dict().get("output") or []
            self._current = []

    def _call(self, call_id: str, name: str, arguments: str) -> LocalCall:
        call = self._calls.get(call_id)
        if call is None:
            call = self._calls[call_id] = LocalCall(call_id, name, arguments)
        return call

    def tool_waiting(self, call_id: str, name: str, arguments: str) -> None:
        """The notebook asks whether to run ``call_id`` (its card says "waiting for approval")."""
        with self.lock:
            self._call(call_id, name, arguments).state = "waiting"
            self._refresh(self.items, f"waiting for approval of {name}…")

    def tool_started(self, call_id: str, name: str, arguments: str) -> None:
        """A notebook function started running for ``call_id``."""
        with self.lock:
            self._call(call_id, name, arguments).state = "running"
            self._refresh(self.items, f"running {name}…")

    def tool_finished(
        self,
        call_id: str,
        *,
        result: str | None,
        error: str | None,
        seconds: float,
        ran: bool = True,
        name: str = "",
        arguments: str = "",
    ) -> None:
        """A notebook function finished (with a result preview or an error), or was not run (``ran=False``)."""
        with self.lock:
            self._call(call_id, name, arguments).finish(result=result, error=error, seconds=seconds, ran=ran)
            self._refresh(self.items, "streaming…")

    def ask_approval(self, name: str, arguments: str, call_id: str = "") -> Decision | None:
        """Ask in the view whether to run a tool call; None when this view cannot ask (use ``input()``)."""
        return None

    @property
    def items(self) -> list[dict[str, Any]]:
        """Every output item shown: earlier rounds' then the current round's."""
        return [*self._earlier, *self._current]

    @property
    def local_calls(self) -> list[LocalCall]:
        """What the notebook did with the function calls so far, in order."""
        return list(self._calls.values())

    def finish(self, outcome: TurnOutcome) -> None:
        """The exact final state (never throttled)."""
        if self._trailing is not None:
            self._trailing.close()
        with self.lock:
            if outcome.response is not None:
                self._current = outcome.response.to_dict().get("output") or []
            for call in self._calls.values():
                if call.state in ("queued", "waiting", "running"):  # stopped before it could finish
                    call.state = "not run" if call.state != "running" else "failed"
                    call.error = call.error or "the turn ended before this call finished"
            self.refreshes += 1
            self._final(outcome, self.items)

    def _show(self) -> None:
        raise NotImplementedError

    def _refresh(self, items: list[dict[str, Any]], status: str) -> None:
        raise NotImplementedError

    def _final(self, outcome: TurnOutcome, items: list[dict[str, Any]]) -> None:
        raise NotImplementedError
