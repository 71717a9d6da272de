"""Which function tools the stand-in model calls, and with what arguments (pure, deterministic).

A tool is called when the prompt names it (``get_weather``, "get weather") or shares words with its name or
description, in any of the languages `_lexicon` bridges ("What's the weather in Paris?" and 北京天气怎么样？ for
"Current weather in a city"), when ``tool_choice`` forces it, or (``required``) the best match; a question
about listed things that no tool is about (苹果和香蕉有什么区别？) calls none. Arguments are valid against the
tool's schema and filled from the prompt (names in CJK text too: 北京). A listed value makes one call each, when
parallel calls are allowed: "Beijing and Shanghai" calls ``get_weather`` twice, with ``{"city": "Beijing"}`` and
``{"city": "Shanghai"}``; a tool that takes two values of that kind (``origin`` and ``destination``) is called
once with both.
"""

from __future__ import annotations

import json
import re
from typing import Any

from nbresponses.types.request import flat_function_tool, normalize_tool_choice

from ._lexicon import GLOSSARY, cjk_list, concepts
from ._schema_values import PromptHints, sample
from ._words import content_words, singular

__all__ = ["chosen_tools", "function_calls", "function_tools", "listed_values"]

_GENERIC = frozenset({"get", "set", "the", "do", "run", "make", "tool", "fn", "func", "function"})
_SEPARATOR = r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s*[、，]\s*|\s*[和与及或跟]\s*)"
_LATIN_ITEM = (
    r"(?:\"[^\"]{1,40}\"|“[^”]{1,40}”|'[^']{1,40}'|[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*)*|-?\d+(?:\.\d+)?)"
)
_LATIN_LIST = re.compile(rf"{_LATIN_ITEM}(?:{_SEPARATOR}{_LATIN_ITEM})+")
_ROLES = frozenset(  # words that tell apart parameters taking the same kind of value: origin/destination
    """origin destination from to start end source target src dst departure arrival first second left right
    home away base quote old new min max lower upper a b x y""".split()  # noqa: SIM905
)
_OBJECTS = frozenset(  # what a tool acts on, not what it does: sharing one of these is no reason to call it
    """city country place location person people user name item thing value number text string list data
    two one given specified""".split()  # noqa: SIM905
)
_LEADS = frozenset(
    """compare check get find show list tell give fetch look search calculate compute book send plan convert
    translate add what which where when how is are do does can could please and then also""".split()  # noqa: SIM905
)


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
    words = {singular(w) for w in content_words(spaced.replace("_", " "))}
    return {w for w in words if len(w) > 2 and w not in _GENERIC}


def _parameter_words(tool: dict[str, Any]) -> set[str]:
    properties = (tool.get("parameters") or {}).get("properties") or {}
    return (
        set().union(*(_name_words(str(key)) for key in properties)) if isinstance(properties, dict) else set()
    )


def _score(tool: dict[str, Any], prompt: str) -> int:
    """How much ``prompt`` is about what ``tool`` does: its name (10 a word), its description's other words.

    Words are compared across languages (`concepts`: 天气 meets *weather*). The words naming the tool's
    parameters do not count from the description: "Which city is largest?" is not about "Current weather in a
    city", whose parameter is the city.
    """
    name = str(tool["name"])
    lowered = prompt.lower()
    if name.lower() in lowered or name.lower().replace("_", " ") in lowered:
        return 100
    words = concepts(prompt)
    score = 10 * len(_name_words(name) & words)
    described = concepts(str(tool.get("description") or "")) - _parameter_words(tool) - _OBJECTS
    return score + len(described & words)


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
    if choice == "required" and not matches:
        return [scored[0][2]]
    return matches if body.get("parallel_tool_calls", True) is not False else matches[:1]


def listed_values(prompt: str) -> list[str]:
    """The values of the first list in ``prompt`` ("Paris, Rome and Oslo", 北京和上海), or []."""
    found = _LATIN_LIST.search(prompt)
    if found is not None:
        parts = re.split(_SEPARATOR, found.group(0))
        values = [p.strip().strip("\"'“”") for p in parts if p.strip()]
        lead = values[0].split(" ", 1)
        common = lead[0].lower() in _LEADS or lead[0].lower() in GLOSSARY
        if len(lead) > 1 and common and re.match(r"(?:.*[.!?:]\s+)?$", prompt[: found.start()]):
            values[0] = lead[
                1
            ]  # "Compare Paris and Rome": a sentence's first word is capitalized, not a name
        if len(values) > 1:
            return values
    return cjk_list(prompt)


def _slots(schema: dict[str, Any]) -> list[tuple[str, str]]:
    """The parameters listed values go to: the first required string or number (else the first such), and the
    parameters taking the same kind of value beside it (origin and destination, city1 and city2, a and b)."""
    properties = schema.get("properties") or {}
    if not isinstance(properties, dict):
        return []
    required = [k for k in schema.get("required") or [] if k in properties]
    ordered = required + [k for k in properties if k not in required]
    fitting: list[tuple[str, str]] = []
    for key in ordered:
        spec = properties[key] if isinstance(properties[key], dict) else {}
        declared = spec.get("type")
        kinds: list[Any] = declared if isinstance(declared, list) else [declared]
        kind = next((k for k in kinds if k in ("string", "integer", "number")), None)
        if kind is not None and not spec.get("enum"):
            fitting.append((key, str(kind)))
    if not fitting:
        return []
    first = fitting[0]
    return [first] + [s for s in fitting[1:] if s[1] == first[1] and _same_kind(properties, first[0], s[0])]


def _tokens(key: str) -> set[str]:
    return set(re.findall(r"[a-z]+", re.sub(r"(?<=[a-z])(?=[A-Z])", " ", key).lower()))


def _same_kind(properties: dict[str, Any], a: str, b: str) -> bool:
    """Whether two parameters take the same kind of value: their names differ only by role words or a number
    (origin/destination, from_city/to_city, city1/city2, a/b), or their descriptions share a word."""
    if _tokens(a) - _ROLES == _tokens(b) - _ROLES:
        return True
    described = [content_words(str((properties[k] or {}).get("description") or "")) - _ROLES for k in (a, b)]
    return bool(described[0] & described[1])


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
    """The calls of ``tool`` for ``prompt``: one per listed value when ``parallel``, else one.

    A tool taking two or more values of the same kind (a distance's origin and destination) is called once
    with the listed values in its parameters' order.
    """
    schema = tool.get("parameters") or {"type": "object", "properties": {}}
    slots = _slots(schema) if isinstance(schema, dict) else []
    values = listed_values(prompt) if slots else []
    if len(slots) > 1:
        filled = [_convert(value, kind) for (_, kind), value in zip(slots, values, strict=False)]
        per_call = [dict(zip([key for key, _ in slots], filled, strict=False))]
    else:
        converted = (
            [v for v in (_convert(value, slots[0][1]) for value in values) if v is not None] if slots else []
        )
        per_call = [{slots[0][0]: v} for v in (converted if parallel else converted[:1])]
    calls = []
    for n, chosen in enumerate(per_call or [{}]):
        arguments = sample(schema, PromptHints(prompt))
        if not isinstance(arguments, dict):
            arguments = {}
        arguments.update({key: value for key, value in chosen.items() if value is not None})
        calls.append({
            "type": "function_call", "status": "completed", "name": tool["name"],
            "call_id": f"call_offline{first_index + n:04d}", "arguments": json.dumps(arguments, ensure_ascii=False),
        })  # fmt: skip
    return calls
