"""Structured outputs: a pydantic model (or a JSON schema) as ``text.format``, and the answer parsed back.

OpenAI's strict mode accepts a subset of JSON Schema: every object lists all its properties as required and
forbids extra ones. `strict_schema` rewrites a pydantic schema into that form when it can (fields with defaults
become required; ``Optional`` stays nullable) and reports when it cannot (free-form dicts), so the request falls
back to non-strict instead of being rejected.
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

__all__ = ["StructuredOutputError", "parse_output", "schema_format", "strict_schema"]

_NAME_OK = re.compile(r"[^a-zA-Z0-9_-]")


class StructuredOutputError(NBResponsesError):
    """The answer is not valid JSON for the requested schema; ``raw_text`` keeps what the model wrote."""

    def __init__(self, message: str, *, raw_text: str) -> None:
        super().__init__(message)
        self.raw_text = raw_text


def _resolve_ref(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    name = node["$ref"].rsplit("/", 1)[-1]
    return {**defs.get(name, {}), **{k: v for k, v in node.items() if k != "$ref"}}


def strict_schema(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A copy of ``schema`` in strict-mode form, and whether strict mode can be used at all."""
    schema = copy.deepcopy(schema)
    defs = schema.get("$defs", {})
    possible = True

    def walk(node: Any) -> Any:
        nonlocal possible
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node and len(node) > 1:  # strict mode rejects siblings of $ref: inline the definition
            node = _resolve_ref(node, defs)
        node.pop("default", None)
        if node.get("type") == "object" or "properties" in node:
            extra = node.get("additionalProperties")
            if (
                isinstance(extra, dict)
                or (extra is True)
                or ("properties" not in node and extra is not False)
            ):
                possible = False  # a free-form mapping has no fixed property list
            node["additionalProperties"] = False
            node["required"] = list(node.get("properties", {}))
        return {k: walk(v) if k not in ("enum", "const", "required") else v for k, v in node.items()}

    return walk(schema), possible


def _model_class(target: Any) -> type[BaseModel] | None:
    return target if isinstance(target, type) and issubclass(target, BaseModel) else None


def schema_format(target: Any, *, name: str | None = None, strict: bool | None = None) -> dict[str, Any]:
    """The ``text.format`` of a pydantic model class or a JSON-schema dict.

    Raises:
        TypeError: ``target`` is neither.
    """
    model = _model_class(target)
    if model is not None:
        schema, possible = strict_schema(model.model_json_schema())
        label = name or model.__name__
    elif isinstance(target, dict) and ("type" in target or "properties" in target or "$defs" in target):
        schema, possible = strict_schema(target) if strict is not False else (dict(target), False)
        if strict is None and target.get("additionalProperties") is not False:
            possible, schema = False, dict(target)  # a hand-written schema is sent as written unless asked
        label = name or str(target.get("title") or "output")
    else:
        raise TypeError(f"expected a pydantic model class or a JSON-schema dict, got {type(target).__name__}")
    use_strict = possible if strict is None else strict and possible
    return {
        "type": "json_schema",
        "name": _NAME_OK.sub("_", label)[:64],
        "schema": schema,
        "strict": use_strict,
    }


def parse_output(response: Response, target: Any = None) -> Any:
    """The answer of ``response`` as JSON: an instance of ``target`` (a pydantic model) or a plain value.

    Raises:
        StructuredOutputError: the answer was cut off, is not JSON, or does not fit the model.
    """
    raw = response.output_text
    if response.status == "incomplete":
        reason = response.incomplete_details.reason if response.incomplete_details else "unknown"
        raise StructuredOutputError(
            f"The answer was cut off ({reason}), so it is not complete JSON; raise --max-output-tokens.",
            raw_text=raw,
        )
    if response.refusal:
        raise StructuredOutputError(f"The model refused: {response.refusal}", raw_text=raw)
    try:
        data = json.loads(raw)
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
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5])
        raise StructuredOutputError(
            f"The JSON does not fit {model.__name__}: {problems}", raw_text=raw
        ) from None
