"""From parsed magic options to the parameters of a Responses API request."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from IPython.core.error import UsageError

from ._options import RespondOptions

__all__ = ["hosted_tools", "request_params", "text_format", "tool_choice"]


def text_format(options: RespondOptions, namespace: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``text.format`` asked for by ``--json`` or ``--schema NAME`` (None for plain text)."""
    if options.schema:
        from nbresponses.structured import schema_format

        if options.schema not in namespace:
            raise UsageError(f"--schema {options.schema}: no such name in the notebook.")
        try:
            return schema_format(namespace[options.schema], name=options.schema)
        except (TypeError, ValueError) as error:
            raise UsageError(f"--schema {options.schema}: {error}") from None
    if options.json or options.format == "json":
        return {"type": "json_object"}
    return None


def hosted_tools(options: RespondOptions) -> list[dict[str, Any]]:
    """The hosted tools switched on by flags, and the ``--tool JSON`` escape hatch."""
    tools: list[dict[str, Any]] = []
    if options.web_search:
        tools.append({"type": "web_search"})
    if options.file_search:
        tools.append({"type": "file_search", "vector_store_ids": list(options.file_search)})
    if options.code_interpreter:
        tools.append({"type": "code_interpreter", "container": {"type": "auto"}})
    for text in options.tool_json:
        try:
            tool = json.loads(text)
        except ValueError as error:
            raise UsageError(f"--tool takes a JSON object: {error}") from None
        if not isinstance(tool, dict) or "type" not in tool:
            raise UsageError(
                '--tool takes a JSON object with a "type", e.g. --tool \'{"type": "image_generation"}\''
            )
        tools.append(tool)
    return tools


_INCLUDE = {"file_search": "file_search_call.results", "code_interpreter": "code_interpreter_call.outputs"}


def _tool_name(tool: Mapping[str, Any]) -> str | None:
    name = tool.get("name") or (tool.get("function") or {}).get("name")  # Chat-Completions-style nesting too
    return name if isinstance(name, str) else None


def tool_choice(choice: str | None, tools: Sequence[Mapping[str, Any]]) -> Any:
    """The ``tool_choice`` for ``--tool-choice``: a mode, or one of the tools this cell offers (else UsageError)."""
    if choice is None or choice in ("auto", "none"):
        return choice
    offered = [
        name for tool in tools if (name := _tool_name(tool) or tool.get("server_label") or tool.get("type"))
    ]
    if choice == "required":
        if not tools:
            raise UsageError(
                "--tool-choice required: this cell offers no tool; add --tools NAMES, --web-search or --tool JSON."
            )
        return choice
    for tool in tools:
        kind = str(tool.get("type", ""))
        if _tool_name(tool) == choice:
            return {"type": "custom" if kind == "custom" else "function", "name": choice}
        if kind == "mcp" and tool.get("server_label") == choice:
            return {"type": "mcp", "server_label": choice}
        if kind == choice:
            return {"type": kind}
    offers = f"it offers {', '.join(str(name) for name in offered)}" if offered else "it offers no tool"
    raise UsageError(
        f"--tool-choice {choice}: this cell has no such tool ({offers}); "
        "use auto, none, required or the name of an offered tool."
    )


_JSON_INSTRUCTIONS = "Reply with one JSON object."


def _instructions(options: RespondOptions, default: str) -> str | None:
    chosen = options.instructions or default or ""
    extra = ""
    if options.format == "code":  # -f code: ask for one fenced block, so the new cell is runnable as it comes
        from ._codeblocks import CODE_INSTRUCTIONS

        extra = CODE_INSTRUCTIONS
    elif (options.json or options.format == "json") and not options.schema and "json" not in chosen.lower():
        extra = _JSON_INSTRUCTIONS  # the API refuses json_object unless the word JSON is in the context
    return "\n\n".join(part for part in (chosen, extra) if part) or None


def request_params(
    options: RespondOptions,
    *,
    model: str,
    instructions: str,
    store: bool,
    namespace: Mapping[str, Any],
    function_tools: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Request parameters from the options over the configured defaults (None values are left out).

    ``function_tools`` are the schemas of the notebook functions offered (``--tools``), before the hosted ones.
    """
    params: dict[str, Any] = {
        "model": options.model or model,
        "instructions": _instructions(options, instructions),
        "temperature": options.temperature,
        "top_p": options.top_p,
        "max_output_tokens": options.max_output_tokens,
        "background": True if options.background else None,
        "metadata": dict(options.metadata) or None,
        "conversation": options.conversation,
    }
    if options.reasoning or options.summary:
        params["reasoning"] = {
            key: value
            for key, value in (("effort", options.reasoning), ("summary", options.summary))
            if value
        }
    fmt = text_format(options, namespace)
    if fmt is not None:
        params["text"] = {"format": fmt}
    tools = [*function_tools, *hosted_tools(options)]
    if tools:
        params["tools"] = tools
        include = [_INCLUDE[t["type"]] for t in tools if t.get("type") in _INCLUDE]
        if include:  # the results and outputs the tool cards show (the API leaves them out unless asked)
            params["include"] = list(dict.fromkeys(include))
    params["tool_choice"] = tool_choice(options.tool_choice, tools)
    if not options.parallel_tools:
        params["parallel_tool_calls"] = False
    chosen_store = store if options.store is None else options.store
    if not chosen_store:
        params["store"] = False
    return {key: value for key, value in params.items() if value is not None}
