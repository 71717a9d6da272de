"""Which function tools the stand-in model calls, and with what arguments (pure, deterministic).

A tool is called when the prompt names it (``get_weather``, "get weather") or shares words with its name or
description ("What's the weather in Paris?" for "Current weather in a city"; 天气 for 查询城市天气), when
``tool_choice`` forces it, or (``required``) the best match. Arguments are valid against the tool's schema and
filled from the prompt. A listed value makes one call each, when parallel calls are allowed: "Beijing and
Shanghai" calls ``get_weather`` twice, with ``{"city": "Beijing"}`` and ``{"city": "Shanghai"}``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from nbresponses.types.request import flat_function_tool, normalize_tool_choice

from ._schema_values import PromptHints, sample
from ._words import CJK, content_words, is_question

__all__ = ["chosen_tools", "function_calls", "function_tools", "listed_values"]

_GENERIC = frozenset({"get", "set", "the", "do", "run", "make", "tool", "fn", "func", "function"})
_SEPARATOR = r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s*[、，]\s*|\s*[和与及或跟]\s*)"
_LATIN_ITEM = (
    r"(?:\"[^\"]{1,40}\"|“[^”]{1,40}”|'[^']{1,40}'|[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*)*|-?\d+(?:\.\d+)?)"
)
_LATIN_LIST = re.compile(rf"{_LATIN_ITEM}(?:{_SEPARATOR}{_LATIN_ITEM})+")
_CJK_LIST = re.compile(rf"[{CJK}]+(?:\s*[和与及或跟、，]\s*[{CJK}]+)+")
_CJK_STOP = re.compile("[的之等地得里中在呢吗了]")
_CJK_LEAD = re.compile("^(?:请|帮我|帮忙|查询|查|看看|告诉我|比较|对比|计算|算)+")


def function_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The function tools offered, flat (a Chat-Completions-style nested tool is unwrapped)."""
    found = []
    for raw in tools:
        tool = flat_function_tool(raw)
        if tool.get("type") == "function" and tool.get("name"):
            found.append(tool)
    return found


def _name_words(name: str) -> set[str]:
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)  # getWeather → get Weather
    return {w.lower() for w in re.split(r"[_\W]+", spaced) if len(w) > 2 and w.lower() not in _GENERIC}


def _score(tool: dict[str, Any], prompt: str) -> int:
    name = str(tool["name"])
    lowered = prompt.lower()
    if name.lower() in lowered or name.lower().replace("_", " ") in lowered:
        return 100
    words = content_words(prompt)
    score = 10 * len(_name_words(name) & words)
    description = str(tool.get("description") or "")
    return score + len(content_words(description) & words)


def chosen_tools(tools: list[dict[str, Any]], body: dict[str, Any], prompt: str) -> list[dict[str, Any]]:
    """The function tools to call for ``prompt`` (best match first), honouring ``tool_choice``."""
    offered = function_tools(tools)
    choice = body.get("tool_choice")
    if not offered or choice == "none":
        return []
    if isinstance(choice, dict):
        name = normalize_tool_choice(choice).get("name")
        return [t for t in offered if t["name"] == name][:1]
    scored = sorted(((_score(t, prompt), i, t) for i, t in enumerate(offered)), key=lambda s: (-s[0], s[1]))
    matches = [t for score, _, t in scored if score > 0]
    if not matches and is_question(prompt) and listed_values(prompt):
        # Nothing named, in any language it is written in, but a question about listed things that a tool's
        # parameter takes ("北京和上海的天气怎么样？" with get_weather(city)): that tool, as a model would.
        matches = [t for t in offered if _target(t.get("parameters") or {}) is not None][:1]
    if choice == "required" and not matches:
        return [scored[0][2]]
    return matches if body.get("parallel_tool_calls", True) is not False else matches[:1]


def _cjk_items(found: str) -> list[str]:
    items = [i.strip() for i in re.split(r"\s*[和与及或跟、，]\s*", found) if i.strip()]
    items[-1] = _CJK_STOP.split(items[-1])[0] or items[-1]
    size = len(items[-1])
    items[0] = _CJK_LEAD.sub("", items[0])[-size:] if len(items[0]) > size else items[0]
    return [i for i in items if i]


def listed_values(prompt: str) -> list[str]:
    """The values of the first list in ``prompt`` ("Paris, Rome and Oslo", 北京和上海), or []."""
    found = _LATIN_LIST.search(prompt)
    if found is not None:
        parts = re.split(_SEPARATOR, found.group(0))
        values = [p.strip().strip("\"'“”") for p in parts if p.strip()]
        if len(values) > 1:
            return values
    cjk = _CJK_LIST.search(prompt)
    return _cjk_items(cjk.group(0)) if cjk is not None else []


def _target(schema: dict[str, Any]) -> tuple[str, str] | None:
    """The parameter a listed value goes to: the first required string or number, else the first such."""
    properties = schema.get("properties") or {}
    required = list(schema.get("required") or [])
    ordered = [k for k in required if k in properties] + [k for k in properties if k not in required]
    for key in ordered:
        spec = properties[key] if isinstance(properties[key], dict) else {}
        declared = spec.get("type")
        kinds: list[Any] = declared if isinstance(declared, list) else [declared]
        for kind in kinds:
            if kind in ("string", "integer", "number") and not spec.get("enum"):
                return key, str(kind)
    return None


def _convert(value: str, kind: str) -> Any:
    if kind == "string":
        return value
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if kind == "integer" else number


def function_calls(
    tool: dict[str, Any], prompt: str, *, parallel: bool, first_index: int
) -> list[dict[str, Any]]:
    """The calls of ``tool`` for ``prompt``: one per listed value when ``parallel``, else one."""
    schema = tool.get("parameters") or {"type": "object", "properties": {}}
    target = _target(schema) if isinstance(schema, dict) else None
    values = listed_values(prompt) if target is not None else []
    converted = (
        [v for v in (_convert(value, target[1]) for value in values) if v is not None] if target else []
    )
    if not parallel:
        converted = converted[:1]
    calls = []
    for n, value in enumerate(converted or [None]):
        arguments = sample(schema, PromptHints(prompt))
        if not isinstance(arguments, dict):
            arguments = {}
        if value is not None and target is not None:
            arguments[target[0]] = value
        calls.append({
            "type": "function_call", "status": "completed", "name": tool["name"],
            "call_id": f"call_offline{first_index + n:04d}", "arguments": json.dumps(arguments, ensure_ascii=False),
        })  # fmt: skip
    return calls
