"""A Responses API request, translated into a Chat Completions request (pure: no I/O).

The input is a ``POST /responses`` body as `nbresponses.client._specs.create_spec` validates it (tools already in
the flat form). What each part becomes:

- ``instructions`` → a first ``system`` message; ``developer`` messages → ``system`` (gateways and local servers
  do not all know the developer role).
- message items → messages: text parts joined into a string, ``input_image`` → ``image_url`` parts,
  ``input_file`` with data or an id → ``file`` parts (servers that take files read them); an assistant
  message and the function calls after it → one assistant message with ``tool_calls``;
  ``function_call_output`` → a ``tool`` message. Reasoning items and hosted-tool items of earlier turns carry
  nothing another model can use and are left out.
- function tools (flat or nested) and ``tool_choice`` → chat tools; any hosted tool is an `InvalidParamsError`
  before sending: a Chat Completions endpoint has no web search, file search, code interpreter...
- ``text.format`` json_schema / json_object → ``response_format``; ``reasoning.effort`` → ``reasoning_effort``;
  ``max_output_tokens`` → ``max_completion_tokens`` (OpenAI, Azure) or ``max_tokens`` (everyone else);
  ``top_logprobs`` → ``logprobs`` + ``top_logprobs``.
- Server-side state cannot cross: ``previous_response_id`` and ``conversation`` raise `BridgeStateError` (the
  conversation layer resends the thread's items instead), ``background`` and stored ``prompt`` raise
  `InvalidParamsError`. ``store``, ``include``, ``metadata``, ``truncation`` and other Responses-only settings
  are dropped; parameters this module does not know are passed through (gateway extras such as ``top_k``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nbresponses._exceptions import BridgeStateError, InvalidParamsError

__all__ = ["chat_request", "hosted_tools", "token_limit_field"]

# Responses-only parameters with no Chat Completions equivalent: left out of the chat body.
_DROPPED = frozenset(
    {
        "store",
        "include",
        "metadata",
        "truncation",
        "max_tool_calls",
        "prompt_cache_retention",
        "safety_identifier",
        "context_management",
        "stream_options",
        "service_tier",
        "prompt_cache_key",
    }
)
# Translated one by one below.
_TRANSLATED = frozenset(
    {
        "model",
        "input",
        "instructions",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "text",
        "reasoning",
        "max_output_tokens",
        "top_logprobs",
        "stream",
        "temperature",
        "top_p",
        "user",
        "previous_response_id",
        "conversation",
        "background",
        "prompt",
    }
)


def token_limit_field(base_url: str) -> str:
    """The output-token cap a server reads: OpenAI and Azure want ``max_completion_tokens`` (``max_tokens`` is
    refused for reasoning models); gateways and local servers (vLLM, Ollama, llama.cpp, LM Studio, DeepSeek...)
    read ``max_tokens``."""
    host = base_url.split("://", 1)[-1].split("/", 1)[0].lower()
    return "max_completion_tokens" if host.endswith(("openai.com", "openai.azure.com")) else "max_tokens"


def hosted_tools(tools: Any) -> list[str]:
    """The types of the tools in ``tools`` that are not functions (a chat endpoint cannot run them)."""
    return [
        str(tool.get("type"))
        for tool in tools or ()
        if isinstance(tool, Mapping) and tool.get("type") != "function"
    ]


def chat_request(
    body: Mapping[str, Any], *, stream: bool, max_tokens_field: str = "max_tokens"
) -> dict[str, Any]:
    """The Chat Completions body for a validated Responses body.

    Args:
        body: the ``POST /responses`` body (validated, tools flat).
        stream: ask for a stream (with ``stream_options.include_usage`` so the last chunk carries usage).
        max_tokens_field: where ``max_output_tokens`` goes (see `token_limit_field`).

    Raises:
        BridgeStateError: ``previous_response_id`` or ``conversation`` was given.
        InvalidParamsError: a hosted tool, ``background``, a stored prompt, or an input that cannot be sent.
    """
    _refuse_state(body)
    model = body.get("model")
    chat: dict[str, Any] = {"model": model, "messages": messages(body.get("instructions"), body.get("input"))}
    tools = body.get("tools")
    hosted = hosted_tools(tools)
    if hosted:
        raise InvalidParamsError(
            f"{model} answers through the Chat Completions bridge, which has no hosted tools: "
            f"{', '.join(sorted(set(hosted)))} cannot be used with it. Remove them (e.g. --web-search, "
            "--code-interpreter), or use a model this endpoint serves on /v1/responses. Nothing was sent."
        )
    if tools:
        chat["tools"] = [_chat_tool(tool) for tool in tools]
        if body.get("parallel_tool_calls") is not None:
            chat["parallel_tool_calls"] = body["parallel_tool_calls"]
    choice = _tool_choice(body.get("tool_choice"))
    if choice is not None and (tools or choice == "none"):
        chat["tool_choice"] = choice
    response_format = _response_format((body.get("text") or {}).get("format"))
    if response_format is not None:
        chat["response_format"] = response_format
    effort = (body.get("reasoning") or {}).get("effort")
    if effort:
        chat["reasoning_effort"] = effort
    if body.get("max_output_tokens") is not None:
        chat[max_tokens_field] = body["max_output_tokens"]
    if body.get("top_logprobs"):
        chat["logprobs"] = True
        chat["top_logprobs"] = body["top_logprobs"]
    for key in ("temperature", "top_p", "user"):
        if body.get(key) is not None:
            chat[key] = body[key]
    for key, value in body.items():  # gateway extras (top_k, enable_thinking, ...) go through as given
        if key not in _TRANSLATED and key not in _DROPPED and value is not None:
            chat[key] = value
    if stream:
        chat["stream"] = True
        chat["stream_options"] = {"include_usage": True}
    return chat


def _refuse_state(body: Mapping[str, Any]) -> None:
    if body.get("previous_response_id") or body.get("conversation"):
        which = "previous_response_id" if body.get("previous_response_id") else "conversation"
        raise BridgeStateError(
            f"{which} cannot be sent through the Chat Completions bridge: a chat endpoint keeps no "
            "conversation. Send the earlier items in `input` (nbresponses.Conversation and %%respond do this "
            "for you). Nothing was sent.",
            param=which,
        )
    if body.get("background"):
        raise InvalidParamsError(
            "background=true needs the Responses API; the Chat Completions bridge cannot run a response in the "
            "background. Nothing was sent."
        )
    if body.get("prompt"):
        raise InvalidParamsError(
            "A stored prompt (prompt=...) needs the Responses API; the Chat Completions bridge cannot use it. "
            "Nothing was sent."
        )


def messages(instructions: Any, input: Any) -> list[dict[str, Any]]:
    """Chat messages for Responses ``instructions`` and ``input`` (a string or a list of items)."""
    out: list[dict[str, Any]] = []
    if isinstance(instructions, str) and instructions:
        out.append({"role": "system", "content": instructions})
    elif isinstance(instructions, list):
        for item in instructions:
            _add_item(out, item)
    if isinstance(input, str):
        out.append({"role": "user", "content": input})
    elif isinstance(input, list):
        for item in input:
            _add_item(out, item)
    return out


def _add_item(out: list[dict[str, Any]], item: Any) -> None:
    if not isinstance(item, Mapping):
        raise InvalidParamsError(f"An input item must be an object, got {item!r}. Nothing was sent.")
    kind = item.get("type", "message")
    if kind == "message":
        _add_message(out, item)
    elif kind == "function_call":
        call = {
            "id": item.get("call_id") or item.get("id"),
            "type": "function",
            "function": {"name": item.get("name"), "arguments": item.get("arguments") or "{}"},
        }
        last = out[-1] if out else None
        if last is not None and last["role"] == "assistant":
            last.setdefault("tool_calls", []).append(call)
        else:
            out.append({"role": "assistant", "content": None, "tool_calls": [call]})
    elif kind == "function_call_output":
        out.append(
            {"role": "tool", "tool_call_id": item.get("call_id"), "content": _tool_output(item.get("output"))}
        )
    # reasoning, item references, compactions and hosted-tool items carry nothing a chat model can use


def _add_message(out: list[dict[str, Any]], item: Mapping[str, Any]) -> None:
    role = str(item.get("role") or "user")
    content = item.get("content")
    if role == "developer":
        role = "system"
    if role == "assistant":
        text = content if isinstance(content, str) else _joined_text(content)
        last = out[-1] if out else None
        if last is not None and last["role"] == "assistant" and "tool_calls" not in last:
            last["content"] = (last.get("content") or "") + text
        else:
            out.append({"role": "assistant", "content": text})
        return
    if isinstance(content, str):
        out.append({"role": role, "content": content})
        return
    parts = [chat for chat in (_chat_part(part) for part in content or ()) if chat is not None]
    if role == "system" or all(part["type"] == "text" for part in parts):
        # plain strings: what every server takes (several local servers refuse a list for these)
        out.append({"role": role, "content": "\n".join(part.get("text", "") for part in parts)})
    else:
        out.append({"role": role, "content": parts})


def _joined_text(content: Any) -> str:
    texts = []
    for part in content or ():
        if isinstance(part, Mapping):
            value = part.get("text") if part.get("type") != "refusal" else part.get("refusal")
            if isinstance(value, str):
                texts.append(value)
    return "".join(texts)


def _chat_part(part: Any) -> dict[str, Any] | None:
    if isinstance(part, str):
        return {"type": "text", "text": part}
    if not isinstance(part, Mapping):
        return None
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text"):
        return {"type": "text", "text": str(part.get("text") or "")}
    if kind == "input_image":
        url = part.get("image_url")
        if not url:
            raise InvalidParamsError(
                "An image given by file id cannot go through the Chat Completions bridge; attach the image "
                "itself (a path, bytes or a URL). Nothing was sent."
            )
        image: dict[str, Any] = {"url": url}
        if part.get("detail"):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    if kind == "input_file":
        if part.get("file_url") and not (part.get("file_data") or part.get("file_id")):
            raise InvalidParamsError(
                "A file given by URL cannot go through the Chat Completions bridge; attach the file itself "
                "(a path or bytes). Nothing was sent."
            )
        file = {key: part[key] for key in ("filename", "file_data", "file_id") if part.get(key)}
        return {"type": "file", "file": file}
    if kind == "input_audio":
        return {"type": "input_audio", "input_audio": part.get("input_audio") or {}}
    if kind == "refusal":
        return {"type": "text", "text": str(part.get("refusal") or "")}
    return None


def _tool_output(output: Any) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return _joined_text(output)
    return "" if output is None else str(output)


def _chat_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    function = {
        key: tool[key] for key in ("name", "description", "parameters", "strict") if tool.get(key) is not None
    }
    function.setdefault("parameters", {"type": "object", "properties": {}})
    return {"type": "function", "function": function}


def _tool_choice(choice: Any) -> Any:
    if choice is None or isinstance(choice, str):
        return choice
    if isinstance(choice, Mapping):
        if choice.get("type") == "function" and choice.get("name"):
            return {"type": "function", "function": {"name": choice["name"]}}
        if choice.get("type") == "allowed_tools":
            return choice.get("mode") or "auto"
    return "auto"


def _response_format(fmt: Any) -> dict[str, Any] | None:
    if not isinstance(fmt, Mapping):
        return None
    kind = fmt.get("type")
    if kind == "json_schema":
        schema = {
            key: fmt[key] for key in ("name", "description", "schema", "strict") if fmt.get(key) is not None
        }
        return {"type": "json_schema", "json_schema": schema}
    if kind == "json_object":
        return {"type": "json_object"}
    return None
