"""The exceptions nbresponses raises, as one tree.

```
NBResponsesError
├── ConfigurationError            missing key, bad base URL, a key typed where it must not be
├── InvalidParamsError            request parameters rejected before anything is sent
│   └── BridgeStateError              server-side state (previous_response_id) sent to the chat bridge
├── HistoryError                  the history file cannot be opened, read or written
└── APIError                      anything that went wrong talking to the API
    ├── APIStatusError            a non-2xx HTTP status
    │   ├── BadRequestError           400
    │   ├── AuthenticationError       401
    │   ├── PermissionDeniedError     403
    │   ├── NotFoundError             404
    │   ├── ConflictError             409
    │   ├── UnprocessableEntityError  422
    │   ├── RateLimitError            429
    │   └── InternalServerError       5xx
    ├── APIConnectionError        no HTTP response at all
    │   └── APITimeoutError
    ├── StreamError               a stream that broke: cut off, malformed, no terminal event
    │   └── StreamTimeoutError        no data within the read timeout (also an APITimeoutError)
    └── ResponseFailedError       an `error` / `response.failed` event, or a response with status "failed"
```

Every `APIError` carries `status`, `type`, `code`, `param`, `message` and `request_id`; the stream errors also
carry the partial `Response` built so far, so no streamed text is lost. Messages never contain the API key:
they are passed through :func:`~nbresponses._secrets.redact` when the error is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._secrets import redact

if TYPE_CHECKING:
    from .types.response import Response

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BridgeStateError",
    "ConfigurationError",
    "ConflictError",
    "HistoryError",
    "InternalServerError",
    "InvalidParamsError",
    "NBResponsesError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseFailedError",
    "StreamError",
    "StreamTimeoutError",
    "UnprocessableEntityError",
    "error_body_message",
    "one_line",
    "redact",
    "status_error_class",
]


class NBResponsesError(Exception):
    """Base of every exception nbresponses raises on purpose."""


class ConfigurationError(NBResponsesError):
    """The client is not configured well enough to send anything (e.g. no API key for OpenAI)."""


class InvalidParamsError(NBResponsesError, ValueError):
    """Request parameters that cannot be sent; raised before any network traffic."""


class BridgeStateError(InvalidParamsError):
    """Server-side conversation state (``previous_response_id``, ``conversation``) asked of the Chat Completions
    bridge, which has none: the conversation's items must be resent instead (`Conversation` does that)."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class HistoryError(NBResponsesError):
    """The SQLite history cannot be opened, read or written; the message names the file and what to do.

    Attributes:
        path: the history file.
        response: the response of a turn whose answer arrived but could not be logged (nothing is lost).
    """

    def __init__(self, message: str, *, path: object = None) -> None:
        super().__init__(message)
        self.path = path
        self.response: Response | None = None

    @property
    def hint(self) -> str:
        """What to do: the turn is not in the thread's history, its answer is kept."""
        fix = (
            "Free some disk space or fix the file's permissions, or choose another history file "
            "(RespondMagics.history_path or NBRESPONSES_HISTORY)."
        )
        if self.response is None:
            return fix
        return f"The answer above is kept (in `_r`), but this turn is not in the thread's history. {fix}"


class APIError(NBResponsesError):
    """Something went wrong talking to the API.

    Attributes:
        message: the server's message (or ours), with secrets redacted.
        status: the HTTP status, when there was one.
        type: the error ``type`` of the body (e.g. ``invalid_request_error``).
        code: the error ``code`` (e.g. ``rate_limit_exceeded``, ``previous_response_not_found``).
        param: the request parameter the error is about, if any.
        request_id: the ``x-request-id`` header, to quote to support.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        self.message = redact(message)
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.body = body
        super().__init__(self.message)

    def __str__(self) -> str:
        details = []
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.code:
            details.append(f"code={self.code}")
        if self.param:
            details.append(f"param={self.param}")
        if self.request_id:
            details.append(f"request_id={self.request_id}")
        return f"{self.message} ({', '.join(details)})" if details else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r}, code={self.code!r})"

    @property
    def hint(self) -> str:
        """One sentence on what the user can do about this error."""
        return "Check the message above; the request id helps support find the call."


class APIStatusError(APIError):
    """The API answered with a non-2xx status."""

    status: int

    available_models: list[str] | None = None
    """For ``model_not_supported``: the models the endpoint lists (``GET /models``), when it could be read."""

    endpoint: str | None = None
    """The URL path the request went to (``/v1/chat/completions``), when the transport knows it."""

    @property
    def hint(self) -> str:
        if self.code == "model_not_supported":
            return _model_not_supported_hint(self.available_models)
        if self.status == 404 and self.code not in _HINTS:
            return _not_found_hint(self.endpoint)
        return _HINTS.get(self.code or "", _STATUS_HINTS.get(self.status, super().hint))


class BadRequestError(APIStatusError):
    """HTTP 400: the request was malformed or used an unsupported parameter."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403: the key may not use this model, region or feature."""


class NotFoundError(APIStatusError):
    """HTTP 404: unknown model, response id, or endpoint (a gateway without the Responses API)."""


class ConflictError(APIStatusError):
    """HTTP 409: the resource is in a conflicting state."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422: the request was understood but cannot be processed."""


class RateLimitError(APIStatusError):
    """HTTP 429: too many requests, or the account is out of quota."""


class InternalServerError(APIStatusError):
    """HTTP 5xx: the server failed; retried automatically before this is raised."""


class APIConnectionError(APIError):
    """No HTTP response: DNS, refused connection, TLS, or a connection dropped before the headers."""

    connect_failed: bool = False
    """The connection could not be opened at all (refused, unknown host, TLS, proxy, connect timeout): nothing
    reached the server, and at a wrong base URL every request will fail alike. False for a connection that broke
    or timed out once a request was under way."""

    @property
    def hint(self) -> str:
        return "Check the base URL and your network or proxy; the request was retried before giving up."


class APITimeoutError(APIConnectionError):
    """A connect or read timeout expired."""

    @property
    def hint(self) -> str:
        return "The server did not answer in time; raise the timeout or try again later."


class _PartialResponseError(APIError):
    """An error that keeps the response built from the events received before it."""

    def __init__(self, message: str, *, response: Response | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.response = response

    @property
    def partial_text(self) -> str:
        """The answer text received before the error (empty if none)."""
        return self.response.output_text if self.response is not None else ""


class StreamError(_PartialResponseError):
    """A stream broke: cut off before its terminal event, or an event that is not valid JSON."""

    @property
    def hint(self) -> str:
        return "The connection broke mid-answer; the partial answer is kept. Run the cell again to retry."


class StreamTimeoutError(StreamError, APITimeoutError):
    """A stream stalled: no bytes arrived within the read timeout. The partial response is kept."""

    @property
    def hint(self) -> str:
        return "The server stopped sending mid-answer; the partial answer is kept. Run again or raise the timeout."


class ResponseFailedError(_PartialResponseError):
    """The server reported that generating the response failed (`error` / `response.failed`)."""

    @property
    def hint(self) -> str:
        default = "The model could not finish this response; try again or change the input."
        return _HINTS.get(self.code or "", default)


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

_STATUS_HINTS = {
    400: "Fix the parameter named in the message; gateways often reject parameters OpenAI accepts.",
    401: "Set a valid key in OPENAI_API_KEY (or with %respond login) for this base URL.",
    403: "This key may not use that model or feature; check the project's permissions.",
    404: "Check the model name, the response id, and that the base URL ends in /v1 and serves /responses.",
    409: "The resource changed under the request; try again.",
    422: "The server could not process this input; check the message.",
    429: "Wait a little and run again; if it says quota, check your plan and billing.",
    500: "The server failed; it was retried. Try again in a minute.",
}

_HINTS = {
    "insufficient_quota": "The account is out of credit: check the plan and billing of this key.",
    "rate_limit_exceeded": "Too many requests or tokens per minute: wait a little and run again.",
    "invalid_previous_response_id": "The gateway does not know the previous response; the thread resends its "
    "history instead (client state). Run the cell again if it stopped here.",
    "previous_response_not_found": "The previous response is gone (deleted, unstored or on another server); "
    "start a new thread.",
    "model_not_found": "Check the model name, and that your key or gateway offers it (%respond models lists "
    "them); a model the gateway serves only on /chat/completions works with --api chat.",
    "invalid_api_key": "Set a valid key in OPENAI_API_KEY (or with %respond login).",
    "context_length_exceeded": "The conversation is too long for this model; start a new thread "
    "or shorten it.",
}


def _not_found_hint(endpoint: str | None) -> str:
    """A 404's hint names the API the request went to: a bridged turn's 404 is about /chat/completions."""
    _, under_v1, rest = (endpoint or "").rpartition("/v1/")
    route = "/chat/completions" if rest.startswith("chat/completions") else "/" + rest.split("/")[0]
    if not under_v1 or route in ("/", "/responses"):
        return _STATUS_HINTS[404]
    return f"Check the model name, and that the base URL ends in /v1 and serves {route}."


def _model_not_supported_hint(models: list[str] | None) -> str:
    hint = (
        "This endpoint does not serve the model on /v1/responses. Use the Chat Completions bridge: "
        "%%respond --api chat (or auto, the default), or nbresponses.Client(api='chat')."
    )
    if models:
        shown = ", ".join(models[:12]) + (f" and {len(models) - 12} more" if len(models) > 12 else "")
        hint += f" It lists: {shown}."
    return hint


MESSAGE_LIMIT = 400
"""How long a server's error message may be in an exception (a whole request echoed back is not a message)."""


def one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` on one line (each run of whitespace becomes one space), cut at ``limit`` characters with "…"."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def error_body_message(data: Any) -> str | None:
    """The message of a decoded JSON error body, in each shape servers send; None when it has none.

    OpenAI's ``{"error": {"message": ...}}``; ``{"error": "text"}`` (Ollama, LM Studio); ``{"message": ...}``
    (vLLM, many gateways); ``{"msg": ...}``; FastAPI's ``{"detail": "text"}`` and its validation errors
    ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`` (llama-cpp-python and other FastAPI servers),
    read as ``model: Field required`` (the first three, then how many more; their echoed ``input`` is left
    out). The message is raw: callers redact it and make it `one_line`.
    """
    if isinstance(data, str):
        return data.strip() or None
    if isinstance(data, list):
        return _validation_message(data)
    if not isinstance(data, dict):
        return None
    for key in ("error", "message", "detail", "msg", "errors"):
        found = error_body_message(data.get(key))
        if found:
            return found
    return None


def _validation_message(entries: list[Any]) -> str | None:
    problems = []
    for entry in entries:
        if not isinstance(entry, dict):
            text = error_body_message(entry)
        else:
            text = error_body_message({k: v for k, v in entry.items() if k in ("msg", "message", "detail")})
            loc = entry.get("loc")
            if text and isinstance(loc, list | tuple):
                where = [str(part) for part in loc]
                where = where[1:] if where[:1] == ["body"] and len(where) > 1 else where  # the request body
                text = f"{'.'.join(where)}: {text}" if where else text
        if text:
            problems.append(text)
    if not problems:
        return None
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return "; ".join(problems[:3]) + more


def status_error_class(status: int) -> type[APIStatusError]:
    """Return the exception class for an HTTP status (5xx all map to InternalServerError)."""
    if status >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status, APIStatusError)
