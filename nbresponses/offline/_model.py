"""The offline backend's deterministic model: what it answers, as a plan of output items (pure).

It is a stand-in for a model that is useful in demos and tests, and honest about being one: it restates the
question, lists what it was given (variables, tables, images, files), recalls names and facts stated earlier in
any language by quoting them (`_recall`), calls a function tool when the prompt names it or the words of its
description, once per listed value for parallel calls (`_calls`), uses hosted tools with their real item types
(`_hosted`), answers after the tools' output, summarizes its "reasoning" when reasoning is requested, answers
``json_schema`` / ``json_object`` formats with valid JSON, answers with one Python code block when the
instructions ask for "code only" (``-f code``, ``%respond fix``), and stops at ``max_output_tokens`` with an
``incomplete`` response. That it is the offline backend is said by whoever shows the answer (the magic's
notice), never inside the answer.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._calls import chosen_tools, function_calls
from ._hosted import hosted_items
from ._items import attachment_notes, current_turn, estimate_tokens, item_texts, user_texts
from ._recall import recall
from ._schema_values import PromptHints, sample
from ._words import language

__all__ = ["DEFAULT_MODEL", "ModelFn", "ModelRequest", "Plan", "default_model"]

DEFAULT_MODEL = "offline-1"
_TABLE = re.compile(r"(?:^[ \t]*\|.*\|[ \t]*(?:\n|$))+", re.M)
_SHOWING = re.compile(r"showing \d+ of (\d+) rows")
_REASONING_MODELS = ("o1", "o3", "o4", "gpt-5")
_CODE_ONLY = re.compile(r"\bcode only\b", re.I)
_PHRASES = {  # the question restated, no text sent, the message count; in the languages the stand-in answers in
    "en": ("You asked: “{}”.", "You sent no text.", "This is message {} of our conversation."),
    "zh": ("你问：“{}”。", "你没有发送文字。", "这是我们对话中的第 {} 条消息。"),
    "ja": (
        "「{}」というご質問ですね。",
        "テキストが送信されていません。",
        "これは会話の {} 件目のメッセージです。",
    ),
    "ko": ("“{}”라고 물으셨습니다.", "보낸 텍스트가 없습니다.", "대화의 {}번째 메시지입니다."),
}
_PYTHON_BLOCK = re.compile(r"^(`{3,})(?:python|py)[ \t]*\n(.*?)^\1[ \t]*$", re.M | re.S)


@dataclass
class ModelRequest:
    """What the model sees: the request body, the whole context and the items this request added."""

    body: dict[str, Any]
    context: list[dict[str, Any]]
    new_items: list[dict[str, Any]]

    @property
    def tools(self) -> list[dict[str, Any]]:
        return [t for t in self.body.get("tools") or [] if isinstance(t, dict)]

    @property
    def turn(self) -> list[dict[str, Any]]:
        """The items this answer is about: the new items after the model's last message (`current_turn`)."""
        return current_turn(self.new_items)

    @property
    def prompt(self) -> str:
        texts = user_texts(self.turn) or user_texts(self.context)
        return texts[-1] if texts else ""


@dataclass
class Plan:
    """A response to emit: its output items (ids are assigned by the server) and how it ends."""

    output: list[dict[str, Any]] = field(default_factory=list)
    status: str = "completed"
    incomplete_reason: str | None = None
    error: dict[str, Any] | None = None
    reasoning_tokens: int = 0


ModelFn = Callable[[ModelRequest], Plan]
"""A model: request in, plan out."""


def message(text: str) -> dict[str, Any]:
    """An assistant message item with one output_text part."""
    part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
    return {"type": "message", "role": "assistant", "status": "completed", "content": [part]}


def _tool_outputs_answer(request: ModelRequest) -> str | None:
    """The tools' results, when this turn ends with them (outputs before a new user message are not asked about)."""
    turn = request.turn
    asked = [i for i, item in enumerate(turn) if item.get("type") == "message" and item.get("role") == "user"]
    outputs = [i for i in turn[asked[-1] + 1 if asked else 0 :] if i.get("type") == "function_call_output"]
    if not outputs:
        return None
    calls = {i.get("call_id"): i for i in request.context if i.get("type") == "function_call"}
    lines = []
    for out in outputs:
        call = calls.get(out.get("call_id"), {})
        result = out.get("output")
        text = result if isinstance(result, str) else " ".join(item_texts({"content": result}))
        lines.append(
            f"- `{call.get('name', out.get('call_id'))}({call.get('arguments', '')})` returned: {text[:500]}"
        )
    return "Here is what the tools returned:\n\n" + "\n".join(lines)


def _table_notes(prompt: str) -> list[str]:
    """One sentence per Markdown table: its rows (a table cut short says how many it stands for) and columns."""
    notes = []
    previous_end = 0
    for block in _TABLE.finditer(prompt):
        before, previous_end = prompt[previous_end : block.start()], block.end()
        rows = [r.strip().strip("|").split("|") for r in block.group(0).strip().splitlines()]
        if len(rows) < 2:
            continue
        header = [c.strip() for c in rows[0] if c.strip()]
        body = [r for r in rows[2:] if any(c.strip() not in ("", "…", "...") for c in r)]
        shown = _SHOWING.findall(before)
        total = f" (of {shown[-1]})" if shown else ""
        rows_said = f"{len(body)} row" + ("" if len(body) == 1 else "s")
        notes.append(f"I see a table with {rows_said}{total} and columns {', '.join(header)}.")
    return notes


def _describe(request: ModelRequest) -> str:
    prompt = request.prompt.strip()
    history = user_texts(request.context)
    earlier = history[:-1] if history and history[-1] == prompt else history
    spoken = language(prompt)
    remembered = recall(prompt, earlier)
    parts: list[str] = []
    if remembered is not None:
        parts.append(remembered.text())
    else:
        cut = min(
            [i for i in (prompt.find(m) for m in ("\n|", "\n\n", "{\n", "[\n")) if i > 0] or [len(prompt)]
        )
        question = " ".join(prompt[:cut].split()).rstrip(":")
        if len(question) > 160:
            question = question[:160].rsplit(" ", 1)[0] + " …"
        asked, silent, _ = _PHRASES.get(spoken, _PHRASES["en"])
        parts.append(asked.format(question) if question else silent)
        parts += _json_notes(prompt)
        parts += _table_notes(prompt)
        notes = attachment_notes(request.turn)
        if notes:
            parts.append("You attached " + "; ".join(notes) + ".")
        if earlier:
            count = len(earlier) + 1
            parts.append(_PHRASES.get(spoken, _PHRASES["en"])[2].format(count))
    instructions = request.body.get("instructions")
    if isinstance(instructions, str) and instructions.strip():
        parts.append(f"(Following your instructions: “{instructions.strip()[:120]}”.)")
    return (" " if spoken in ("en", "ko") else "").join(parts)


def _json_notes(prompt: str) -> list[str]:
    """Sentences about the JSON objects in the prompt (interpolated dicts and lists)."""
    notes: list[str] = []
    decoder = json.JSONDecoder()
    index = prompt.find("{")
    while index != -1 and len(notes) < 3:
        try:
            value, end = decoder.raw_decode(prompt, index)
        except ValueError:
            index = prompt.find("{", index + 1)
            continue
        if isinstance(value, dict) and value:
            numbers = [v for v in value.values() if isinstance(v, int | float) and not isinstance(v, bool)]
            total = f"; the numbers add up to {sum(numbers):g}" if len(numbers) > 1 else ""
            count = f"{len(value)} entries" if len(value) != 1 else "1 entry"
            notes.append(f"I see {count} ({', '.join(map(str, list(value)[:8]))}){total}.")
        index = prompt.find("{", end)
    return notes


def _json_answer(request: ModelRequest, fmt: dict[str, Any]) -> str:
    if fmt.get("type") == "json_schema":
        value = sample(fmt.get("schema") or {}, PromptHints(request.prompt))
    else:
        value = {"answer": f"You asked: {request.prompt[:200]}", "notes": attachment_notes(request.turn)}
    return json.dumps(value, ensure_ascii=False)


def _wants_reasoning(request: ModelRequest) -> bool:
    return bool(request.body.get("reasoning")) or str(request.body.get("model", "")).startswith(
        _REASONING_MODELS
    )


def _reasoning_item(request: ModelRequest) -> dict[str, Any]:
    reasoning = request.body.get("reasoning") or {}
    summary = []
    if isinstance(reasoning, dict) and reasoning.get("summary"):
        topic = request.prompt.splitlines()[0][:80] if request.prompt else "the request"
        summary = [
            {"type": "summary_text", "text": f"**Reading the request**\n\nThe user asks about “{topic}”."},
            {
                "type": "summary_text",
                "text": "**Planning the answer**\n\nI restate it and list what was given.",
            },
        ]
    return {"type": "reasoning", "summary": summary}


def _wants_code(request: ModelRequest) -> bool:
    instructions = request.body.get("instructions")
    return isinstance(instructions, str) and bool(_CODE_ONLY.search(instructions))


def _code_answer(request: ModelRequest) -> str:
    """Asked for code only: one Python block that restates the request (and keeps the code it was shown)."""
    prompt = request.prompt.strip()
    question = " ".join(prompt.split("\n\n", 1)[0].split())[:160]
    shown = _PYTHON_BLOCK.findall(prompt)
    lines = [f"# You asked: {question}" if question else "# You sent no text."]
    if shown:
        lines += [
            "# The code you sent, unchanged (a real model would change it as asked):",
            shown[0][1].rstrip(),
        ]
    else:
        lines.append(f"print({question!r})")
    return "```python\n" + "\n".join(lines) + "\n```"


def default_model(request: ModelRequest) -> Plan:
    """The offline backend's answer to a request (see the module docstring)."""
    plan = Plan()
    if _wants_reasoning(request):
        plan.output.append(_reasoning_item(request))
        plan.reasoning_tokens = 64 + estimate_tokens(request.turn) // 4
    fmt = ((request.body.get("text") or {}).get("format")) or {}
    answer = _tool_outputs_answer(request)
    if answer is None:
        tools = chosen_tools(request.tools, request.body, request.prompt)
        parallel = request.body.get("parallel_tool_calls", True) is not False
        for tool in tools:
            first = len(request.context) + len(plan.output)
            plan.output += function_calls(tool, request.prompt, parallel=parallel, first_index=first)
        if tools:
            return plan
        hosted = hosted_items(request.tools, request.body, request.prompt)
        if hosted:
            plan.output += hosted
            return plan
    if fmt.get("type") in ("json_schema", "json_object"):
        text = _json_answer(request, fmt)
    elif answer is None and _wants_code(request):
        text = _code_answer(request)
    else:
        text = answer if answer is not None else _describe(request)
    limit = request.body.get("max_output_tokens")
    if isinstance(limit, int) and math.ceil(len(text) / 4) + plan.reasoning_tokens > limit:
        text = text[: max(limit - plan.reasoning_tokens, 0) * 4]
        plan.status, plan.incomplete_reason = "incomplete", "max_output_tokens"
    plan.output.append(message(text))
    return plan
