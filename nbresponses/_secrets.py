"""The one place that knows what a secret looks like and keeps it out of everything nbresponses writes or shows.

Errors, log records, the history file and cassettes all go through these functions:

- :func:`redact` (text) and :func:`redact_data` (JSON-like values) replace every known secret exactly, and
  anything shaped like an API key (``sk-…``, ``Bearer …``) whatever its origin; fields named like credentials
  (``Authorization``, ``api-key`` …) are blanked whole.
- :func:`redact_bytes` removes the known secrets only, from what a server sends back (an echoed key must not
  reach the screen), leaving model text that merely looks like a key alone.
- :func:`carries_key` says whether a magic line holds a key (refused: the notebook would save it).
- :class:`RedactingFilter`, installed by :func:`install_log_filter` on the HTTP libraries' loggers, rewrites a
  log record that carries a secret before any handler sees it (httpcore2 logs response headers at DEBUG).

Known secrets are the values of every :class:`Secret` made in this process (the client's key, a key typed with
``%respond login``) and ``OPENAI_API_KEY``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "HTTP_LOGGERS",
    "REDACTED",
    "RedactingFilter",
    "Secret",
    "carries_key",
    "install_log_filter",
    "known",
    "needs_redaction",
    "redact",
    "redact_bytes",
    "redact_data",
    "redact_json_text",
    "remember",
]

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 8
"""Shorter values are not treated as secrets (a placeholder like ``offline`` would blank ordinary words)."""

# Key shapes of OpenAI and the common gateways (sk-..., sk-proj-..., sk-ant-..., masked echoes like
# sk-proj-****abcd) and bearer tokens. 16 characters after the prefix: "sk-learn" or "task-scheduler" stay.
KEY_PATTERN = re.compile(r"\bsk-[A-Za-z0-9_*\-]{16,}|\b[Bb]earer\s+[A-Za-z0-9._~+/=*\-]{16,}")
SECRET_FIELD = re.compile(
    r"(proxy-)?authorization|(x-|openai[-_])?api[-_]?key|(x-)?auth[-_]token", re.IGNORECASE
)
"""Names of fields and headers whose whole value is a credential."""
_KEY_FLAG = re.compile(r"--?api[-_]?key\b|\bapi[-_]?key\s*=", re.IGNORECASE)
_SUSPECT = ("sk-", "bearer", "authorization", "api_key", "api-key", "apikey", "auth_token", "auth-token")
_KEEP_FIELDS = frozenset({"encrypted_content"})  # opaque, resent byte for byte: never altered

_known: set[str] = set()
_known_lock = threading.Lock()

HTTP_LOGGERS = (
    "httpx2",
    "httpx",
    "httpcore2",
    "httpcore2.connection",
    "httpcore2.http11",
    "httpcore2.http2",
    "httpcore2.proxy",
    "httpcore2.socks",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack",
    "hpack.hpack",
    "h2",
    "nbresponses",
)
"""Loggers that may print request or response headers (httpx2 uses httpcore2; ``httpx``/``httpcore`` are the
names an aliased install logs under; hpack logs decoded HTTP/2 headers)."""


class Secret:
    """A string that does not show itself in reprs, logs or tracebacks; its value is redacted everywhere."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        remember(value)

    def reveal(self) -> str:
        """The secret value; call it only where the value must leave (the Authorization header)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def remember(secret: str | None) -> None:
    """Add ``secret`` to the values redacted everywhere in this process (short values are ignored)."""
    if secret and len(secret.strip()) >= MIN_SECRET_CHARS:
        with _known_lock:
            _known.add(secret.strip())


def known(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The secrets to redact: ``extra``, every remembered one and ``OPENAI_API_KEY``, longest first."""
    values = {s for s in extra if s and len(s) >= MIN_SECRET_CHARS}
    env = os.environ.get("OPENAI_API_KEY", "").strip()
    if len(env) >= MIN_SECRET_CHARS:
        values.add(env)
    with _known_lock:
        values |= _known
    return tuple(sorted(values, key=len, reverse=True))  # a key that contains another is replaced whole


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret (and ``secrets``) and anything shaped like an API key replaced."""
    for secret in known(secrets):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return KEY_PATTERN.sub(REDACTED, text)


def redact_bytes(data: bytes, secrets: Iterable[str] = ()) -> bytes:
    """``data`` (a body a server sent) with the known secrets replaced; other text is left as it is."""
    for secret in known(secrets):
        encoded = secret.encode()
        if encoded in data:
            data = data.replace(encoded, REDACTED.encode())
    return data


def redact_data(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of JSON-like ``value`` with credential fields blanked and secrets redacted from every string.

    ``encrypted_content`` (reasoning state the API needs back byte for byte) is kept as it is.
    """
    return _redact_value(value, known(secrets), "")


def _redact_value(value: Any, secrets: tuple[str, ...], field: str) -> Any:
    if isinstance(value, str):
        if field in _KEEP_FIELDS:
            return value
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return KEY_PATTERN.sub(REDACTED, value)
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if item and SECRET_FIELD.fullmatch(str(key))
            else _redact_value(item, secrets, str(key))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_value(item, secrets, "") for item in value]
    return value


def needs_redaction(text: str, secrets: Iterable[str] = ()) -> bool:
    """A cheap test: could ``text`` hold a secret (a known value, a key shape or a credential field name)?"""
    lowered = text.lower()
    return any(word in lowered for word in _SUSPECT) or any(secret in text for secret in known(secrets))


def redact_json_text(text: str, secrets: Iterable[str] = ()) -> str:
    """JSON ``text`` redacted as data (fields and strings); the same text when nothing in it can be a secret."""
    if not needs_redaction(text, secrets):
        return text
    return json.dumps(redact_data(json.loads(text), secrets), ensure_ascii=False)


def carries_key(line: str) -> bool:
    """Whether a magic line holds an API key: a key's shape, a known key, or an ``--api-key``/``api_key=``."""
    if KEY_PATTERN.search(line) or _KEY_FLAG.search(line):
        return True
    return any(secret in line for secret in known())


class RedactingFilter(logging.Filter):
    """Rewrites a record whose message (or exception text) carries a secret; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's to report, not ours
            return True
        if needs_redaction(message):
            record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:  # what a handler would print: format it here, redacted
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and needs_redaction(record.exc_text):
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactingFilter()


def install_log_filter(names: Iterable[str] = HTTP_LOGGERS) -> None:
    """Attach the redacting filter to the HTTP libraries' loggers (and their existing children); idempotent.

    A logger's filter sees only the records made on that very logger, so each one gets it.
    """
    wanted = tuple(names)
    existing = [
        name
        for name in list(logging.root.manager.loggerDict)
        if any(name.startswith(prefix + ".") for prefix in wanted)
    ]
    for name in (*wanted, *existing):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
