"""Markdown and plain-text renderings of a response (pure): the static fallback, cards and ``Response`` display.

Items are rendered from their JSON form, so item types added to the API later still show (type and fields).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbresponses.types.response import Response
    from nbresponses.usage_stats import TurnStats

    from ._outcome import TurnOutcome

__all__ = [
    "answer_markdown",
    "error_markdown",
    "item_markdown",
    "notice_markdown",
    "outcome_markdown",
    "outcome_text",
    "reasoning_text",
    "response_markdown",
]

_PREVIEW = 600
_TOOL_TITLES = {
    "function_call": "🔧 function call",
    "web_search_call": "🌐 web search",
    "file_search_call": "📄 file search",
    "code_interpreter_call": "🐍 code interpreter",
    "image_generation_call": "🖼 image generation",
    "mcp_call": "🔌 MCP call",
    "mcp_list_tools": "🔌 MCP tools",
    "mcp_approval_request": "🔌 MCP approval request",
    "custom_tool_call": "🔧 custom tool call",
    "computer_call": "🖱 computer use",
    "local_shell_call": "💻 shell",
    "shell_call": "💻 shell",
    "apply_patch_call": "🩹 patch",
    "program": "🧩 program",
}


def _fence(text: str, language: str = "") -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def _cap(text: str, limit: int = _PREVIEW) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more chars)"


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return text


def _annotated(part: dict[str, Any]) -> str:
    text = str(part.get("text") or "")
    links = []
    for note in part.get("annotations") or ():
        if isinstance(note, dict) and note.get("type") == "url_citation" and note.get("url"):
            title = note.get("title") or note["url"]
            links.append(f"[{title}]({note['url']})")
        elif isinstance(note, dict) and note.get("type") in ("file_citation", "container_file_citation"):
            links.append(f"`{note.get('filename') or note.get('file_id')}`")
    unique = list(dict.fromkeys(links))
    return text + ("\n\n<sub>Sources: " + " · ".join(unique) + "</sub>" if unique else "")


def answer_markdown(items: Sequence[dict[str, Any]]) -> str:
    """The answer: every assistant message's text (with its sources) and refusals, in order."""
    chunks = []
    for item in items:
        if item.get("type") != "message":
            continue
        for part in item.get("content") or ():
            if not isinstance(part, dict):
                continue
            if part.get("type") == "output_text" and part.get("text"):
                chunks.append(_annotated(part))
            elif part.get("type") == "refusal" and part.get("refusal"):
                chunks.append(f"> 🚫 **Refused:** {part['refusal']}")
    return "\n\n".join(chunks)


def reasoning_text(items: Sequence[dict[str, Any]]) -> str:
    """The reasoning summaries (or reasoning text where a model streams it), joined by blank lines."""
    parts = []
    for item in items:
        if item.get("type") == "reasoning":
            parts += [
                p.get("text", "") for p in item.get("summary") or () if isinstance(p, dict) and p.get("text")
            ]
            if not parts:
                parts += [
                    p.get("text", "")
                    for p in item.get("content") or ()
                    if isinstance(p, dict) and p.get("text")
                ]
    return "\n\n".join(parts)


def _search_sources(action: dict[str, Any]) -> list[str]:
    return [
        f"[{s.get('title') or s['url']}]({s['url']})" for s in action.get("sources") or () if s.get("url")
    ]


def item_markdown(item: dict[str, Any]) -> str:
    """A card for one tool-call item (empty for messages and reasoning, which render elsewhere)."""
    kind = str(item.get("type"))
    if kind in ("message", "reasoning"):
        return ""
    title = _TOOL_TITLES.get(kind, f"📦 {kind}")
    status = item.get("status")
    head = (
        f"**{title}**"
        + (f" `{item['name']}`" if item.get("name") else "")
        + (f" — {status}" if status else "")
    )
    body: list[str] = []
    if kind in ("function_call", "mcp_call", "custom_tool_call"):
        arguments = item.get("arguments") if kind != "custom_tool_call" else item.get("input")
        if arguments:
            body.append(
                _fence(_cap(_pretty_json(str(arguments))), "json" if kind != "custom_tool_call" else "")
            )
        if item.get("output"):
            body.append("→ " + _cap(str(item["output"])))
        if item.get("error"):
            body.append(f"⚠️ {_cap(str(item['error']))}")
    elif kind == "web_search_call":
        action = item.get("action") or {}
        queries = action.get("queries") or ([action["query"]] if action.get("query") else [])
        body += [f"🔎 {q}" for q in queries]
        if action.get("url"):
            body.append(f"opened {action['url']}")
        sources = _search_sources(action)
        if sources:
            body.append("Sources: " + " · ".join(sources))
    elif kind == "file_search_call":
        body += [f"🔎 {q}" for q in item.get("queries") or ()]
        for result in item.get("results") or ():
            score = f" ({result['score']:.2f})" if isinstance(result.get("score"), int | float) else ""
            name = result.get("filename") or result.get("file_id")
            body.append(f"- `{name}`{score}: {_cap(str(result.get('text') or ''), 160)}")
    elif kind == "code_interpreter_call":
        if item.get("code"):
            body.append(_fence(_cap(str(item["code"]), 4000), "python"))
        for output in item.get("outputs") or ():
            if output.get("type") == "logs" and output.get("logs"):
                body.append(_fence(_cap(str(output["logs"]))))
            elif output.get("type") == "image" and output.get("url"):
                body.append(f"![code interpreter output]({output['url']})")
    elif kind == "image_generation_call":
        if item.get("result"):
            body.append(f"![generated image](data:image/png;base64,{item['result']})")
        if item.get("revised_prompt"):
            body.append(f"*{item['revised_prompt']}*")
    elif kind == "mcp_list_tools":
        names = [t.get("name") for t in item.get("tools") or () if isinstance(t, dict)]
        body.append(f"server `{item.get('server_label')}`: " + ", ".join(f"`{n}`" for n in names))
    else:
        shown = {k: v for k, v in item.items() if k not in ("type", "id", "status")}
        body.append(_fence(_cap(json.dumps(shown, indent=2, ensure_ascii=False, default=str)), "json"))
    return "\n\n".join([head, *body])


def notice_markdown(response: dict[str, Any] | None, status: str) -> str:
    """The status line of an unfinished answer: incomplete (with its reason) or interrupted."""
    if status == "interrupted":
        return "⏹ **Interrupted** — the partial answer above is kept; the thread is unchanged."
    details = (response or {}).get("incomplete_details") or {}
    if status == "incomplete" or (response or {}).get("status") == "incomplete":
        reason = details.get("reason") or "unknown reason"
        advice = " Raise `--max-output-tokens` to get the rest." if reason == "max_output_tokens" else ""
        return f"⚠️ **Incomplete:** the answer stopped early ({reason}).{advice}"
    return ""


def error_markdown(error: BaseException) -> str:
    """One short paragraph: what failed (status, code), the server's message, and what to do."""
    status = getattr(error, "status", None)
    code = getattr(error, "code", None)
    details = ", ".join(
        x for x in (f"HTTP {status}" if status else "", f"code `{code}`" if code else "") if x
    )
    message = getattr(error, "message", None) or str(error)
    hint = getattr(error, "hint", "")
    head = f"**{type(error).__name__}**" + (f" ({details})" if details else "")
    return f"❌ {head}: {message}" + (f" {hint}" if hint else "")


def _stats_line(stats: TurnStats | None) -> str:
    return f"<sub>{stats.line()}</sub>" if stats is not None else ""


def outcome_markdown(
    outcome: TurnOutcome, *, items: Sequence[dict[str, Any]] | None = None, local_cards: Sequence[str] = ()
) -> str:
    """The whole turn as Markdown: reasoning (collapsed), tool cards, the answer, notices, error and usage.

    ``items`` overrides the response's output (a tool loop shows every round's items); ``local_cards`` are the
    cards of notebook functions that ran.
    """
    response = outcome.response.to_dict() if outcome.response is not None else None
    if items is None:
        items = (response or {}).get("output") or []
    sections = []
    reasoning = reasoning_text(items)
    if reasoning:
        sections.append(f"<details><summary>Reasoning summary</summary>\n\n{reasoning}\n\n</details>")
    sections += [card for card in (item_markdown(i) for i in items) if card]
    sections += list(local_cards)
    sections += [s for s in (answer_markdown(items), notice_markdown(response, outcome.status)) if s]
    if outcome.error is not None:
        sections.append(error_markdown(outcome.error))
    if outcome.notice:
        sections.append(f"> {outcome.notice}")
    sections.append(_stats_line(outcome.stats))
    return "\n\n".join(s for s in sections if s)


def outcome_text(outcome: TurnOutcome, *, items: Sequence[dict[str, Any]] | None = None) -> str:
    """A plain-text summary (the ``text/plain`` of a saved cell and the terminal's last line)."""
    response = outcome.response.to_dict() if outcome.response is not None else None
    if items is None:
        items = (response or {}).get("output") or []
    lines = [answer_markdown(items)]
    lines.append(notice_markdown(response, outcome.status))
    if outcome.error is not None:
        lines.append(error_markdown(outcome.error))
    if outcome.stats is not None:
        lines.append(outcome.stats.line())
    return "\n\n".join(line for line in lines if line)


def response_markdown(response: Response) -> str:
    """How a `Response` shows itself when displayed later in a notebook."""
    from ._outcome import TurnOutcome

    incomplete = response.status == "incomplete"
    return outcome_markdown(
        TurnOutcome(response=response, status="incomplete" if incomplete else "completed")
    )
