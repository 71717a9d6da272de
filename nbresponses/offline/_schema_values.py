"""Values that satisfy a JSON schema, drawn from the words of a prompt where they fit (pure, deterministic).

The offline model uses this to call a function tool with valid arguments and to answer ``json_schema`` formats.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ._lexicon import cjk_segments

__all__ = ["PromptHints", "sample"]

_NUMBER = re.compile(
    r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w|\.\d)"
)  # "in 1965." ends a sentence, "1.2.3" is no number
_QUOTED = re.compile(r"[\"“']([^\"”']{1,80})[\"”']")
_PROPER = re.compile(r"\b([A-Z][a-zà-ÿ]+(?:\s+[A-Z][a-zà-ÿ]+)*)\b")
_STOP = frozenset(
    {"What", "The", "Please", "Call", "Use", "Can", "Could", "Tell", "Give", "Show", "How", "Is", "Are", "Do", "I",
     "In", "On", "For", "And", "Then", "It", "My", "Me", "You", "Your", "Get", "Find", "Check", "Look", "Hi", "Hello"}
)  # fmt: skip


class PromptHints:
    """Numbers, quoted strings, proper nouns and CJK names (`cjk_segments`) of a prompt, handed out in order."""

    def __init__(self, prompt: str) -> None:
        self.prompt = prompt
        self.numbers = [float(n) for n in _NUMBER.findall(prompt)]
        quoted = [q.strip() for q in _QUOTED.findall(prompt)]
        proper = [p for p in _PROPER.findall(prompt) if p.split()[0] not in _STOP]
        self.strings = [s for s in quoted + proper + cjk_segments(prompt) if s]
        self._numbers: Iterator[float] = iter(self.numbers)
        self._strings: Iterator[str] = iter(self.strings)

    def number(self) -> float | None:
        return next(self._numbers, None)

    def string(self) -> str | None:
        return next(self._strings, None)


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def sample(schema: Any, hints: PromptHints, *, name: str = "value", root: Any = None, depth: int = 0) -> Any:
    """A value valid against ``schema`` (the subset tools and structured outputs use)."""
    root = schema if root is None else root
    if not isinstance(schema, dict) or depth > 8:
        return None
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        mentioned = [
            v
            for v in schema["enum"]
            if isinstance(v, str) and re.search(rf"\b{re.escape(v)}\b", hints.prompt, re.I)
        ]
        return mentioned[0] if mentioned else schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        options = [o for o in schema.get(key) or [] if isinstance(o, dict) and o.get("type") != "null"]
        if options:
            return sample(options[0], hints, name=name, root=root, depth=depth + 1)
    if schema.get("allOf"):
        return sample(schema["allOf"][0], hints, name=name, root=root, depth=depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        required = schema.get("required")
        names = (
            list(properties) if required is None or schema.get("additionalProperties") is False else required
        )
        return {
            key: sample(properties[key], hints, name=key, root=root, depth=depth + 1)
            for key in properties
            if key in names or key in (required or ())
        }
    if kind == "array":
        count = max(int(schema.get("minItems", 1)), 1)
        return [
            sample(schema.get("items") or {}, hints, name=name, root=root, depth=depth + 1)
            for _ in range(count)
        ]
    if kind in ("integer", "number"):
        found = hints.number()
        value = found if found is not None else float(schema.get("minimum", 1))
        if "maximum" in schema:
            value = min(value, float(schema["maximum"]))
        if "minimum" in schema:
            value = max(value, float(schema["minimum"]))
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    found_string = hints.string()
    text = found_string if found_string is not None else f"example {name}"
    if schema.get("format") == "date":
        text = "2026-01-01"
    elif schema.get("format") == "date-time":
        text = "2026-01-01T00:00:00Z"
    if "maxLength" in schema:
        text = text[: int(schema["maxLength"])]
    if "minLength" in schema:
        text = text.ljust(int(schema["minLength"]), "x")
    return text
