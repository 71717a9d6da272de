"""What every live view shares: the throttle, the trailing refresh of a paused stream, rounds and local cards."""

from __future__ import annotations

import threading
from typing import Any

from nbresponses.render import LiveView, LocalCall, Throttle, TurnOutcome
from nbresponses.types.response import Response


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class RecordingView(LiveView):
    """A view that records what it was asked to draw, and signals each refresh."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.drawn: list[tuple[list[str], str, str]] = []
        self.finals: list[tuple[str, list[str]]] = []
        self.refreshed = threading.Event()

    def _show(self) -> None:
        self.drawn.append(([], "shown", threading.current_thread().name))

    def _refresh(self, items: list[dict[str, Any]], status: str) -> None:
        self.drawn.append((texts(items), status, threading.current_thread().name))
        self.refreshed.set()

    def _final(self, outcome: TurnOutcome, items: list[dict[str, Any]]) -> None:
        self.finals.append((outcome.status, texts(items)))


def texts(items: list[dict[str, Any]]) -> list[str]:
    return [p.get("text", "") for i in items for p in i.get("content") or () if isinstance(p, dict)]


def response(text: str, id: str = "resp_1") -> Response:
    return Response.model_validate({
        "id": id, "object": "response", "status": "completed", "model": "m",
        "output": [{"type": "message", "id": f"msg_{text}", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}],
    })  # fmt: skip


class Snapshots:
    """A stand-in for an accumulator's ``snapshot``: returns whatever text was set last, counts calls."""

    def __init__(self) -> None:
        self.text = ""
        self.calls = 0

    def __call__(self) -> Response:
        self.calls += 1
        return response(self.text)


def test_throttle_allows_one_refresh_per_interval() -> None:
    clock = FakeClock()
    throttle = Throttle(10, clock)
    assert throttle.due()
    assert not throttle.due()
    clock.now += 0.05
    assert not throttle.due()
    clock.now += 0.06
    assert throttle.due()
    throttle.mark()
    assert not throttle.due()


def test_throttle_of_zero_or_less_refreshes_every_time() -> None:
    for rate in (0, -1):
        throttle = Throttle(rate, FakeClock())
        assert all(throttle.due() for _ in range(5))


def test_snapshots_are_only_built_when_a_refresh_is_due() -> None:
    clock = FakeClock()
    view = RecordingView(refresh_per_second=10, clock=clock)
    view._trailing = None  # this test counts the throttle's work alone
    view.start(model="m")
    snapshots = Snapshots()
    for n in range(100):
        snapshots.text = f"t{n}"
        view.on_event(object(), snapshots)
        clock.now += 0.001  # 100 events in 0.1 s of the fake clock: one or two refreshes
    assert view.events == 100
    assert snapshots.calls == view.refreshes <= 2


def test_a_paused_stream_shows_its_last_events() -> None:
    # The fake clock never moves, so the throttle refuses every refresh after the first: only the trailing
    # refresh (on its own thread, after a real interval) can show the last state.
    view = RecordingView(refresh_per_second=50, clock=FakeClock())
    view.start(model="m")
    snapshots = Snapshots()
    snapshots.text = "first"
    view.on_event(object(), snapshots)
    assert view.drawn[-1][0] == ["first"]
    view.refreshed.clear()
    for word in ("second", "third"):
        snapshots.text = word
        view.on_event(object(), snapshots)
    assert view.refreshed.wait(10), "the skipped refresh never came"
    items, status, thread = view.drawn[-1]
    assert items == ["third"] and status == "streaming…"
    assert thread == "nbresponses-refresh"
    view.finish(TurnOutcome(response=response("final"), status="completed"))
    assert view.finals == [("completed", ["final"])]


def test_the_trailing_refresh_stops_when_nothing_is_pending_and_never_runs_after_finish() -> None:
    view = RecordingView(refresh_per_second=50, clock=FakeClock())
    view.start(model="m")
    snapshots = Snapshots()
    view.on_event(object(), snapshots)
    view.refreshed.clear()
    view.on_event(object(), snapshots)
    assert view.refreshed.wait(10)
    trailing = view._trailing
    assert trailing is not None
    thread = trailing._thread
    if thread is not None:
        thread.join(10)  # with nothing pending it ends by itself
        assert not thread.is_alive()
    # A skipped refresh, then finish before the helper wakes: the final state is drawn, and nothing after it.
    view.on_event(object(), snapshots)
    view.finish(TurnOutcome(response=response("final"), status="completed"))
    drawn = len(view.drawn)
    if trailing._thread is not None:
        trailing._thread.join(10)
    assert len(view.drawn) == drawn
    view.on_event(object(), snapshots)  # a late event after finish starts no helper
    assert trailing._thread is None or not trailing._thread.is_alive()


def test_text_views_need_no_trailing_refresh() -> None:
    view = RecordingView(refresh_per_second=0)
    assert view._trailing is None


def test_items_of_earlier_tool_rounds_stay_on_screen() -> None:
    view = RecordingView(refresh_per_second=0)
    view.start(model="m")
    first = response("round one", id="resp_1")
    view.on_event(object(), lambda: first)
    view.next_round(first)
    second = response("round two", id="resp_2")
    view.on_event(object(), lambda: second)
    assert texts(view.items) == ["round one", "round two"]
    view.finish(TurnOutcome(response=second, status="completed"))
    assert view.finals == [("completed", ["round one", "round two"])]


def test_local_calls_are_tracked_and_redrawn() -> None:
    view = RecordingView(refresh_per_second=0)
    view.start(model="m", runs_tools=True)
    assert view.runs_tools
    view.tool_waiting("call_1", "get_weather", '{"city": "Paris"}')
    assert view.drawn[-1][1] == "waiting for approval of get_weather…"
    view.tool_started("call_1", "get_weather", '{"city": "Paris"}')
    assert view.drawn[-1][1] == "running get_weather…"
    view.tool_finished("call_1", result='{"temp": 21}', error=None, seconds=0.25)
    [call] = view.local_calls
    assert (call.state, call.result, call.seconds) == ("done", '{"temp": 21}', 0.25)


def test_local_call_states_and_labels() -> None:
    call = LocalCall("c1", "f", '{"x": 1}')
    assert (call.state, call.label) == ("queued", "queued")
    call.state = "waiting"
    assert call.label == "waiting for approval"
    call.finish(result="line one", error=None, seconds=1.5, ran=True)
    assert (call.state, call.label, call.result) == ("done", "done in 1.50 s", "line one")
    call.finish(result=None, error="ValueError: bad", seconds=0.1, ran=True)
    assert (call.state, call.label, call.error) == ("failed", "failed after 0.10 s", "ValueError: bad")
    call.finish(result="The user declined to run f.", error=None, seconds=0.0, ran=False)
    assert (call.state, call.label, call.error) == ("not run", "not run", "The user declined to run f.")


def test_a_call_the_turn_left_unfinished_says_so() -> None:
    view = RecordingView(refresh_per_second=0)
    view.start(model="m", runs_tools=True)
    view.tool_waiting("c1", "f", "{}")
    view.tool_started("c2", "g", "{}")
    view.finish(TurnOutcome(response=None, status="interrupted"))
    states = {c.call_id: (c.state, c.error) for c in view.local_calls}
    assert states == {"c1": ("not run", "the turn ended before this call finished"),
                      "c2": ("failed", "the turn ended before this call finished")}  # fmt: skip
