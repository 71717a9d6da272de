"""Structured outputs: a pydantic model (or a JSON schema) as ``text.format``, and the answer parsed back.

OpenAI's strict mode accepts a subset of JSON Schema: every object lists all its properties as required and
forbids extra ones. `strict_schema` rewrites a pydantic schema into that form when it can (fields with defaults
become required; ``Optional`` stays nullable) and reports when it cannot (free-form dicts, ``Any``), so the
request falls back to non-strict instead of being rejected.
"""

from __future__ import annotations

import copy
import json
import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from ._exceptions import NBResponsesError

if TYPE_CHECKING:
    from .types.response import Response

__all__ = ["StructuredOutputError", "parse_into", "parse_output", "schema_format", "strict_schema"]

_NAME_OK = re.compile(r"[^a-zA-Z0-9_-]")


class StructuredOutputError(NBResponsesError):
    """The answer is not valid JSON for the requested schema; ``raw_text`` keeps what the model wrote."""

    def __init__(self, message: str, *, raw_text: str) -> None:
        super().__init__(message)
        self.raw_text = raw_text


def _resolve_ref(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    name = node["$ref"].rsplit("/", 1)[-1]
    return {**defs.get(name, {}), **{k: v for k, v in node.items() if k != "$ref"}}


# The string formats strict mode accepts; others (pydantic's "binary", "uri", ...) are dropped from the strict form.
_STRICT_FORMATS = frozenset(
    ("date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid")
)
_SCHEMA_MAPS = ("properties", "$defs", "definitions")
_SCHEMA_LISTS = ("anyOf", "prefixItems")
_SCHEMA_VALUES = ("items", "not", "contains")
_TYPED = ("type", "anyOf", "$ref", "enum", "const")


def strict_schema(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A copy of ``schema`` in strict-mode form, and whether strict mode can be used at all.

    The strict form lists every property as required and forbids extra ones, drops ``default`` (not allowed),
    turns ``oneOf`` (pydantic's discriminated unions) into ``anyOf`` and inlines a ``$ref`` that has siblings.
    Strict mode is impossible with free-form mappings, untyped values (``Any``), tuples and ``allOf``.
    """
    schema = copy.deepcopy(schema)
    defs = schema.get("$defs", {})
    possible = True

    def walk(node: Any, *, root: bool = False, inlining: frozenset[str] = frozenset()) -> Any:
        nonlocal possible
        if not isinstance(node, dict):
            return node
        node = dict(node)  # children are replaced by their walked copies; the input stays as it was
        if "$ref" in node and len(node) > 1:  # strict mode rejects siblings of $ref: inline the definition
            name = str(node["$ref"]).rsplit("/", 1)[-1]
            if name in inlining:  # a model that contains itself cannot be inlined: keep the bare reference
                return {"$ref": node["$ref"]}
            node, inlining = _resolve_ref(node, defs), inlining | {name}
        if "oneOf" in node:  # branches told apart by a constant tag cannot overlap, so anyOf means the same
            node["anyOf"] = node.pop("oneOf")
            node.pop("discriminator", None)
        if "allOf" in node:
            parts = node.pop("allOf")
            if len(parts) == 1 and isinstance(parts[0], dict):
                node = {**(_resolve_ref(parts[0], defs) if "$ref" in parts[0] else parts[0]), **node}
            else:
                possible = False
        for key in ("default", "uniqueItems"):
            node.pop(key, None)
        if node.get("format") not in _STRICT_FORMATS:
            node.pop("format", None)
        if not root and not any(key in node for key in _TYPED):
            possible = False  # Any / an untyped value: strict mode needs a type everywhere
        if "prefixItems" in node or "patternProperties" in node:
            possible = False
        if node.get("type") == "object" or "properties" in node:
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) or extra is True or ("properties" not in node and extra is not False):
                possible = False  # a free-form mapping has no fixed property list
            node["additionalProperties"] = False
            node["required"] = list(node.get("properties", {}))
        for key in _SCHEMA_MAPS:
            if isinstance(node.get(key), dict):
                node[key] = {name: walk(value, inlining=inlining) for name, value in node[key].items()}
        for key in _SCHEMA_LISTS:
            if isinstance(node.get(key), list):
                node[key] = [walk(value, inlining=inlining) for value in node[key]]
        for key in _SCHEMA_VALUES:
            if isinstance(node.get(key), dict):
                node[key] = walk(node[key], inlining=inlining)
        return node

    return walk(schema, root=True), possible


def _model_class(target: Any) -> type[BaseModel] | None:
    return target if isinstance(target, type) and issubclass(target, BaseModel) else None


def schema_format(target: Any, *, name: str | None = None, strict: bool | None = None) -> dict[str, Any]:
    """The ``text.format`` of a pydantic model class or a JSON-schema dict.

    A model is sent in strict form when strict mode can express it; a hand-written dict is sent as written
    unless it forbids extra properties at its root (``"additionalProperties": false``) or ``strict=True``.
    Strict mode needs an object at the root, so a list or a scalar schema is never strict.

    Args:
        target: a pydantic model class, or a JSON-schema dict.
        name: the format's name (default: the model's name or the schema's ``title``); characters other than
            letters, digits, ``_`` and ``-`` become ``_``, and it is cut to 64.
        strict: force strict mode on (where it can be used) or off; None decides from the schema.

    Raises:
        TypeError: ``target`` is neither.
    """
    model = _model_class(target)
    if model is not None:
        original = model.model_json_schema()
        strict_form, possible = strict_schema(original)
        label = name or model.__name__
    elif isinstance(target, dict) and ("type" in target or "properties" in target or "$defs" in target):
        original = dict(target)
        strict_form, possible = strict_schema(target)
        if strict is None and target.get("additionalProperties") is not False:
            possible = False  # a hand-written schema is sent as written unless asked
        label = name or str(target.get("title") or "output")
    elif isinstance(target, dict):
        raise TypeError('a JSON-schema dict needs a "type" or "properties", e.g. {"type": "object", ...}')
    elif isinstance(target, BaseModel):
        raise TypeError(f"expected the model class, got an instance of it: use {type(target).__name__}")
    else:
        raise TypeError(f"expected a pydantic model class or a JSON-schema dict, got {type(target).__name__}")
    if strict_form.get("type") != "object":  # (a self-referencing model's root $ref is inlined by now)
        possible = False
    use_strict = possible if strict is None else strict and possible
    # Not strict: the schema as given. Its strict form would forbid what it allows (a dict's keys, omitted fields).
    schema = strict_form if use_strict else original
    return {
        "type": "json_schema",
        "name": _NAME_OK.sub("_", label)[:64] or "output",
        "schema": schema,
        "strict": use_strict,
    }


_FENCED = re.compile(r"\A\s*```[a-zA-Z]*[ \t]*\n(.*)\n[ \t]*```\s*\Z", re.DOTALL)


def parse_output(response: Response, target: Any = None) -> Any:
    """The answer of ``response`` as JSON: an instance of ``target`` (a pydantic model) or a plain value.

    An answer wrapped whole in a Markdown code fence (some gateway models add one) is read inside it.

    Raises:
        StructuredOutputError: the answer was cut off, refused, is not JSON, or does not fit the model.
    """
    from .types.response import end_status

    raw = response.output_text
    if end_status(response.status) == "incomplete":
        reason = response.incomplete_details.reason if response.incomplete_details else None
        advice = (
            "raise --max-output-tokens" if reason in (None, "max_output_tokens") else "the raw text is kept"
        )
        raise StructuredOutputError(
            f"The answer was cut off ({reason or 'incomplete'}), so it is not complete JSON; {advice}.",
            raw_text=raw,
        )
    if response.refusal is not None:
        raise StructuredOutputError(
            f"The model refused: {response.refusal or '(no reason given)'}", raw_text=raw
        )
    fenced = _FENCED.match(raw)
    try:
        data = json.loads(fenced.group(1) if fenced else raw)
    except ValueError as error:
        raise StructuredOutputError(
            f"The answer is not valid JSON ({error}); the raw text is kept.", raw_text=raw
        ) from None
    model = _model_class(target)
    if model is None:
        return data
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in error.errors()[:5]
        )
        more = f" (and {error.error_count() - 5} more)" if error.error_count() > 5 else ""
        raise StructuredOutputError(
            f"The JSON does not fit {model.__name__}: {problems}{more}", raw_text=raw
        ) from None


def parse_into(response: Response, target: Any = None) -> Any:
    """Parse ``response``'s answer (`parse_output`) and keep it as ``response.parsed``; returns it.

    The one way nbresponses sets a response's parsed value: ``client.responses.parse`` (sync and async) and the
    magic's ``--schema`` / ``--json`` turns.

    Raises:
        StructuredOutputError: as `parse_output`; ``response.parsed`` is left as it was.
    """
    value = parse_output(response, target)
    response.parsed = value
    return value
