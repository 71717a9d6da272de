"""The ``Response`` object and the other bodies the Responses API returns.

:class:`Response` is what ``POST /responses`` returns (and what ``response.created`` / ``.completed`` /
``.failed`` events carry). Its convenience properties (:attr:`Response.output_text`,
:attr:`Response.refusal`, :attr:`Response.function_calls`, :attr:`Response.reasoning_summary`) read the typed
output items and never raise on item types they do not know.

The other endpoints: :class:`ResponseItemList` (input items), :class:`InputTokenCount`,
:class:`CompactResource`, :class:`DeletedResponse`, the conversation objects, and :class:`ErrorBody` for
``{"error": {...}}`` bodies.

In IPython a `Response` shows itself as safe HTML, Markdown and text: the render layer registers that display
(``%load_ext nbresponses``, `nbresponses.render.register_display`); this module knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import PrivateAttr

from ._base import APIModel
from .content import OutputTextContent, RefusalContent, SummaryTextContent
from .items import FunctionToolCall, ItemResource, OutputItem, OutputMessage, ReasoningItem

__all__ = [
    "CompactResource",
    "ConversationItemList",
    "ConversationResource",
    "DeletedConversationResource",
    "DeletedResponse",
    "EndStatus",
    "ErrorBody",
    "ErrorObject",
    "IncompleteDetails",
    "InputTokenCount",
    "InputTokensDetails",
    "OutputTokensDetails",
    "Response",
    "ResponseConversation",
    "ResponseError",
    "ResponseItemList",
    "ResponseReasoning",
    "ResponseTextConfig",
    "ResponseUsage",
    "end_status",
]

EndStatus = Literal["completed", "incomplete"]
"""How a response that arrived ended, as a turn, a mapped row or a stream's terminal event records it."""


def end_status(status: str | None) -> EndStatus:
    """``"incomplete"`` for a response that stopped early (``status == "incomplete"``), else ``"completed"``.

    The one rule for "completed or incomplete": a response's ``status`` as the API sent it (a gateway that
    sends none, or ``in_progress`` in a last event, ends completed).
    """
    return "incomplete" if status == "incomplete" else "completed"


class InputTokensDetails(APIModel):
    """Breakdown of the input tokens."""

    cached_tokens: int | None = None
    cache_write_tokens: int | None = None


class OutputTokensDetails(APIModel):
    """Breakdown of the output tokens."""

    reasoning_tokens: int | None = None


class ResponseUsage(APIModel):
    """Token usage of a response."""

    input_tokens: int | None = None
    input_tokens_details: InputTokensDetails | None = None
    output_tokens: int | None = None
    output_tokens_details: OutputTokensDetails | None = None
    total_tokens: int | None = None


class ResponseError(APIModel):
    """Why a response failed (``status == "failed"``)."""

    code: str | None = None
    message: str | None = None


class IncompleteDetails(APIModel):
    """Why a response stopped early (``status == "incomplete"``): e.g. ``max_output_tokens``."""

    reason: str | None = None


class ResponseReasoning(APIModel):
    """The reasoning configuration a response ran with (the spec's ``Reasoning``, as echoed back)."""

    effort: str | None = None
    summary: str | None = None
    # early-2025 responses echo ``generate_summary`` instead of ``summary``
    generate_summary: str | None = None
    context: str | None = None
    mode: str | None = None


class ResponseTextConfig(APIModel):
    """The text configuration a response ran with: output ``format`` (as sent) and ``verbosity``."""

    # kept as the JSON sent: a json_schema format has a ``schema`` key, which is not a usable field name
    format: dict[str, Any] | None = None
    verbosity: str | None = None


class ResponseConversation(APIModel):
    """The conversation a response belongs to."""

    id: str | None = None


class Response(APIModel):
    """A model response: status, output items, usage, and the configuration it ran with.

    A ``output_text`` key in the JSON (some gateways add one) is kept as an extra and round-trips; the
    :attr:`output_text` property always reads the typed output.
    """

    id: str | None = None
    object: str | None = None
    created_at: int | float | None = None
    completed_at: int | float | None = None
    status: str | None = None
    error: ResponseError | None = None
    incomplete_details: IncompleteDetails | None = None
    output: list[OutputItem] = []
    usage: ResponseUsage | None = None
    model: str | None = None
    instructions: str | list[dict[str, Any]] | None = None
    previous_response_id: str | None = None
    conversation: ResponseConversation | None = None
    background: bool | None = None
    store: bool | None = None
    metadata: dict[str, str] | None = None
    reasoning: ResponseReasoning | None = None
    text: ResponseTextConfig | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    max_output_tokens: int | None = None
    max_tool_calls: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_logprobs: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    truncation: str | None = None
    service_tier: str | None = None
    user: str | None = None
    safety_identifier: str | None = None
    prompt: dict[str, Any] | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: str | None = None
    prompt_cache_options: dict[str, Any] | None = None
    moderation: dict[str, Any] | None = None
    billing: dict[str, Any] | None = None
    tool_usage: dict[str, Any] | None = None
    _parsed: Any = PrivateAttr(default=None)
    _turn_usage: ResponseUsage | None = PrivateAttr(default=None)
    _turn_requests: int = PrivateAttr(default=1)

    @property
    def parsed(self) -> Any:
        """The structured answer (model instance or dict) when asked with ``parse``, ``--schema`` or ``--json``.

        Set by `nbresponses.structured.parse_into` (which ``responses.parse`` and the magic use), or assigned.
        """
        return self._parsed

    @parsed.setter
    def parsed(self, value: Any) -> None:
        self._parsed = value

    @property
    def turn_usage(self) -> ResponseUsage | None:
        """The usage of the whole turn that gave this response: every request of a tool loop summed, as the
        ``%%respond`` usage bar counts it. For a one-request turn (or a response not from the magic), ``usage``."""
        return self._turn_usage if self._turn_usage is not None else self.usage

    @property
    def turn_requests(self) -> int:
        """How many requests the turn that gave this response sent (a tool loop sends one per round)."""
        return self._turn_requests

    @property
    def output_parsed(self) -> Any:
        """The openai SDK's name for `parsed` (``client.responses.parse(...).output_parsed``)."""
        return self._parsed

    @classmethod
    def from_openai(cls, value: Any) -> Response:
        """A `Response` from the openai SDK's ``Response`` / ``ParsedResponse`` (its ``output_parsed`` kept)."""
        response = super().from_openai(value)
        parsed = getattr(value, "output_parsed", None)
        if parsed is not None:
            response.parsed = parsed
        return response

    def to_openai(self) -> Any:
        """This response as the openai SDK's ``openai.types.responses.Response`` (needs ``pip install openai``).

        Built as the SDK builds the API's answers (``construct``: nested types, no validation), so fields a
        gateway leaves out or adds do not fail the conversion.

        Raises:
            ImportError: the openai package is not installed.
        """
        try:
            from openai.types.responses import Response as OpenAIResponse
        except ImportError:
            raise ImportError("Response.to_openai() needs the openai package: pip install openai") from None
        return OpenAIResponse.construct(**self.to_dict())

    @property
    def output_text(self) -> str:
        """The text of every ``output_text`` part of every assistant message, in order, joined with ``""``."""
        return "".join(
            part.text
            for item in self.output
            if isinstance(item, OutputMessage)
            for part in item.content
            if isinstance(part, OutputTextContent) and part.text
        )

    @property
    def refusal(self) -> str | None:
        """The text of every ``refusal`` part joined with ``""``, or None when the model did not refuse."""
        parts = [
            part.refusal or ""
            for item in self.output
            if isinstance(item, OutputMessage)
            for part in item.content
            if isinstance(part, RefusalContent)
        ]
        return "".join(parts) if parts else None

    @property
    def function_calls(self) -> list[FunctionToolCall]:
        """The function calls in the output, in order."""
        return [item for item in self.output if isinstance(item, FunctionToolCall)]

    @property
    def reasoning_summary(self) -> str:
        """The reasoning summary parts of every reasoning item, joined with blank lines (``""`` if none)."""
        return "\n\n".join(
            part.text
            for item in self.output
            if isinstance(item, ReasoningItem)
            for part in item.summary
            if isinstance(part, SummaryTextContent) and part.text
        )


class ResponseItemList(APIModel):
    """A page of items (``GET /responses/{id}/input_items``)."""

    object: str | None = None
    data: list[ItemResource] = []
    has_more: bool | None = None
    first_id: str | None = None
    last_id: str | None = None

    # The openai SDK's pages iterate over their items; pydantic's own __iter__ yields (field, value) pairs.
    def __iter__(self) -> Iterator[ItemResource]:  # type: ignore[override]
        """Iterate over the items of this page."""
        return iter(self.data)


class InputTokenCount(APIModel):
    """The input token count of a prospective request (``POST /responses/input_tokens``); spec name
    ``TokenCountsResource``."""

    object: str | None = None
    input_tokens: int | None = None


class CompactResource(APIModel):
    """A compacted conversation (``POST /responses/compact``): items to send as the next input."""

    id: str | None = None
    object: str | None = None
    created_at: int | float | None = None
    output: list[ItemResource] = []
    usage: ResponseUsage | None = None


class DeletedResponse(APIModel):
    """The answer to ``DELETE /responses/{id}``."""

    id: str | None = None
    object: str | None = None
    deleted: bool | None = None


class ConversationResource(APIModel):
    """A conversation of the Conversations API."""

    id: str | None = None
    object: str | None = None
    created_at: int | float | None = None
    metadata: dict[str, Any] | None = None


class DeletedConversationResource(APIModel):
    """The answer to ``DELETE /conversations/{id}``."""

    id: str | None = None
    object: str | None = None
    deleted: bool | None = None


class ConversationItemList(ResponseItemList):
    """A page of conversation items (``GET /conversations/{id}/items``)."""


class ErrorObject(APIModel):
    """The ``error`` of an API error body or of an ``error`` stream event (the spec's ``Error``)."""

    type: str | None = None
    # gateways in front of the API sometimes send numeric codes
    code: str | int | None = None
    message: str | None = None
    param: str | None = None


class ErrorBody(APIModel):
    """An error response body: ``{"error": {type, code, message, param}}`` (the spec's ``ErrorResponse``)."""

    error: ErrorObject | None = None
