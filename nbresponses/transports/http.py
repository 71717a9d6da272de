"""Sending one API request with retries, and turning HTTP failures into nbresponses exceptions.

The only module besides `_stream` that touches httpx2. A request is retried (connection errors, 408, 409,
429, 5xx) only while no response byte has been consumed: a streamed body is handed to the caller after the
headers, and from then on nothing is retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2

from ._config import ClientConfig
from ._exceptions import APIConnectionError, APIStatusError, APITimeoutError, status_error_class
from ._retries import backoff_delay, retry_after, should_retry_status
from ._secrets import install_log_filter, redact

__all__ = ["RequestSpec", "request_id", "send_async", "send_sync", "status_error"]

logger = logging.getLogger("nbresponses")
install_log_filter()  # httpcore2 logs response headers at DEBUG: a server echoing the key must not reach a log


@dataclass(frozen=True)
class RequestSpec:
    """One API call: method, path under the base URL, JSON body and query parameters."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    stream: bool = False
    files: dict[str, tuple[str, bytes, str]] | None = None
    """Multipart form upload (``POST /files``): field name -> (filename, bytes, media type); ``body`` then
    holds the plain form fields."""


def _build(
    client: httpx2.Client | httpx2.AsyncClient, config: ClientConfig, spec: RequestSpec
) -> httpx2.Request:
    headers = config.headers()
    content = None
    if spec.files is not None:  # multipart: httpx2 encodes it and sets the boundary
        return client.build_request(
            spec.method, config.url(spec.path), headers=headers, data=spec.body, files=spec.files,
            timeout=config.timeout,
        )  # fmt: skip
    if spec.body is not None:
        headers["Content-Type"] = "application/json"
        content = _utf8(json.dumps(spec.body, ensure_ascii=False, separators=(",", ":")))
    if spec.stream:
        headers["Accept"] = "text/event-stream"
    params = {key: _query_value(value) for key, value in spec.params.items() if value is not None}
    return client.build_request(
        spec.method,
        config.url(spec.path),
        headers=headers,
        content=content,
        params=params,
        timeout=config.timeout,
    )


def _utf8(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError:  # lone surrogates cannot be sent: U+FFFD in their place (callers say so first)
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode()


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _error_code(body: bytes) -> str | None:
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


def request_id(headers: httpx2.Headers) -> str | None:
    """The ``x-request-id`` header (to quote to support), redacted: a server may echo anything in it."""
    value = headers.get("x-request-id")
    return redact(value) if value else None


def status_error(response: httpx2.Response, body: bytes, secrets: tuple[str, ...]) -> APIStatusError:
    """Build the exception for a non-2xx response from its status, headers and body."""
    error: dict[str, Any] = {}
    try:
        parsed = json.loads(body)
        if isinstance(parsed, dict):
            nested = parsed.get("error", parsed)
            error = nested if isinstance(nested, dict) else {"message": str(nested)}
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        error = {"message": text[:300] if text else response.reason_phrase}
    message = str(error.get("message") or f"HTTP {response.status_code} {response.reason_phrase}")
    code = error.get("code")
    return status_error_class(response.status_code)(
        redact(message, secrets),
        status=response.status_code,
        type=error.get("type") if isinstance(error.get("type"), str) else None,
        code=str(code) if code is not None else None,
        param=error.get("param") if isinstance(error.get("param"), str) else None,
        request_id=request_id(response.headers),
        body={"error": {k: redact(v, secrets) if isinstance(v, str) else v for k, v in error.items()}},
    )


def _connection_error(exc: httpx2.TransportError, config: ClientConfig) -> APIConnectionError:
    what = f"{type(exc).__name__} talking to {config.base_url}"
    detail = redact(str(exc), config.secrets)
    message = f"{what}: {detail}" if detail else what
    if isinstance(exc, httpx2.TimeoutException):
        return APITimeoutError(f"Request timed out ({message}).")
    return APIConnectionError(f"Connection error ({message}).")


def _retry_wait(response: httpx2.Response | None, retries_done: int) -> float:
    server_wait = retry_after(response.headers, now=time.time()) if response is not None else None
    return server_wait if server_wait is not None else backoff_delay(retries_done)


def send_sync(client: httpx2.Client, config: ClientConfig, spec: RequestSpec) -> httpx2.Response:
    """Send with retries; return a 2xx response (body unread when ``spec.stream``), else raise."""
    retries_done = 0
    while True:
        request = _build(client, config, spec)
        try:
            response = client.send(request, stream=True)
        except httpx2.TransportError as exc:
            if retries_done >= config.max_retries:
                raise _connection_error(exc, config) from None
            wait = _retry_wait(None, retries_done)
        else:
            if response.is_success:
                if not spec.stream:
                    try:
                        response.read()
                    except httpx2.TransportError as exc:
                        raise _connection_error(exc, config) from None
                    finally:
                        response.close()
                return response
            try:
                body = response.read()
            finally:
                response.close()
            retryable = should_retry_status(response.status_code, response.headers, _error_code(body))
            if not retryable or retries_done >= config.max_retries:
                raise status_error(response, body, config.secrets)
            wait = _retry_wait(response, retries_done)
        retries_done += 1
        logger.info("Retrying %s %s in %.2fs (retry %d)", spec.method, spec.path, wait, retries_done)
        time.sleep(wait)


async def send_async(client: httpx2.AsyncClient, config: ClientConfig, spec: RequestSpec) -> httpx2.Response:
    """The asyncio twin of `send_sync`."""
    retries_done = 0
    while True:
        request = _build(client, config, spec)
        try:
            response = await client.send(request, stream=True)
        except httpx2.TransportError as exc:
            if retries_done >= config.max_retries:
                raise _connection_error(exc, config) from None
            wait = _retry_wait(None, retries_done)
        else:
            if response.is_success:
                if not spec.stream:
                    try:
                        await response.aread()
                    except httpx2.TransportError as exc:
                        raise _connection_error(exc, config) from None
                    finally:
                        await response.aclose()
                return response
            try:
                body = await response.aread()
            finally:
                await response.aclose()
            retryable = should_retry_status(response.status_code, response.headers, _error_code(body))
            if not retryable or retries_done >= config.max_retries:
                raise status_error(response, body, config.secrets)
            wait = _retry_wait(response, retries_done)
        retries_done += 1
        logger.info("Retrying %s %s in %.2fs (retry %d)", spec.method, spec.path, wait, retries_done)
        await asyncio.sleep(wait)
