"""A thread of the history written to a file: Markdown (``.md``) to read or share, JSON Lines (``.jsonl``) to
process (one turn per line, like ``llm logs --json``).

By default a thread is its *active path*, the turns the next request continues from (through a fork's source),
oldest first: the conversation as the model sees it. ``all_turns=True`` writes every turn of the thread
instead, superseded, failed and interrupted ones included, each with its status.

Model output is untrusted: in the Markdown copy raw HTML is escaped and links other than http(s), mailto and
relative ones are removed, outside code, as in the notebook's own copies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._exceptions import NBResponsesError

if TYPE_CHECKING:
    from .store import HistoryStore, TurnRecord

__all__ = ["ExportError", "export_thread", "safe_markdown", "thread_jsonl", "thread_markdown", "turn_answer"]

_FORMATS = {".md": "markdown", ".markdown": "markdown", ".jsonl": "jsonl"}
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_UNSAFE_LINK = re.compile(r"(\]\(\s*<?\s*)(?:javascript|vbscript|data|file)\s*:[^)\s>]*", re.IGNORECASE)
_UNSAFE_REFERENCE = re.compile(
    r"^( {0,3}\[[^\]]+\]:\s*<?\s*)(?:javascript|vbscript|data|file)\s*:\S*", re.IGNORECASE | re.MULTILINE
)
_REMOVED = "#unsafe-link-removed"


class ExportError(NBResponsesError, ValueError):
    """The file name or the thread cannot be exported (an unknown suffix, an empty thread)."""


def _escape_prose(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") if "<" in text else text
    text = _UNSAFE_LINK.sub(lambda m: m.group(1) + _REMOVED, text)
    return _UNSAFE_REFERENCE.sub(lambda m: m.group(1) + _REMOVED, text)


def _escape_line(line: str) -> str:
    """One line outside fences: code spans kept as they are, the prose around them escaped."""
    out, position = [], 0
    for span in _CODE_SPAN.finditer(line):
        out.append(_escape_prose(line[position : span.start()]))
        out.append(span.group(0))
        position = span.end()
    out.append(_escape_prose(line[position:]))
    return "".join(out)


def safe_markdown(text: str) -> str:
    """Markdown with raw HTML escaped and unsafe links removed, fenced code and code spans left exactly as is.

    A ``>`` that starts a block quote is kept (only ``<`` opens a tag; ``>`` is escaped only in lines that
    have a ``<``).
    """
    lines = text.split("\n")
    out = []
    fence: str | None = None
    for line in lines:
        opening = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            closing = opening.group(1) if opening else ""
            if (
                closing[:1] == fence[0]
                and len(closing) >= len(fence)
                and not line.strip()[len(closing) :].strip()
            ):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            out.append(line)
            continue
        quote = re.match(r"^(\s{0,3}(?:>\s?)+)", line)
        prefix = quote.group(1) if quote else ""
        out.append(prefix + _escape_line(line[len(prefix) :]))
    return "\n".join(out)


def turn_answer(turn: TurnRecord) -> str:
    """The text of a turn's answer (every assistant message's text, and refusals), as the model wrote it."""
    parts = []
    for item in turn.output_items:
        if not isinstance(item, dict) or item.get("type") != "message":
            continue
        for part in item.get("content") or ():
            if isinstance(part, dict):
                text = part.get("text") if part.get("type") == "output_text" else part.get("refusal")
                if text:
                    parts.append(str(text))
    return "\n\n".join(parts)


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds") if timestamp else None


def _tool_calls(turn: TurnRecord) -> list[dict[str, Any]]:
    return [i for i in turn.output_items if isinstance(i, dict) and i.get("type") == "function_call"]


def _tool_outputs(turn: TurnRecord) -> list[dict[str, Any]]:
    return [i for i in turn.input_items if isinstance(i, dict) and i.get("type") == "function_call_output"]


def _inline_code(text: str) -> str:
    flat = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def _cap(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"


def _turn_markdown(number: int, turn: TurnRecord, *, show_status: bool) -> str:
    when = datetime.fromtimestamp(turn.started_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    facts = [when, turn.model or "model unknown"]
    if turn.total_tokens:
        facts.append(f"{turn.total_tokens:,} tokens")
    if turn.cost_usd is not None:
        facts.append(
            f"${turn.cost_usd:.4f}".replace("$", "\\$")
        )  # a $ would start math in Jupyter's renderer
    if show_status or turn.status != "completed":
        facts.append(turn.status + (" (superseded)" if turn.superseded_by else ""))
    lines = [f"## {number} · {' · '.join(facts)}", ""]
    outputs = _tool_outputs(turn)
    if outputs:
        lines.append("**Tool results sent:**")
        lines += [f"- {_inline_code(o.get('call_id', ''))}: {_inline_code(_cap(str(o.get('output', ''))))}"
                  for o in outputs]  # fmt: skip
    elif turn.prompt:
        lines += ["**You:**", "", safe_markdown(turn.prompt.strip())]
    answer = turn_answer(turn)
    if answer:
        lines += ["", "**Assistant:**", "", safe_markdown(answer.strip())]
    calls = _tool_calls(turn)
    if calls:
        lines += ["", "**Tool calls:**"]
        lines += [
            f"- {_inline_code(c.get('name', '?') + '(' + str(c.get('arguments', '')) + ')')}" for c in calls
        ]
    if turn.error_message:
        lines += [
            "",
            f"**Error** ({_inline_code(turn.error_type or 'error')}): {safe_markdown(turn.error_message)}",
        ]
    return "\n".join(lines)


def thread_markdown(
    turns: Sequence[TurnRecord], *, notebook: str, thread: str, all_turns: bool = False
) -> str:
    """A thread as a Markdown document: a heading, then one section per turn (prompt, answer, tool calls)."""
    exported = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    which = "every turn, superseded and failed ones included" if all_turns else "the active conversation"
    head = [
        f"# Thread {_inline_code(thread)}",
        "",
        f"Notebook {_inline_code(notebook)} · {len(turns)} turn{'s' if len(turns) != 1 else ''} ({which}) · "
        f"exported by nbresponses on {exported}",
    ]
    sections = [_turn_markdown(n, t, show_status=all_turns) for n, t in enumerate(turns, 1)]
    return "\n\n".join(["\n".join(head), *sections]) + "\n"


def turn_json(turn: TurnRecord) -> dict[str, Any]:
    """One turn as a JSON object (timestamps in ISO 8601, UTC)."""
    usage = {
        "input_tokens": turn.input_tokens,
        "cached_tokens": turn.cached_tokens,
        "output_tokens": turn.output_tokens,
        "reasoning_tokens": turn.reasoning_tokens,
        "total_tokens": turn.total_tokens,
    }
    error = None
    if turn.error_type or turn.error_message:
        error = {"type": turn.error_type, "code": turn.error_code, "message": turn.error_message}
    return {
        "turn_id": turn.id,
        "notebook": turn.notebook,
        "thread": turn.thread,
        "cell_id": turn.cell_id,
        "parent_id": turn.parent_id,
        "status": turn.status,
        "superseded_by": turn.superseded_by,
        "model": turn.model,
        "response_id": turn.response_id,
        "previous_response_id": turn.previous_response_id,
        "started_at": _iso(turn.started_at),
        "finished_at": _iso(turn.finished_at),
        "prompt": turn.prompt,
        "answer": turn_answer(turn),
        "usage": usage,
        "cost_usd": turn.cost_usd,
        "error": error,
        "input": turn.input_items,
        "output": turn.output_items,
    }


def thread_jsonl(turns: Sequence[TurnRecord]) -> str:
    """A thread as JSON Lines: one `turn_json` object per line."""
    return "".join(json.dumps(turn_json(t), ensure_ascii=False) + "\n" for t in turns)


def export_thread(
    store: HistoryStore, notebook: str, thread: str, path: str | Path, *, all_turns: bool = False
) -> int:
    """Write ``thread`` of ``notebook`` to ``path`` (``.md`` or ``.jsonl``); return the number of turns written.

    Raises:
        ExportError: the suffix is neither ``.md`` nor ``.jsonl``, or the thread has no turns.
        OSError: the file cannot be written.
    """
    target = Path(path).expanduser()
    kind = _FORMATS.get(target.suffix.lower())
    if kind is None:
        raise ExportError(f"Export to a .md (Markdown) or .jsonl (JSON Lines) file, not {target.name!r}.")
    turns = store.history(notebook, thread) if all_turns else store.active_path(notebook, thread)
    if not turns:
        others = store.history(notebook, thread)
        if others:
            raise ExportError(
                f"Thread {thread!r} has no turns since it was reset; add --all to export its "
                f"{len(others)} earlier turn{'s' if len(others) != 1 else ''}."
            )
        raise ExportError(f"Thread {thread!r} has no turns in this notebook.")
    text = thread_jsonl(turns) if kind == "jsonl" else thread_markdown(
        turns, notebook=notebook, thread=thread, all_turns=all_turns
    )  # fmt: skip
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return len(turns)
