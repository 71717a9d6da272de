"""When to retry a request and how long to wait (pure functions, no clocks of their own).

Only failures that happened before any response byte was consumed are retried: connection errors, and the
statuses 408, 409, 429 and 5xx. The server's own ``retry-after-ms`` / ``retry-after`` wins when it is
reasonable (up to a minute); otherwise exponential backoff with jitter.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Mapping

__all__ = [
    "INITIAL_DELAY",
    "MAX_DELAY",
    "MAX_RETRY_AFTER",
    "backoff_delay",
    "retry_after",
    "should_retry_status",
]

INITIAL_DELAY = 0.5
"""Seconds before the first retry when the server does not say."""
MAX_DELAY = 8.0
"""Cap of the exponential backoff, in seconds."""
MAX_RETRY_AFTER = 60.0
"""A server-requested wait longer than this is not honoured; the request fails instead of hanging."""

_RETRY_STATUSES = frozenset({408, 409, 429})
# A 429 that says the account is out of quota will not succeed on retry.
_NO_RETRY_CODES = frozenset({"insufficient_quota"})


def should_retry_status(status: int, headers: Mapping[str, str], error_code: str | None = None) -> bool:
    """Whether a response with this status is worth retrying.

    An explicit ``x-should-retry`` header from the server decides first.
    """
    explicit = headers.get("x-should-retry")
    if explicit == "true":
        return True
    if explicit == "false":
        return False
    if error_code in _NO_RETRY_CODES:
        return False
    return status in _RETRY_STATUSES or status >= 500


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The wait the server asked for, in seconds, from ``retry-after-ms`` or ``retry-after``.

    ``retry-after`` may be seconds or an HTTP date (then ``now``, a UNIX time, is needed). Returns None when
    absent, unparsable, negative, or over `MAX_RETRY_AFTER`.
    """
    value: float | None = None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            value = float(raw_ms) / 1000.0
        except ValueError:
            value = None
    raw = headers.get("retry-after")
    if value is None and raw is not None:
        try:
            value = float(raw)
        except ValueError:
            parsed = email.utils.parsedate_tz(raw)
            if parsed is not None and now is not None:
                value = email.utils.mktime_tz(parsed) - now
    if value is None or value < 0 or value > MAX_RETRY_AFTER:
        return None
    return value


def backoff_delay(retries_done: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with up to 25% jitter: 0.5 s, 1 s, 2 s, ... capped at `MAX_DELAY`."""
    delay = min(INITIAL_DELAY * (2.0**retries_done), MAX_DELAY)
    jitter = (rng or random).random() * 0.25
    return delay * (1.0 - jitter)
