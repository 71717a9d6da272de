"""A prompt template filled in from each row of a table (pure: no I/O, no IPython).

``{column}`` is filled from the row, then from the notebook's variables (``{name}``, ``{name.attr}``,
``{name[key]}``, as in any prompt); ``{row[Any Column]}`` reaches columns whose names are not identifiers.
A name that is neither a column nor a variable is an error before anything is sent: a template sent to a
thousand rows with ``{colour}`` left in it costs a thousand wrong answers. ``{{name}}`` stays a literal
``{name}``. A single letter that resolves to nothing is usually LaTeX or code (``x^{n}``, ``\\vec{v}``) and is
left as typed, unless a column is that letter in the other case: ``{X}`` for a column ``x`` is a typo, refused
like any other missing name (with "did you mean {x}?").
"""

from __future__ import annotations

import difflib
import math
from collections import ChainMap
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from nbresponses._exceptions import InvalidParamsError
from nbresponses._interpolate import interpolate
from nbresponses.inputs import build_input

__all__ = ["MapInputError", "RowTemplate", "row_value"]

ROW_NAME = "row"
"""The name under which a template sees the whole row (``{row[Product Name]}``)."""


class MapInputError(InvalidParamsError):
    """The rows or the template cannot be mapped (a missing column, no rows...): nothing was sent."""


def row_value(value: Any) -> Any:
    """A cell of a table as a prompt shows it: missing values (None, NaN, NA, NaT) empty, scalars as text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    kind = type(value)
    if kind.__name__ in ("NAType", "NaTType"):
        return ""
    if kind.__module__.split(".")[0] in ("numpy", "pandas", "datetime", "decimal") and not hasattr(
        value, "shape"
    ):
        return str(value)  # a numpy scalar, a Timestamp, a Decimal: its text, not its repr
    if hasattr(value, "shape") and getattr(value, "ndim", 1) == 0:
        return str(value)
    return value


class _Lookups(Mapping[str, Any]):
    """A namespace that records the names looked up and missed (to find what a template needs)."""

    def __init__(self, names: Mapping[str, Any]) -> None:
        self.names = names
        self.missed: list[str] = []

    def __getitem__(self, key: str) -> Any:
        return self.names[key]

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self.names:
            self.missed.append(key)
            return default
        return self.names[key]

    def __contains__(self, key: object) -> bool:
        return key in self.names

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


class RowTemplate:
    """A prompt template for the rows of a table.

    Args:
        text: the template.
        namespace: the notebook's variables (looked up after the row's columns).
        max_rows: rows of a DataFrame variable interpolated into the prompt.
        images: image sources attached to every row's message.
        files: file sources attached to every row's message.
    """

    def __init__(
        self,
        text: str,
        namespace: Mapping[str, Any] | None = None,
        *,
        max_rows: int = 20,
        images: Sequence[str] = (),
        files: Sequence[str] = (),
    ) -> None:
        self.text = text
        self.namespace: Mapping[str, Any] = namespace if namespace is not None else {}
        self.max_rows = max_rows
        self.images, self.files = tuple(images), tuple(files)

    def _scope(self, row: Mapping[str, Any]) -> ChainMap[str, Any]:
        return ChainMap(row, {ROW_NAME: row}, self.namespace)  # type: ignore[arg-type]

    def missing(self, row: Mapping[str, Any], columns: Sequence[str] | None = None) -> list[str]:
        """The names the template uses that neither ``row`` nor the namespace has.

        A single letter counts only where one of ``columns`` (default: the row's) is that letter in the other
        case (``{X}`` for ``x``); any other is LaTeX or code, sent as typed.
        """
        lookups = _Lookups(self._scope(row))
        interpolate(self.text, lookups)
        letters = {str(c).lower() for c in (columns if columns is not None else row) if len(str(c)) == 1}
        return [name for name in dict.fromkeys(lookups.missed) if len(name) > 1 or name.lower() in letters]

    def check(
        self, rows: Sequence[Mapping[str, Any]], *, columns: Sequence[str], what: str, uniform: bool
    ) -> None:
        """Raise `MapInputError` if a row lacks a name the template uses.

        ``uniform``: the rows share their columns (a DataFrame), so the first row tells; otherwise (dicts) each
        row is checked.
        """
        for position, row in enumerate(rows[:1] if uniform else rows):
            known = [str(c) for c in (columns if uniform else row)]
            missing = self.missing(row, known)
            if not missing:
                continue
            name = missing[0]
            same = [c for c in known if c.lower() == name.lower()]  # a typo of case first: {X} for x
            close = same[:1] or difflib.get_close_matches(name, known, n=1)
            hint = f" Did you mean {{{close[0]}}}?" if close else ""
            where = "" if uniform else f" (row {position})"
            shown = ", ".join(known[:12]) + (", …" if len(known) > 12 else "")
            raise MapInputError(
                f"The template uses {{{name}}}, which is neither a column of {what}{where} (columns: {shown}) nor a "
                f"variable.{hint} Nothing was sent; write {{{{{name}}}}} for a literal {{{name}}}."
            )

    def render(self, row: Mapping[str, Any]) -> str | list[dict[str, Any]]:
        """The input of one row: its text, or content parts when it carries images or files."""
        prepared = build_input(self.text, self._scope(row), images=self.images, files=self.files,
                               max_rows=self.max_rows)  # fmt: skip
        parts = prepared.content
        if len(parts) == 1 and parts[0].get("type") == "input_text":
            return str(parts[0]["text"])
        if not parts:
            return ""
        return parts
