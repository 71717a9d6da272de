"""The adaptive pace of a map: slots, 429 pauses, and rate-limit windows (a hand-set clock)."""

from __future__ import annotations

import pytest

from nbresponses.rowmap import Pace
from nbresponses.rowmap._pace import parse_reset


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("59ms", 0.059),
        ("1h2m3.5s", 3723.5),
        ("0.5", 0.5),
        ("", None),
        ("soon", None),
        ("5x", None),
    ],
)
def test_reset_durations_are_read_as_openai_writes_them(text: str, seconds: float | None) -> None:
    assert parse_reset(text) == (pytest.approx(seconds) if seconds is not None else None)


def test_never_more_than_the_concurrency_in_flight() -> None:
    pace = Pace(3)
    assert [pace.wait(n, now=0.0) for n in range(4)] == [0.0, 0.0, 0.0, None]
    with pytest.raises(ValueError):
        Pace(0)


def test_a_429_pauses_every_request_for_retry_after_ms_and_halves_the_concurrency_once_per_burst() -> None:
    pace = Pace(8)
    pace.observe(429, {"retry-after-ms": "300"}, now=10.0)
    assert pace.allowed == 4 and pace.rate_limited == 1
    assert pace.wait(0, now=10.1) == pytest.approx(0.2)
    pace.observe(429, {"retry-after-ms": "300"}, now=10.05)  # another request of the same burst
    assert pace.allowed == 4  # not halved again
    assert pace.wait(0, now=10.36) == 0.0
    pace.observe(429, {"retry-after": "1"}, now=11.0)  # a new burst, after the pause
    assert pace.allowed == 2 and pace.wait(0, now=11.5) == pytest.approx(0.5)


def test_successes_win_the_concurrency_back() -> None:
    pace = Pace(8)
    pace.observe(429, {"retry-after-ms": "10"}, now=0.0)
    for _ in range(8):
        pace.succeeded(100)
    assert pace.allowed == 8 and pace.tokens_per_request == pytest.approx(100)


def test_a_429_without_a_wait_backs_off_exponentially() -> None:
    pace = Pace(4)
    pace.observe(429, {}, now=0.0)
    first = pace.paused_until
    pace.observe(429, {}, now=first)
    assert 0.3 < first <= 0.5 and pace.paused_until - first > first


def test_remaining_requests_are_a_budget_until_the_reset() -> None:
    pace = Pace(8)
    pace.observe(200, {"x-ratelimit-remaining-requests": "2", "x-ratelimit-reset-requests": "500ms"}, now=1.0)
    assert pace.wait(0, now=1.0) == 0.0
    pace.started()
    pace.started()
    assert pace.wait(0, now=1.1) == pytest.approx(0.4)  # spent: wait for the reset
    assert pace.wait(0, now=1.5) == 0.0  # the window reset


def test_requests_still_in_flight_are_taken_off_what_the_server_said_is_left() -> None:
    pace = Pace(8)
    # The server counted 7 left when this request arrived; 5 others are still in flight (perhaps not counted).
    pace.observe(
        200,
        {"x-ratelimit-remaining-requests": "7", "x-ratelimit-reset-requests": "1s"},
        now=0.0,
        others_in_flight=5,
    )
    pace.started()
    pace.started()
    assert pace.wait(0, now=0.1) == pytest.approx(0.9)


def test_what_is_left_only_goes_down_within_a_window() -> None:
    pace = Pace(8)
    headers = {"x-ratelimit-remaining-requests": "1", "x-ratelimit-reset-requests": "1s"}
    pace.observe(200, headers, now=0.0)
    pace.started()
    # An answer that reached the server earlier, read later, says more is left: it is not believed.
    pace.observe(200, {**headers, "x-ratelimit-remaining-requests": "6"}, now=0.1)
    assert pace.wait(0, now=0.2) == pytest.approx(0.9)  # nothing left until the later of the two resets


def test_remaining_tokens_hold_back_requests_of_the_learned_size() -> None:
    pace = Pace(8)
    pace.succeeded(1000)
    pace.observe(200, {"x-ratelimit-remaining-tokens": "2500", "x-ratelimit-reset-tokens": "2s"}, now=0.0)
    pace.started()
    pace.started()
    assert pace.wait(0, now=0.5) == pytest.approx(1.5)  # 500 tokens left: less than one request
