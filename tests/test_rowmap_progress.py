"""Where a map stands, as figures and one line of text."""

from __future__ import annotations

import pytest

from nbresponses.rowmap import MapProgress, format_seconds


@pytest.mark.parametrize(("seconds", "text"), [(0.42, "0.4 s"), (12.3, "12 s"), (185, "3 min 5 s"), (120, "2 min"),
                                               (7440, "2 h 4 min")])  # fmt: skip
def test_durations_read_naturally(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


def test_a_running_map_shows_rate_and_eta() -> None:
    progress = MapProgress(total=100, resumed=10, done=30, failed=10, in_flight=8, input_tokens=12_345,
                           output_tokens=678, cost_usd=0.0123, started=100.0, model="m")  # fmt: skip
    assert progress.answered == 40 and progress.left == 50
    assert progress.rate(now=110.0) == pytest.approx(4.0) and progress.eta(now=110.0) == pytest.approx(12.5)
    parts = dict(progress.parts(now=110.0))
    assert parts["done"] == "40/100" and parts["from history"] == "10" and parts["in flight"] == "8"
    assert parts["tokens"] == "12.3k in · 678 out" and parts["cost"] == "$0.0123" and parts["ETA"] == "12 s"
    assert progress.line(now=110.0).startswith("done 40/100 · from history 10 · failed 10 · in flight 8")


def test_a_finished_map_shows_elapsed_and_no_eta() -> None:
    progress = MapProgress(total=4, done=4, started=1.0, finished=3.0, unpriced=4, rate_limited=2)
    parts = dict(progress.parts())
    assert parts["elapsed"] == "2.0 s" and "ETA" not in parts and "in flight" not in parts
    assert parts["cost"] == "cost unknown" and parts["rate-limited"] == "2×"
    snapshot = progress.snapshot()
    snapshot.done = 0
    assert progress.done == 4


def test_a_batched_map_has_no_rate_or_elapsed_time() -> None:
    parts = dict(MapProgress(total=4, done=2, pending=2, started=1.0, finished=9.0, batch=True).parts())
    assert parts["in batch"] == "2" and "rate" not in parts and "elapsed" not in parts
