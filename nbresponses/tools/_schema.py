"""Function tool schemas from Python signatures: type hints through pydantic, descriptions from docstrings."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from nbresponses.structured import strict_schema

__all__ = ["arguments_model", "function_tool_schema", "parse_docstring"]

_GOOGLE_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Params)\s*:\s*$", re.M)
_GOOGLE_ITEM = re.compile(r"^\s{2,}(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_SECTION = re.compile(r"^\s*Parameters\s*\n\s*-{3,}\s*$", re.M)
_SPHINX_PARAM = re.compile(r":param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)")
_NEXT_SECTION = re.compile(r"^\s*(Returns?|Raises|Yields|Examples?|Notes?|See Also|Attributes)\s*:?\s*$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """The summary and per-parameter descriptions of a Google, NumPy or Sphinx docstring."""
    text = inspect.cleandoc(doc or "")
    if not text:
        return "", {}
    params: dict[str, str] = {}
    lines = text.splitlines()
    summary_lines = []
    for line in lines:
        if (
            not line.strip()
            or _GOOGLE_SECTION.match(line)
            or line.strip().startswith(":")
            or _NEXT_SECTION.match(line)
        ):
            break
        if line.strip() == "Parameters":
            break
        summary_lines.append(line.strip())
    for match in _SPHINX_PARAM.finditer(text):
        params[match.group(1)] = match.group(2).strip()
    google = _GOOGLE_SECTION.search(text)
    numpy = _NUMPY_SECTION.search(text)
    if google:
        current = None
        for line in text[google.end() :].splitlines():
            if _NEXT_SECTION.match(line):
                break
            item = _GOOGLE_ITEM.match(line)
            if item and len(line) - len(line.lstrip()) <= 8:
                current = item.group(1).lstrip("*")
                params[current] = item.group(2).strip()
            elif current and line.strip():
                params[current] += " " + line.strip()
    elif numpy:
        current = None
        for line in text[numpy.end() :].splitlines():
            if _NEXT_SECTION.match(line) or re.match(r"^\s*-{3,}\s*$", line):
                break
            if line and not line.startswith(" ") and line.strip():
                current = line.split(":")[0].strip()
                params[current] = ""
            elif current and line.strip():
                params[current] = (params[current] + " " + line.strip()).strip()
    return " ".join(summary_lines), params


def arguments_model(fn: Callable[..., Any], *, name: str | None = None) -> type[BaseModel]:
    """A pydantic model of ``fn``'s parameters (raises TypeError for ``*args`` / ``**kwargs``)."""
    signature = inspect.signature(fn)
    try:
        hints = get_type_hints(fn)
    except Exception:  # unresolvable forward references: fall back to the raw annotations
        hints = {}
    _, descriptions = parse_docstring(fn.__doc__)
    fields: dict[str, Any] = {}
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise TypeError(
                f"{fn.__name__}: *{parameter.name} / **{parameter.name} cannot be described to a model; "
                "give the tool named parameters (a list parameter for many values)."
            )
        annotation = hints.get(parameter.name, parameter.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = str  # an unannotated parameter: a string is what a model can always give
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[parameter.name] = (annotation, Field(default, description=descriptions.get(parameter.name)))
    config = ConfigDict(extra="forbid", arbitrary_types_allowed=False)
    return create_model(f"{name or fn.__name__}_arguments", __config__=config, **fields)


def function_tool_schema(
    fn: Callable[..., Any] | dict[str, Any],
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool | None = None,
) -> dict[str, Any]:
    """The Responses API function tool of a Python function (or a tool dict, normalized and passed through).

    ``strict`` defaults to True when the schema allows it (no free-form dicts); in strict mode every parameter
    is required, so a parameter with a default is still listed and the model sends its value.
    """
    if isinstance(fn, dict):
        from nbresponses.types.request import normalize_tool

        tool: dict[str, Any] = normalize_tool(fn)
        return tool
    summary, _ = parse_docstring(fn.__doc__)
    schema = arguments_model(fn, name=name).model_json_schema()
    schema.pop("title", None)
    strict_form, possible = strict_schema(schema)
    use_strict = possible if strict is None else bool(strict) and possible
    return {
        "type": "function",
        "name": name or fn.__name__,
        "description": description if description is not None else summary or None,
        "parameters": strict_form if use_strict else schema,
        "strict": use_strict,
    }
