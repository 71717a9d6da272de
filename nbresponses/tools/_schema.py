"""Function tool schemas from Python signatures: type hints through pydantic, descriptions from docstrings.

In strict mode every parameter must be sent, so a parameter with a default becomes nullable instead (its
description names the default) and a ``null`` from the model means "use the default"; the arguments model
turns that ``null`` back into the Python default.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import typing_extensions
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, WrapValidator, create_model
from pydantic_core import to_jsonable_python

from nbresponses.structured import strict_schema

__all__ = ["arguments_model", "describe", "function_tool_schema", "parse_docstring", "tool_name"]

_VALID_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_PARAM_SECTIONS = frozenset(
    ("args", "arguments", "parameters", "params", "keyword_args", "keyword_arguments", "kwargs", "other_parameters")
)  # fmt: skip
_GOOGLE_SECTIONS = _PARAM_SECTIONS | {
    "attention", "attributes", "caution", "danger", "error", "example", "examples", "hint", "important",
    "methods", "note", "notes", "return", "returns", "raise", "raises", "references", "see_also", "tip", "todo",
    "warning", "warnings", "warns", "yield", "yields",
}  # fmt: skip
_GOOGLE_HEADER = re.compile(r"^([A-Za-z][A-Za-z ]*):$")
_GOOGLE_ITEM = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:(?:\s+(.*))?$")
_NUMPY_RULE = re.compile(r"^\s*-{3,}\s*$")
_NUMPY_ITEM = re.compile(r"^\*{0,2}(\w+(?:\s*,\s*\*{0,2}\w+)*)\s*(?::.*)?$")
_SPHINX_PARAM = re.compile(
    r"^:(?:param|parameter|arg|argument|key|keyword)\s+(?:.*?\s)?\*{0,2}(\w+)\s*:(.*)$"
)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _section(lines: list[str], index: int) -> tuple[str, str] | None:
    """``("google" | "numpy", name)`` when ``lines[index]`` opens a docstring section."""
    stripped = lines[index].strip()
    if index + 1 < len(lines) and stripped and _NUMPY_RULE.match(lines[index + 1]):
        return "numpy", stripped.lower().replace(" ", "_")
    header = _GOOGLE_HEADER.match(stripped)
    if header and header.group(1).lower().replace(" ", "_") in _GOOGLE_SECTIONS:
        return "google", header.group(1).lower().replace(" ", "_")
    return None


def _ends(style: str, lines: list[str], index: int, header: int) -> bool:
    """Whether ``lines[index]`` ends the section opened at ``lines[header]``: the next NumPy header, or a Google
    line back at the header's indent (the next header when the docstring opens with one: cleandoc dedented its
    body)."""
    opened = _section(lines, index)
    if style == "numpy" or header == 0:
        return opened is not None and (opened[0] == "numpy" or header == 0)
    return bool(lines[index].strip()) and _indent(lines[index]) <= _indent(lines[header])


def _items(body: list[str], item: re.Pattern[str], params: dict[str, str]) -> None:
    """Parameter entries of a section body: a line at the entries' indent starts one, deeper lines continue it."""
    indents = [_indent(line) for line in body if line.strip()]
    if not indents:
        return
    current: list[str] = []
    for line in body:
        found = item.match(line.strip()) if line.strip() and _indent(line) == indents[0] else None
        if found:
            current = [name.strip().lstrip("*") for name in found.group(1).split(",")]
            first = found.group(2) if item.groups > 1 else None  # Google puts the text on the name's line
            for name in current:
                params[name] = (first or "").strip()
        elif current and line.strip():
            for name in current:
                params[name] = f"{params[name]} {line.strip()}".strip()


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """The summary (first paragraph) and per-parameter descriptions of a Google, NumPy or Sphinx docstring.

    Example::

        parse_docstring("Add.\\n\\nArgs:\\n    x (int): the first.\\n")  # ("Add.", {"x": "the first."})
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    summary: list[str] = []
    for index, line in enumerate(lines):
        if not line.strip() or _section(lines, index) or line.lstrip().startswith(":"):
            break
        summary.append(line.strip())
    params: dict[str, str] = {}
    index = len(summary)
    while index < len(lines):
        line, opened = lines[index], _section(lines, index)
        if opened is not None:
            style, name = opened
            start = index + (2 if style == "numpy" else 1)
            end = start
            while end < len(lines) and not _ends(style, lines, end, index):
                end += 1
            if name in _PARAM_SECTIONS:
                _items(lines[start:end], _GOOGLE_ITEM if style == "google" else _NUMPY_ITEM, params)
            index = end
            continue
        field = _SPHINX_PARAM.match(line.strip())
        index += 1
        if field:
            text = [field.group(2).strip()]
            while index < len(lines) and lines[index].strip() and _indent(lines[index]) > _indent(line):
                text.append(lines[index].strip())
                index += 1
            params[field.group(1)] = " ".join(t for t in text if t)
    return " ".join(summary), params


def _underlying(fn: Callable[..., Any]) -> Any:
    while isinstance(fn, functools.partial):
        fn = fn.func
    return fn


def tool_name(fn: Callable[..., Any]) -> str:
    """The name a callable goes by: a function's ``__name__``, a partial's function, a callable object's class."""
    base = _underlying(fn)
    name = getattr(base, "__name__", None)
    return name if isinstance(name, str) else type(base).__name__


def _docstring(fn: Callable[..., Any]) -> str | None:
    base = _underlying(fn)
    if inspect.isroutine(base) or inspect.isclass(base):
        return base.__doc__
    return type(base).__doc__ or getattr(type(base).__call__, "__doc__", None)  # a callable object


def _globals(fn: Callable[..., Any]) -> dict[str, Any]:
    """The namespace ``fn``'s string annotations are evaluated in (its module; a notebook's user namespace)."""
    base = inspect.unwrap(_underlying(fn))
    base = getattr(base, "__func__", base)  # a bound method
    if inspect.isclass(base):
        module = sys.modules.get(base.__module__)
        return {**(vars(module) if module else {}), **vars(base)}
    if not inspect.isroutine(base):
        base = type(base).__call__  # a callable object
    found = getattr(base, "__globals__", None)
    return found if isinstance(found, dict) else {}


def _signature(fn: Callable[..., Any], label: str) -> inspect.Signature:
    """The signature with its parameters' string annotations evaluated (the return annotation is not needed)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as error:  # builtins without a signature
        raise TypeError(f"{label}: its signature cannot be read ({error}).") from None
    namespace: dict[str, Any] | None = None
    parameters = []
    for parameter in signature.parameters.values():
        annotation = parameter.annotation
        if isinstance(annotation, str):
            namespace = _globals(fn) if namespace is None else namespace
            try:
                annotation = eval(annotation, namespace)  # what typing.get_type_hints does
            except NameError as error:
                raise TypeError(
                    f"{label}: the type of parameter {parameter.name!r} names {error.name!r}, which is not "
                    "defined where the function is; define it at the top level of the notebook or module."
                ) from None
            except Exception as error:
                raise TypeError(
                    f"{label}: the type of parameter {parameter.name!r} cannot be evaluated "
                    f"({type(error).__name__}: {error})."
                ) from None
        parameters.append(parameter.replace(annotation=annotation))
    return signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty)


def _portable(annotation: Any, *, seen: frozenset[int] = frozenset()) -> Any:
    """``annotation`` with typing.TypedDict classes rebuilt as typing_extensions ones (pydantic needs those
    before Python 3.12); anything else is returned as it is. A recursive one stays as it is (pydantic says why)."""
    if sys.version_info >= (3, 12) or id(annotation) in seen:
        return annotation
    if typing.is_typeddict(annotation) and type(annotation).__module__ == "typing":
        seen = seen | {id(annotation)}
        fields: dict[str, Any] = {}
        required = annotation.__required_keys__
        try:
            hints = typing.get_type_hints(annotation, include_extras=True)
        except Exception:  # unresolvable: pydantic then says what is wrong with it
            return annotation
        for key, hint in hints.items():
            inner = hint
            while get_origin(inner) in (typing_extensions.Required, typing_extensions.NotRequired):
                inner = get_args(inner)[0]
            wrapper = typing_extensions.Required if key in required else typing_extensions.NotRequired
            fields[key] = wrapper[_portable(inner, seen=seen)]
        rebuilt: Any = typing_extensions.TypedDict(annotation.__name__, fields)  # type: ignore[misc]
        rebuilt.__doc__, rebuilt.__module__ = annotation.__doc__, annotation.__module__
        return rebuilt
    origin, args = get_origin(annotation), get_args(annotation)
    if not args or origin is Literal:
        return annotation
    new = tuple(_portable(a, seen=seen) for a in args)
    if all(n is a for n, a in zip(new, args, strict=True)):
        return annotation
    try:
        if origin is Annotated:
            return Annotated.__class_getitem__((new[0], *args[1:]))
        if origin in (Union, types.UnionType):
            return Union[new]  # noqa: UP007
        return origin[new]
    except TypeError:
        return annotation


def _accepts_none(annotation: Any) -> bool:
    try:
        TypeAdapter(annotation).validate_python(None)
    except (ValidationError, TypeError, ValueError):
        return False
    return True


def _null_is_default(default: Any) -> Any:
    def validate(value: Any, handler: Callable[[Any], Any]) -> Any:
        return default if value is None else handler(value)

    return WrapValidator(validate)


def _shown(value: Any) -> str:
    try:
        text = json.dumps(to_jsonable_python(value, fallback=repr), ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def arguments_model(fn: Callable[..., Any], *, name: str | None = None) -> type[BaseModel]:
    """A pydantic model of ``fn``'s parameters; validating the model's JSON arguments gives Python values.

    A ``null`` for a parameter that has a default but does not accept None validates to the default.

    Raises:
        TypeError: ``fn`` has ``*args`` / ``**kwargs``, unresolvable hints or types pydantic cannot describe.
    """
    return _arguments(fn, name or tool_name(fn))[0]


def _arguments(fn: Callable[..., Any], label: str) -> tuple[type[BaseModel], dict[str, Any]]:
    """The arguments model and the defaults a ``null`` stands for, by parameter name."""
    signature = _signature(fn, label)
    _, descriptions = parse_docstring(_docstring(fn))
    fields: dict[str, Any] = {}
    nullable_defaults: dict[str, Any] = {}
    for index, parameter in enumerate(signature.parameters.values()):
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            stars = "*" if parameter.kind is parameter.VAR_POSITIONAL else "**"
            raise TypeError(
                f"{label}: {stars}{parameter.name} cannot be described to the model; give the tool named "
                "parameters (a list parameter for many values)."
            )
        annotation, default = parameter.annotation, parameter.default
        has_default = default is not inspect.Parameter.empty
        if annotation is inspect.Parameter.empty:  # a model can always send a string, or the default's type
            annotation = type(default) if isinstance(default, str | int | float) else str
            annotation = annotation | None if has_default and default is None else annotation
        annotation = _portable(annotation)
        if has_default and not _accepts_none(annotation):
            nullable_defaults[parameter.name] = default
            annotation = Annotated[annotation, _null_is_default(default)]
        # Names pydantic reserves (model_*, json, _private) are kept as aliases of neutral field names.
        clash = parameter.name.startswith(("_", "model_")) or hasattr(BaseModel, parameter.name)
        key = parameter.name
        while clash and (key == parameter.name or key in signature.parameters):
            key = f"arg{index}" if key == parameter.name else f"{key}_"
        info = Field(description=descriptions.get(parameter.name), alias=parameter.name if clash else None)
        fields[key] = (Annotated[annotation, info], default if has_default else ...)
    config = ConfigDict(extra="forbid", protected_namespaces=())
    try:
        model = create_model(f"{label}_arguments", __config__=config, **fields)
        model.model_json_schema()
    except Exception as error:  # a type pydantic cannot validate or describe: name the parameter
        raise TypeError(f"{label}: {_culprit(signature, error)}") from None
    return model, nullable_defaults


def _culprit(signature: inspect.Signature, error: Exception) -> str:
    reason = str(getattr(error, "message", None) or error).splitlines()[0]
    for parameter in signature.parameters.values():
        if parameter.annotation is inspect.Parameter.empty:
            continue
        try:
            TypeAdapter(_portable(parameter.annotation)).json_schema()
        except Exception:
            return (
                f"the type of parameter {parameter.name!r} cannot be described to the model ({reason}); use "
                "JSON-friendly types (str, int, float, bool, lists, dicts, Literal, Enum, TypedDict, "
                "dataclasses, pydantic models)."
            )
    return f"its parameters cannot be described to the model ({reason})."


def _nullable(schema: dict[str, Any], default: Any) -> dict[str, Any]:
    """A strict-mode property that also takes ``null``, which stands for the Python default."""
    outer: dict[str, Any] = {key: schema[key] for key in ("title", "description") if key in schema}
    inner = {key: value for key, value in schema.items() if key not in outer}
    branches = inner["anyOf"] if set(inner) == {"anyOf"} else [inner]
    note = f"Default: {_shown(default)} (send null for the default)."
    outer["description"] = f"{outer['description']} {note}" if outer.get("description") else note
    return {"anyOf": [*branches, {"type": "null"}], **outer}


def describe(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool | None = None,
) -> tuple[dict[str, Any], type[BaseModel]]:
    """The function tool of ``fn`` and its arguments model (see `function_tool_schema`)."""
    label = name or tool_name(fn)
    if not _VALID_NAME.match(label):
        raise TypeError(
            f"{label!r} is not a valid tool name (letters, digits, '_' and '-', at most 64); "
            "pass name=... (to nbresponses.tool or here)."
        )
    model, nullable_defaults = _arguments(fn, label)
    summary, _ = parse_docstring(_docstring(fn))
    schema = model.model_json_schema()
    schema.pop("title", None)
    strict_form, possible = strict_schema(schema)
    use_strict = possible if strict is None else bool(strict) and possible
    if use_strict:
        properties = strict_form.get("properties", {})
        for parameter, default in nullable_defaults.items():
            properties[parameter] = _nullable(properties[parameter], default)
    tool = {
        "type": "function",
        "name": label,
        "description": description if description is not None else summary or None,
        "parameters": strict_form if use_strict else schema,
        "strict": use_strict,
    }
    return tool, model


def function_tool_schema(
    fn: Callable[..., Any] | dict[str, Any],
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool | None = None,
) -> dict[str, Any]:
    """The Responses API function tool of a Python function (or a tool dict, normalized and passed through).

    ``strict`` defaults to True when the schema allows it (no free-form dicts, no ``Any``). Strict mode lists
    every parameter as required; one with a default is nullable there, and ``null`` runs it with the default.

    Raises:
        TypeError: the function cannot be described (``*args``, unknown types, an invalid name).
    """
    if isinstance(fn, dict):
        from nbresponses.types.request import normalize_tool

        normalized: dict[str, Any] = normalize_tool(fn)
        return normalized
    return describe(fn, name=name, description=description, strict=strict)[0]
