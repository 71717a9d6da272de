"""``{name}``, ``{name.attr}`` and ``{name[key]}`` in a prompt, resolved from a namespace without ``eval`` (pure).

Only placeholders that resolve are replaced; anything else in braces (code, JSON, dict comprehensions, LaTeX,
a name the notebook does not have) is left exactly as typed, so pasting code into a prompt is safe.
``{{name}}`` is the escape for a literal ``{name}``. Private names and attributes (leading underscore) are never
resolved, so a prompt cannot reach ``{obj.__class__.__init__.__globals__}``; the one exception is IPython's output
history: ``{_}``, ``{__}``, ``{___}`` (the last three outputs) and ``{_N}`` (``Out[N]``). ``{In[N]}`` and
``{Out[N]}`` are plain indexing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Placeholder", "ValueInterrupted", "interpolate"]

_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_ROOT = rf"(?:{_NAME}|_\d+|_{{1,3}}(?![A-Za-z0-9_]))"  # a name, or IPython's _ / __ / ___ / _N outputs
_INDEX = r"\[(?:-?\d+|'[^'\]]*'|\"[^\"\]]*\"|[A-Za-z0-9_\- ]+)\]"
_EXPR = rf"{_ROOT}(?:\.{_NAME}|{_INDEX})*"
_PLACEHOLDER = re.compile(rf"\{{\{{({_EXPR})\}}\}}|\{{({_EXPR})\}}")
_STEP = re.compile(rf"\.({_NAME})|\[(-?\d+)\]|\['([^'\]]*)'\]|\[\"([^\"\]]*)\"\]|\[([A-Za-z0-9_\- ]+)\]")
_MISSING = object()


@dataclass(frozen=True)
class _Unread:
    """A step of an expression on a notebook variable failed: the reason, to say why it was sent as typed."""

    reason: str


class ValueInterrupted(KeyboardInterrupt):
    """Ctrl-C while a value was read (a property, ``repr`` or conversion that did not return): nothing was sent."""

    def __init__(self, expression: str) -> None:
        super().__init__(f"Interrupted while reading {{{expression}}} (it did not return); nothing was sent.")
        self.expression = expression


@dataclass(frozen=True)
class Placeholder:
    """A resolved ``{expression}`` and its value."""

    expression: str
    value: Any

    @property
    def name(self) -> str:
        """The variable the expression starts from."""
        return re.match(_ROOT, self.expression).group(0)  # type: ignore[union-attr]


def _resolve(expression: str, namespace: Mapping[str, Any]) -> Any:
    root = re.match(_ROOT, expression)
    assert root is not None
    value = namespace.get(root.group(0), _MISSING)
    rest = expression[root.end() :]
    for step in _STEP.finditer(rest):
        if value is _MISSING or isinstance(value, _Unread):
            break
        attr, number, single, double, bare = step.groups()
        try:
            if attr is not None:
                value = getattr(value, attr) if not attr.startswith("_") else _MISSING
            elif number is not None:
                value = value[int(number)]
            else:
                key = single if single is not None else double if double is not None else bare
                value = value[key]
        except KeyboardInterrupt:  # a property or __getitem__ that never returns
            raise ValueInterrupted(expression) from None
        except (
            Exception
        ) as error:  # a missing key, or the user's property / __getitem__ failed: sent as typed
            value = _Unread(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)
    return value


def interpolate(text: str, namespace: Mapping[str, Any]) -> tuple[list[str | Placeholder], list[str]]:
    """Split ``text`` into literal strings and resolved placeholders, and list warnings for names not found."""
    pieces: list[str | Placeholder] = []
    warnings: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        escaped, expression = match.group(1), match.group(2)
        if escaped is not None:
            pieces.append(text[position : match.start()] + "{" + escaped + "}")
            position = match.end()
            continue
        root = re.match(_ROOT, expression).group(0)  # type: ignore[union-attr]
        value = _resolve(expression, namespace)
        if isinstance(value, _Unread):
            reason = value.reason if len(value.reason) <= 120 else value.reason[:119] + "…"
            warnings.append(f"{{{expression}}} could not be read ({reason}); it was sent as typed.")
            continue
        if value is _MISSING:
            # Single letters are LaTeX or code ({a}/{b}) far more often than typos, and their "close" names are
            # just short ones that share the letter ({a} -> ax, {n} -> np): never warn about them.
            if root not in namespace and len(root) > 1 and not root.startswith("_"):
                close = difflib.get_close_matches(root, [k for k in namespace if not k.startswith("_")], n=1)
                hint = f" Did you mean {{{close[0]}}}?" if close else ""
                warnings.append(
                    f"{{{expression}}} is not a variable of this notebook; it was sent as typed.{hint}"
                )
            continue
        pieces.append(text[position : match.start()])
        pieces.append(Placeholder(expression, value))
        position = match.end()
    pieces.append(text[position:])
    return [p for p in pieces if not (isinstance(p, str) and not p)], warnings
