"""Notebook functions as tools: the ``@tool`` decorator, and finding tools by name in a namespace."""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from pydantic import BaseModel

from ._schema import describe, tool_name

__all__ = ["TOOL_ATTRIBUTE", "Tool", "registered_tools", "resolve_tools", "tool"]

TOOL_ATTRIBUTE = "__nbresponses_tool__"
_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass
class Tool:
    """A callable the model may call, with its schema and how to run it."""

    fn: Callable[..., Any]
    name: str
    description: str
    approve: bool = False
    timeout: float | None = None
    strict: bool | None = None
    schema: dict[str, Any] = field(default_factory=dict)
    arguments: type[BaseModel] | None = None

    @classmethod
    def from_function(
        cls,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        approve: bool = False,
        timeout: float | None = None,
        strict: bool | None = None,
    ) -> Tool:
        """Describe ``fn`` (raises TypeError when its signature cannot be described)."""
        label = name or tool_name(fn)
        schema, arguments = describe(fn, name=label, description=description, strict=strict)
        return cls(
            fn=fn,
            name=label,
            description=schema["description"] or "",
            approve=approve,
            timeout=timeout,
            strict=strict,
            schema=schema,
            arguments=arguments,
        )

    @property
    def is_async(self) -> bool:
        """Whether calling the function gives a coroutine (async functions, partials and callable objects)."""
        target: Any = self.fn
        while isinstance(target, functools.partial):
            target = target.func
        if not inspect.isroutine(target) and not inspect.isclass(target):
            target = type(target).__call__  # a callable object: its method says
        return inspect.iscoroutinefunction(target)


@overload
def tool(fn: _F) -> _F: ...
@overload
def tool(
    fn: None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    approve: bool = False,
    timeout: float | None = None,
    strict: bool | None = None,
) -> Callable[[_F], _F]: ...
def tool(
    fn: Any = None,
    *,
    name: str | None = None,
    description: str | None = None,
    approve: bool = False,
    timeout: float | None = None,
    strict: bool | None = None,
) -> Any:
    """Mark a function as a tool (bare ``@tool`` or ``@tool(approve=True, timeout=10)``).

    The function stays callable as before; ``%%respond --tools NAME`` or ``%respond tools`` find it.
    """

    def mark(function: _F) -> _F:
        described = Tool.from_function(
            function, name=name, description=description, approve=approve, timeout=timeout, strict=strict
        )
        setattr(function, TOOL_ATTRIBUTE, described)
        return function

    return mark(fn) if fn is not None else mark


def _as_tool(value: Any) -> Tool | None:
    found = getattr(value, TOOL_ATTRIBUTE, None)
    return found if isinstance(found, Tool) else None


def registered_tools(namespace: Mapping[str, Any]) -> dict[str, Tool]:
    """Every ``@tool``-decorated function in ``namespace``, by tool name."""
    found: dict[str, Tool] = {}
    for key, value in namespace.items():
        if key.startswith("_"):
            continue
        described = _as_tool(value)
        if described is not None:
            found[described.name] = described
    return found


def resolve_tools(names: Iterable[str], namespace: Mapping[str, Any]) -> dict[str, Tool]:
    """The tools named on the magic line: decorated functions as they are, plain callables described now.

    Raises:
        LookupError: a name is not in the namespace (the message suggests close names).
        TypeError: a value is not callable or its signature cannot be described.
    """
    out: dict[str, Tool] = {}
    for name in names:
        if name not in namespace:
            close = difflib.get_close_matches(name, [k for k in namespace if callable(namespace[k])], n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise LookupError(f"--tools {name}: no such function in the notebook.{hint}")
        value = namespace[name]
        described = _as_tool(value)
        if described is None:
            if not callable(value):
                raise TypeError(f"--tools {name}: {type(value).__name__} is not a function.")
            described = Tool.from_function(value, name=name)
        out[described.name] = described
    return out
