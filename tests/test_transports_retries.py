"""Tests of nbresponses.transports.retries: which failures are retried and how long to wait."""

from __future__ import annotations

import email.utils
import random

import pytest

from nbresponses.transports.retries import MAX_DELAY, backoff_delay, retry_after, should_retry_status


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    assert should_retry_status(status, {})


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(status: int) -> None:
    assert not should_retry_status(status, {})


def test_out_of_quota_429_is_not_retried() -> None:
    assert not should_retry_status(429, {}, "insufficient_quota")
    assert should_retry_status(429, {}, "rate_limit_exceeded")


def test_server_header_decides_first() -> None:
    assert should_retry_status(400, {"x-should-retry": "true"})
    assert not should_retry_status(503, {"x-should-retry": "false"})


def test_retry_after_ms_wins_over_seconds() -> None:
    assert retry_after({"retry-after-ms": "250", "retry-after": "7"}) == 0.25


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after({"retry-after": "2"}) == 2.0
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 3, usegmt=True)
    assert retry_after({"retry-after": date}, now=now) == pytest.approx(3.0, abs=1.0)


@pytest.mark.parametrize("value", ["-1", "soon", "3600"])
def test_unusable_retry_after_is_ignored(value: str) -> None:
    assert retry_after({"retry-after": value}, now=0.0) is None


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(n, rng=rng) for n in range(8)]
    for n, delay in enumerate(delays):
        nominal = min(0.5 * 2**n, MAX_DELAY)
        assert nominal * 0.75 <= delay <= nominal
    assert delays[-1] <= MAX_DELAY
