"""The Markdown of each part of a turn (pure): the answer, reasoning, one card per tool call, notices, errors.

This is the source every copy is written from (`_bundle` turns each `Section` into safe HTML, safe Markdown and
plain text); model text in it is untrusted and only our own markup wraps it. Items are rendered from their JSON
form, so item types added to the API later still show (type and fields).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ._cards import LocalCall, call_label, pretty_arguments

if TYPE_CHECKING:
    from ._outcome import TurnOutcome

__all__ = [
    "Section",
    "SectionKind",
    "answer_markdown",
    "error_markdown",
    "item_markdown",
    "notice_markdown",
    "outcome_sections",
    "reasoning_text",
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
    "tool_search_call": "🔎 tool search",
    "tool_search_output": "🔎 tools found",
}
# The image formats a data URL may carry (the ones Markdown renderers let through), by their base64 prefix.
_IMAGE_PREFIXES = {"iVBORw0KGgo": "png", "/9j/": "jpeg", "UklGR": "webp", "R0lGOD": "gif"}
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_NEEDS_BRACKETS = re.compile(r"[\s()<>\\]")  # characters a bare link destination cannot hold


def _fence(text: str, language: str = "") -> str:
    # A fence longer than any backtick run inside, so the text cannot close it early.
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def _code(text: object) -> str:
    """Inline code that survives backticks in ``text``."""
    value = str(text).replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def _inline(text: object) -> str:
    """Untrusted text shown as one line of plain text: no markup, links or raw HTML of its own."""
    return _INLINE_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _target(url: object) -> str:
    text = str(url).replace("\n", "")
    if not _NEEDS_BRACKETS.search(text):
        return text
    # The <...> form of a link destination allows spaces and parentheses; only < and > must go.
    return "<" + text.replace("<", "%3C").replace(">", "%3E") + ">"


def _link(title: object, url: object) -> str:
    return f"[{_inline(title)}]({_target(url)})"


def _image(alt: str, url: object) -> str:
    return f"![{alt}]({_target(url)})"


def _cap(text: str, limit: int = _PREVIEW) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more chars)"


def _image_url(b64: str, output_format: object = None) -> str:
    kind = {"jpg": "jpeg"}.get(str(output_format).lower(), str(output_format).lower())
    if kind not in _IMAGE_PREFIXES.values():
        kind = next((k for prefix, k in _IMAGE_PREFIXES.items() if b64.startswith(prefix)), "png")
    return f"data:image/{kind};base64,{b64}"


def _annotated(part: dict[str, Any]) -> str:
    text = str(part.get("text") or "")
    links = []
    for note in part.get("annotations") or ():
        if isinstance(note, dict) and note.get("type") == "url_citation" and note.get("url"):
            links.append(_link(note.get("title") or note["url"], note["url"]))
        elif isinstance(note, dict) and note.get("type") in ("file_citation", "container_file_citation"):
            links.append(_code(note.get("filename") or note.get("file_id")))
    unique = list(dict.fromkeys(links))
    # Plain Markdown, no <sub>: the widget escapes raw HTML, so a tag would show as text there.
    return text + ("\n\nSources: " + " · ".join(unique) if unique else "")


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
                chunks.append("> 🚫 **Refused:** " + str(part["refusal"]).strip().replace("\n", "\n> "))
    return "\n\n".join(chunks)


def reasoning_text(items: Sequence[dict[str, Any]]) -> str:
    """The reasoning summaries (or reasoning text where a model streams it), joined by blank lines."""
    parts = []
    for item in items:
        if item.get("type") == "reasoning":
            # Each item's summary, else its raw reasoning text (models that stream it have no summary).
            texts = [
                str(p["text"]) for p in item.get("summary") or () if isinstance(p, dict) and p.get("text")
            ]
            parts += texts or [
                str(p["text"]) for p in item.get("content") or () if isinstance(p, dict) and p.get("text")
            ]
    return "\n\n".join(parts)


def _error_text(error: object) -> str:
    if isinstance(error, dict):
        kind = " ".join(str(error[k]) for k in ("type", "code") if error.get(k) not in (None, ""))
        message = str(error.get("message") or "").strip()
        if message.rstrip(": ") in ("", str(error.get("code"))):  # "424: " says no more than the code
            message = ""
        return _inline(_cap(": ".join(x for x in (kind, message) if x) or "failed"))
    return _inline(_cap(str(error)))


def _output_preview(output: object) -> str:
    text = str(output)
    if "\n" not in text and len(text) <= 120:
        return "→ " + _code(text)
    return "→\n\n" + _fence(_cap(text))


def _call_body(kind: str, item: dict[str, Any]) -> list[str]:
    """Function, custom tool, MCP and tool search calls, MCP approval requests: arguments, output, error."""
    body = []
    arguments = item.get("input") if kind == "custom_tool_call" else item.get("arguments")
    if arguments:
        language = "" if kind == "custom_tool_call" else "json"
        text = arguments if isinstance(arguments, str) else json.dumps(arguments)
        body.append(_fence(_cap(pretty_arguments(text)), language))
    if item.get("output") not in (None, ""):
        body.append(_output_preview(item["output"]))
    if item.get("error"):
        body.append(f"⚠️ {_error_text(item['error'])}")
    if kind == "mcp_approval_request":
        body.append(
            "Needs approval: the MCP server runs this tool only once an `mcp_approval_response` item "
            f"approves request {_code(item.get('id'))}."
        )
    return body


def _web_search_body(item: dict[str, Any]) -> list[str]:
    action = item.get("action") or {}
    queries = action.get("queries") or ([action["query"]] if action.get("query") else [])
    body = [f"🔎 {_inline(q)}" for q in queries]
    url = action.get("url")
    page = _link(url, url) if url else "the page"
    if action.get("pattern"):
        body.append(f"find {_code(action['pattern'])} in {page}")
    elif url:
        body.append(f"opened {page}")
    sources = [
        _link(s.get("title") or s["url"], s["url"]) if s.get("url") else _code(s.get("name") or s.get("type"))
        for s in action.get("sources") or ()
        if isinstance(s, dict) and (s.get("url") or s.get("name"))
    ]
    if sources:
        body.append("Sources: " + " · ".join(sources))
    return body


def _file_search_body(item: dict[str, Any]) -> list[str]:
    body = [f"🔎 {_inline(q)}" for q in item.get("queries") or ()]
    for result in item.get("results") or ():
        if not isinstance(result, dict):
            continue
        score = f" ({result['score']:.2f})" if isinstance(result.get("score"), int | float) else ""
        name = result.get("filename") or result.get("file_id")
        body.append(f"- {_code(name)}{score}: {_inline(_cap(str(result.get('text') or ''), 160))}")
    return body


def _code_interpreter_body(item: dict[str, Any]) -> list[str]:
    body = [_fence(_cap(str(item["code"]), 4000), "python")] if item.get("code") else []
    for output in item.get("outputs") or ():
        if not isinstance(output, dict):
            continue
        if output.get("type") == "logs" and output.get("logs"):
            body.append(_fence(_cap(str(output["logs"]))))
        elif output.get("type") == "image" and output.get("url"):
            body.append(_image("code interpreter output", output["url"]))
    return body


def _image_body(item: dict[str, Any], partial_image: str | None) -> list[str]:
    body = []
    if item.get("result"):
        body.append(_image("generated image", _image_url(str(item["result"]), item.get("output_format"))))
    elif partial_image:
        body.append(_image("partial image", _image_url(partial_image, item.get("output_format"))))
    if item.get("revised_prompt"):
        body.append(f"*{_inline(item['revised_prompt'])}*")
    return body


def _json_body(item: dict[str, Any]) -> list[str]:
    shown = {k: v for k, v in item.items() if k not in ("type", "id", "status")}
    return [_fence(_cap(json.dumps(shown, indent=2, ensure_ascii=False, default=str)), "json")]


_STATUS_WORDS = {"in_progress": "running…", "searching": "searching…", "generating": "generating…",
                 "interpreting": "running…", "completed": "done", "calling": "calling…"}  # fmt: skip


def _function_call_card(item: dict[str, Any], call: LocalCall | None, *, runs_tools: bool) -> str:
    """A function call and what the notebook did with it: the arguments once, the result once."""
    name = item.get("name") or (call.name if call is not None else "")
    head = f"**🔧 function call** {_code(name)} — {call_label(item, call, runs_tools=runs_tools)}"
    body = [head]
    arguments = (
        item.get("arguments") if item.get("arguments") not in (None, "") else (call and call.arguments)
    )
    if arguments:
        body.append(_fence(_cap(pretty_arguments(arguments)), "json"))
    if call is not None and call.state == "done" and call.result is not None:
        body.append(_output_preview(call.result))
    elif call is not None and call.state == "failed" and call.error:
        body.append(f"⚠️ {_inline(_cap(call.error))}")
    elif call is not None and call.state == "not run" and call.error:
        body.append(f"⛔ {_inline(_cap(call.error))}")
    return "\n\n".join(body)


def item_markdown(
    item: dict[str, Any],
    *,
    partial_image: str | None = None,
    call: LocalCall | None = None,
    runs_tools: bool = False,
) -> str:
    """A card for one tool-call item (empty for messages and reasoning, which render elsewhere).

    Args:
        item: the item's JSON form; types this version does not know show as JSON, so nothing is lost.
        partial_image: the latest partial image (base64) of an image generation still running.
        call: for a ``function_call``, what the notebook did with it (its state, result or error).
        runs_tools: whether notebook functions answer this turn's calls (else a call is not run here).
    """
    kind = str(item.get("type"))
    if kind in ("message", "reasoning"):
        return ""
    if kind == "function_call":
        return _function_call_card(item, call, runs_tools=runs_tools)
    title = _TOOL_TITLES.get(kind, f"📦 {kind}")
    raw_status = item.get("status") or ("failed" if item.get("error") else None)
    status = _STATUS_WORDS.get(str(raw_status), raw_status) if raw_status else None
    head = (
        f"**{title}**"
        + (f" {_code(item['name'])}" if item.get("name") else "")
        + (
            f" on {_code(item['server_label'])}"
            if item.get("server_label") and kind != "mcp_list_tools"
            else ""
        )
        + (f" — {status}" if status else "")
    )
    body: list[str]
    if kind in ("mcp_call", "custom_tool_call", "mcp_approval_request", "tool_search_call"):
        body = _call_body(kind, item)
    elif kind == "web_search_call":
        body = _web_search_body(item)
    elif kind == "file_search_call":
        body = _file_search_body(item)
    elif kind == "code_interpreter_call":
        body = _code_interpreter_body(item)
    elif kind == "image_generation_call":
        body = _image_body(item, partial_image)
    elif kind == "mcp_list_tools":
        names = [t.get("name") for t in item.get("tools") or () if isinstance(t, dict)]
        body = [
            f"server {_code(item.get('server_label'))}"
            + (": " if names else "")
            + ", ".join(map(_code, names))
        ]
        if item.get("error"):
            body.append(f"⚠️ {_error_text(item['error'])}")
    elif kind == "tool_search_output":
        names = [t.get("name") for t in item.get("tools") or () if isinstance(t, dict) and t.get("name")]
        body = [", ".join(_code(n) for n in names)] if names else _json_body(item)
    else:
        body = _json_body(item)
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
    """One short paragraph: what failed (status, code, request id), the server's message, and what to do."""
    status = getattr(error, "status", None)
    code = getattr(error, "code", None)
    request_id = getattr(error, "request_id", None)
    details = ", ".join(
        x
        for x in (
            f"HTTP {status}" if status else "",
            f"code {_code(code)}" if code else "",
            f"request {_code(request_id)}" if request_id else "",
        )
        if x
    )
    message = (getattr(error, "message", None) or str(error)).rstrip()
    hint = getattr(error, "hint", "")
    if hint and message and message[-1] not in ".!?…。！？":  # "Field required" must not run into the hint
        message += "."
    head = f"**{type(error).__name__}**" + (f" ({details})" if details else "")
    return f"❌ {head}: {message}" + (f" {hint}" if hint else "")


SectionKind = Literal[
    "header", "superseded", "reasoning", "card", "answer", "notice", "error", "note", "stats"
]


@dataclass(frozen=True)
class Section:
    """One part of a turn's rendering: what it is, and its Markdown (model text in it is untrusted)."""

    kind: SectionKind
    markdown: str
    parts: tuple[tuple[str, str], ...] = ()
    """For the usage line: its (label, value) pairs, shown as chips in HTML."""


def card_sections(
    items: Sequence[dict[str, Any]], calls: Sequence[LocalCall] = (), *, runs_tools: bool = False
) -> list[Section]:
    """One card per tool call: each item's (a function call with its `LocalCall`), then calls without an item."""
    by_id = {call.call_id: call for call in calls}
    cards = []
    for item in items:
        call = by_id.pop(str(item.get("call_id")), None) if item.get("type") == "function_call" else None
        cards.append(Section("card", item_markdown(item, call=call, runs_tools=runs_tools)))
    for call in by_id.values():
        item = {
            "type": "function_call",
            "name": call.name,
            "arguments": call.arguments,
            "call_id": call.call_id,
        }
        cards.append(Section("card", item_markdown(item, call=call, runs_tools=runs_tools)))
    return [card for card in cards if card.markdown]


def outcome_sections(
    outcome: TurnOutcome,
    *,
    items: Sequence[dict[str, Any]] | None = None,
    calls: Sequence[LocalCall] = (),
    runs_tools: bool = False,
) -> list[Section]:
    """The parts of a turn, in order: reasoning, tool cards, the answer, notices, the error, a note, usage.

    ``items`` overrides the response's output (a tool loop shows every round's items); ``calls`` are what the
    notebook did with the function calls (shown on their cards).
    """
    response = outcome.response.to_dict() if outcome.response is not None else None
    if items is None:
        items = (response or {}).get("output") or []
    sections = [Section("reasoning", reasoning_text(items))]
    sections += card_sections(items, calls, runs_tools=runs_tools)
    sections.append(Section("answer", answer_markdown(items)))
    sections.append(Section("notice", notice_markdown(response, outcome.status)))
    if outcome.error is not None:
        sections.append(Section("error", error_markdown(outcome.error)))
    if outcome.notice:
        sections.append(Section("note", outcome.notice))
    if outcome.stats is not None:
        sections.append(Section("stats", outcome.stats.line(), tuple(outcome.stats.parts())))
    return [section for section in sections if section.markdown]
