"""Client configuration: keyword arguments > environment > defaults, and the headers sent.

Transport-neutral: timeouts are plain seconds (`Timeouts`); the HTTP transport turns them into httpx2's.

The API key is held in a `Secret` (from `nbresponses._secrets`), whose repr and str never show it and whose value
is redacted everywhere; it leaves this module only inside the ``Authorization`` header.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._exceptions import ConfigurationError
from ._secrets import Secret
from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ClientConfig",
    "Secret",
    "Timeouts",
    "resolve_config",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_TIMEOUT = 600.0
"""Seconds to wait for each read (for a stream: between two chunks), as the official SDK does."""
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 2


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection, each read (for a stream: between two chunks), a write, a pooled
    connection; None waits forever."""

    read: float | None = DEFAULT_TIMEOUT
    connect: float | None = DEFAULT_TIMEOUT
    write: float | None = DEFAULT_TIMEOUT
    pool: float | None = DEFAULT_TIMEOUT

    @classmethod
    def of(cls, timeout: Any, connect_timeout: float | None) -> Timeouts:
        """From ``timeout=``: seconds (the read timeout; connect from ``connect_timeout``, else at most
        `DEFAULT_CONNECT_TIMEOUT`), None (the defaults), or an object with ``read``/``connect``/``write``/``pool``
        (an ``httpx2.Timeout``)."""
        if hasattr(timeout, "read") and hasattr(timeout, "connect"):
            return cls(read=timeout.read, connect=timeout.connect, write=getattr(timeout, "write", None),
                       pool=getattr(timeout, "pool", None))  # fmt: skip
        read = DEFAULT_TIMEOUT if timeout is None else float(timeout)
        connect = connect_timeout or min(DEFAULT_CONNECT_TIMEOUT, read)
        return cls(read=read, connect=connect, write=read, pool=read)


@dataclass(frozen=True)
class ClientConfig:
    """Resolved settings of a client."""

    base_url: str
    api_key: Secret | None = field(repr=False)
    organization: str | None = None
    project: str | None = None
    timeout: Timeouts = field(default_factory=Timeouts)
    max_retries: int = DEFAULT_MAX_RETRIES
    default_headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must be redacted from anything shown to the user."""
        return (self.api_key.reveal(),) if self.api_key else ()

    def url(self, path: str) -> str:
        """The absolute URL of an API path such as ``/responses``."""
        return self.base_url + path

    def headers(self) -> dict[str, str]:
        """Headers of every request, including the bearer key when one is set."""
        headers = {"User-Agent": f"nbresponses/{__version__}", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key.reveal()}"
        if self.organization:
            headers["OpenAI-Organization"] = self.organization
        if self.project:
            headers["OpenAI-Project"] = self.project
        headers.update(self.default_headers)
        return headers


def resolve_config(
    *,
    api_key: str | None,
    base_url: str | None,
    organization: str | None,
    project: str | None,
    timeout: Any,
    connect_timeout: float | None,
    max_retries: int | None,
    default_headers: Mapping[str, str] | None,
    environ: Mapping[str, str] | None = None,
) -> ClientConfig:
    """Resolve settings: keyword arguments, then ``OPENAI_*`` environment variables, then defaults."""
    env = os.environ if environ is None else environ
    key = api_key if api_key is not None else env.get("OPENAI_API_KEY")
    url = (base_url or env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"base_url must start with http:// or https://, got {url!r}.")
    if not key and url == DEFAULT_BASE_URL:
        raise ConfigurationError(
            "No API key: set the OPENAI_API_KEY environment variable or pass api_key=... "
            "(in a notebook: %respond login). Without a key, use the offline backend (nbresponses.offline)."
        )
    resolved_timeout = Timeouts.of(timeout, connect_timeout)
    retries = DEFAULT_MAX_RETRIES if max_retries is None else max_retries
    if retries < 0:
        raise ConfigurationError("max_retries must be 0 or more.")
    return ClientConfig(
        base_url=url,
        api_key=Secret(key.strip()) if key else None,
        organization=organization or env.get("OPENAI_ORG_ID") or None,
        project=project or env.get("OPENAI_PROJECT_ID") or None,
        timeout=resolved_timeout,
        max_retries=retries,
        default_headers=dict(default_headers or {}),
    )
