"""`LoadTestApp`: a Responses endpoint with latency, rate limits and counters, to load-test concurrent clients.

An ASGI app (serve it with uvicorn on loopback): each ``POST …/responses`` waits ``latency`` seconds and
answers ``"Answer: <the request's input text>"``, so a test can check that every row got its own answer. It
counts what a client did: requests in flight now and at their peak (server side, so the count is the truth),
429s sent, and retries of a 429'd request that came before its ``retry-after-ms`` was over. It can:

- answer given requests with 429 and ``retry-after-ms`` (``rate_limit_at``, or every ``rate_limit_every``-th),
- keep a request budget per window (``requests_per_window`` / ``window``) with OpenAI's
  ``x-ratelimit-remaining-requests`` / ``x-ratelimit-reset-requests`` headers, answering 429 beyond it.

``GET …/stats`` returns the counters as JSON (for a server in another process). `LoadTestApp.serve` runs it
on loopback in a background thread (uvicorn, ``pip install 'nbresponses[server]'``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LoadStats", "LoadTestApp"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class LoadStats:
    """What the server saw."""

    requests: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    rate_limited: int = 0
    """429s sent (scripted, or beyond the window's budget)."""
    over_budget: int = 0
    """Requests beyond the window's budget (each answered 429)."""
    early: int = 0
    """Retries of a 429'd request (the same input) that arrived before its ``retry-after-ms`` was over."""
    rounds: int = 0
    """Rounds of latency the answers took: a request's round is one more than the highest round answered before
    it arrived. A client keeping ``n`` requests in flight answers ``m`` requests in ``ceil(m / n)`` rounds; one
    sending them one by one in ``m``."""
    in_flight_at_arrival: list[int] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The counters as JSON-able values."""
        return {k: v for k, v in self.__dict__.items() if k != "inputs"} | {"inputs": len(self.inputs)}


def _input_text(body: Any) -> str:
    value = body.get("input") if isinstance(body, dict) else None
    if isinstance(value, str):
        return value
    texts: list[str] = []
    for item in value or []:
        content = item.get("content") if isinstance(item, dict) else None
        if isinstance(content, str):
            texts.append(content)
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
    return "\n".join(texts)


class LoadTestApp:
    """The ASGI app.

    Args:
        latency: seconds each answer takes.
        rate_limit_at: request numbers (1-based, in arrival order) answered 429.
        rate_limit_every: answer every n-th request 429 (0: never).
        retry_after_ms: the wait a 429 asks for.
        requests_per_window: the request budget of each window (None: unlimited, no rate-limit headers).
        window: the window's length in seconds.
    """

    def __init__(
        self,
        *,
        latency: float = 0.05,
        rate_limit_at: Iterable[int] = (),
        rate_limit_every: int = 0,
        retry_after_ms: int = 200,
        requests_per_window: int | None = None,
        window: float = 1.0,
    ) -> None:
        self.latency = latency
        self.rate_limit_at = set(rate_limit_at)
        self.rate_limit_every = rate_limit_every
        self.retry_after_ms = retry_after_ms
        self.requests_per_window = requests_per_window
        self.window = window
        self.stats = LoadStats()
        self._retry_at: dict[str, float] = {}
        self._window_start = 0.0
        self._window_count = 0
        self._answered_round = 0

    @contextlib.contextmanager
    def serve(self, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve this app in a background thread while the ``with`` block runs; yields its base URL (``…/v1``)."""
        try:
            import uvicorn
        except ImportError:
            raise RuntimeError("LoadTestApp.serve needs uvicorn: pip install 'nbresponses[server]'") from None
        config = uvicorn.Config(self, host=host, port=port, log_level="error", lifespan="off", ws="none")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="nbresponses-load-test-app", daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the load-test server did not start")
            time.sleep(0.01)
        bound = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://{host}:{bound}/v1"
        finally:
            server.should_exit = True
            thread.join(timeout=20)

    def reset(self) -> None:
        """Zero the counters."""
        self.stats = LoadStats()
        self._retry_at.clear()
        self._window_start = 0.0
        self._window_count = self._answered_round = 0

    def _window_headers(self, now: float) -> tuple[dict[str, str], int | None]:
        """The rate-limit headers, and the wait (ms) when the request is over the window's budget."""
        if self.requests_per_window is None:
            return {}, None
        if now - self._window_start >= self.window:
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        over = self._window_count > self.requests_per_window
        remaining = max(0, self.requests_per_window - self._window_count)
        reset_ms = max(1, round((self._window_start + self.window - now) * 1000))
        headers = {
            "x-ratelimit-limit-requests": str(self.requests_per_window),
            "x-ratelimit-remaining-requests": str(remaining),
            "x-ratelimit-reset-requests": f"{reset_ms}ms",
        }
        return headers, reset_ms if over else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        path, method = scope["path"].rstrip("/"), scope["method"]
        if method == "GET" and path.endswith("/stats"):
            await _send(send, 200, self.stats.to_dict())
            return
        if not (method == "POST" and path.endswith("/responses")):
            error = {"message": f"Invalid URL ({method} {path})", "type": "invalid_request_error"}
            await _send(send, 404, {"error": error})
            return
        body = json.loads(b"".join(chunks) or b"{}")
        await self._respond(body, send)

    async def _respond(self, body: Any, send: Send) -> None:
        stats = self.stats
        now = time.monotonic()
        stats.requests += 1
        number = stats.requests
        text = _input_text(body)
        if now < self._retry_at.pop(text, 0.0):
            stats.early += 1
        stats.in_flight_at_arrival.append(stats.in_flight)
        headers, over_ms = self._window_headers(now)
        scripted = number in self.rate_limit_at or (
            self.rate_limit_every and number % self.rate_limit_every == 0
        )
        if over_ms is not None or scripted:
            wait_ms = over_ms if over_ms is not None else self.retry_after_ms
            stats.rate_limited += 1
            stats.over_budget += int(over_ms is not None)
            self._retry_at[text] = now + wait_ms / 1000
            error = {
                "message": "Rate limit reached for requests",
                "type": "requests",
                "code": "rate_limit_exceeded",
            }
            await _send(send, 429, {"error": error}, {**headers, "retry-after-ms": str(wait_ms)})
            return
        stats.in_flight += 1
        stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        round_ = self._answered_round + 1
        try:
            await asyncio.sleep(self.latency)
            stats.inputs.append(text)
            await _send(send, 200, _response(number, str(body.get("model") or "gpt-4.1-mini"), text), headers)
            self._answered_round = max(self._answered_round, round_)
            stats.rounds = max(stats.rounds, round_)
        finally:
            stats.in_flight -= 1


def _response(number: int, model: str, text: str) -> dict[str, Any]:
    answer = f"Answer: {text}"
    input_tokens, output_tokens = max(1, len(text) // 4), max(1, len(answer) // 4)
    message = {"type": "message", "id": f"msg_{number:024x}", "status": "completed", "role": "assistant",
               "content": [{"type": "output_text", "text": answer, "annotations": [], "logprobs": []}]}  # fmt: skip
    return {
        "id": f"resp_{number:048x}", "object": "response", "created_at": int(time.time()), "status": "completed",
        "model": model, "output": [message], "error": None, "incomplete_details": None, "instructions": None,
        "metadata": {}, "parallel_tool_calls": True, "temperature": 1.0, "tool_choice": "auto", "tools": [],
        "top_p": 1.0, "usage": {"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": 0},
                                "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": 0},
                                "total_tokens": input_tokens + output_tokens},
    }  # fmt: skip


async def _send(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})
