"""How fast a map may send: an adaptive pace from the server's rate-limit answers (pure: it is handed the time).

- At most ``concurrency`` requests in flight, always.
- A 429 pauses every new request for the server's ``retry-after-ms`` / ``retry-after`` (else an exponential
  backoff) and halves the concurrency in use (once per pause, so a burst of 429s from requests that were already
  in flight does not collapse it); each success then adds half a request back (additive increase,
  multiplicative decrease, as TCP does).
- ``x-ratelimit-remaining-requests`` / ``-tokens`` with their ``x-ratelimit-reset-*`` durations (OpenAI's
  headers) are a budget until the reset: new requests stop before it is spent instead of after a 429. The
  server counted the budget when the answered request arrived, and requests reach it in another order than
  they left, so the other requests still in flight are taken off it too (it errs on the safe side), and what is
  left only goes down until the window resets. A request is counted at ``tokens_per_request`` tokens, learned
  from the answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from nbresponses.transports.retries import backoff_delay, retry_after

__all__ = ["Pace", "parse_reset"]

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_MAX_RESET = 120.0  # a window longer than this is not waited for (it would look like a hang)


def parse_reset(text: str | None) -> float | None:
    """Seconds of an ``x-ratelimit-reset-*`` value (``"1s"``, ``"6m0s"``, ``"59ms"``, ``"0.5"``); None if unreadable."""
    if not text:
        return None
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != text:
        return None
    return sum(float(number) * _UNIT[unit] for number, unit in parts)


def _int(text: str | None) -> int | None:
    try:
        return int(float(text)) if text is not None else None
    except ValueError:
        return None


class _Window:
    """What is left of one rate limit until its reset."""

    def __init__(self) -> None:
        self.left: float | None = None
        self.reset_at = 0.0

    def update(self, remaining: int | None, reset: float | None, now: float, spent_since: float) -> None:
        if remaining is None:
            return
        left = float(remaining) - spent_since
        reset_at = now + min(reset if reset is not None else 1.0, _MAX_RESET)
        if self.left is not None and now < self.reset_at:
            # The same window: requests reach the server in another order than they left, so an answer can look
            # older than it is. What is left only goes down until the window resets.
            left, reset_at = min(left, self.left), max(reset_at, self.reset_at)
        self.left, self.reset_at = left, reset_at

    def wait(self, cost: float, now: float) -> float:
        """0 if ``cost`` fits in what is left (or the window reset), else seconds until the reset."""
        if self.left is None or now >= self.reset_at:
            self.left = None
            return 0.0
        return 0.0 if self.left >= cost else self.reset_at - now

    def spend(self, cost: float) -> None:
        if self.left is not None:
            self.left -= cost


class Pace:
    """The adaptive pace of one map.

    Args:
        concurrency: the most requests in flight at once.
    """

    def __init__(self, concurrency: int) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be 1 or more")
        self.concurrency = concurrency
        self.limit = float(concurrency)
        """The concurrency in use now (lowered by 429s, raised back by successes)."""
        self.paused_until = 0.0
        self.rate_limited = 0
        """429 answers seen."""
        self.tokens_per_request: float | None = None
        self._requests = _Window()
        self._tokens = _Window()

        self._consecutive_429 = 0

    @property
    def allowed(self) -> int:
        """Requests that may be in flight now."""
        return max(1, min(self.concurrency, int(self.limit)))

    def wait(self, in_flight: int, now: float) -> float | None:
        """0: a request may start now; seconds to wait (a pause or a spent window); None: wait for a free slot."""
        if in_flight >= self.allowed:
            return None
        waits = [self.paused_until - now, self._requests.wait(1.0, now)]
        if self.tokens_per_request is not None:
            waits.append(self._tokens.wait(self.tokens_per_request, now))
        longest = max(waits)
        return longest if longest > 0 else 0.0

    def started(self) -> None:
        """A request starts: count it against the windows."""
        self._requests.spend(1.0)
        if self.tokens_per_request is not None:
            self._tokens.spend(self.tokens_per_request)

    def observe(self, status: int, headers: Mapping[str, str], now: float, others_in_flight: int = 0) -> None:
        """Learn from an HTTP answer's status and rate-limit headers (before its body is read).

        ``others_in_flight``: requests still in flight besides the answered one.
        """
        if status == 429:
            self.rate_limited += 1
            wait = retry_after(headers, now=None)
            wait = wait if wait is not None else backoff_delay(self._consecutive_429)
            self._consecutive_429 += 1
            if (
                now >= self.paused_until
            ):  # once per pause: the 429s of one burst (already in flight) count once
                self.limit = max(1.0, self.limit / 2)
            self.paused_until = max(self.paused_until, now + wait)
        elif 200 <= status < 300:
            self._consecutive_429 = 0
        others = max(0, others_in_flight)
        requests = _int(headers.get("x-ratelimit-remaining-requests"))
        reset_requests = parse_reset(headers.get("x-ratelimit-reset-requests"))
        self._requests.update(requests, reset_requests, now, spent_since=others)
        tokens = _int(headers.get("x-ratelimit-remaining-tokens"))
        reset_tokens = parse_reset(headers.get("x-ratelimit-reset-tokens"))
        self._tokens.update(tokens, reset_tokens, now, spent_since=others * (self.tokens_per_request or 0.0))

    def succeeded(self, total_tokens: int | None) -> None:
        """A request answered: raise the concurrency back a little and learn its token use."""
        if self.limit < self.concurrency:  # back to full in about twice the concurrency lost
            self.limit = min(float(self.concurrency), self.limit + 0.5)
        if total_tokens:
            previous = self.tokens_per_request
            self.tokens_per_request = (
                total_tokens if previous is None else 0.8 * previous + 0.2 * total_tokens
            )
