"""From a table and a template to one request per row, each with the key that resumes it (pure).

A row's key is a hash of everything that decides its answer: the backend's base URL and the whole request
body (model, the row's filled-in input, instructions, output format, sampling, thread context). Re-running
the same map finds every answered key in the history and sends only the rest; changing the template, a row,
the model or an option changes the keys of the rows it touches, and only those are sent again. Rows whose
requests are identical share one request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nbresponses._exceptions import InvalidParamsError
from nbresponses.client._specs import create_spec

from ._template import MapInputError, RowTemplate, row_value

__all__ = ["RowRequest", "Rows", "Template", "build_requests", "read_rows", "request_key"]

Template = str | Callable[[dict[str, Any]], Any]
"""A prompt template (``{column}`` fields), or a function of the row returning the prompt, the input items,
or a dict of request parameters (with ``input``)."""


@dataclass(frozen=True)
class Rows:
    """The rows of a table: their values by column, their index, and where they came from."""

    records: list[dict[str, Any]]
    index: Any
    """A pandas Index when the rows came from pandas, else the positions 0..n-1."""
    columns: list[str]
    from_pandas: bool
    uniform: bool
    """Every row has the same columns (a DataFrame)."""


@dataclass
class RowRequest:
    """One request to send, and the positions of the rows it answers."""

    key: str
    body: dict[str, Any]
    positions: list[int] = field(default_factory=list)


def read_rows(rows: Any, *, what: str = "the rows", tables_only: bool = False) -> Rows:
    """The rows of a DataFrame, a Series (each value as ``{value}`` and under the series' name), or a sequence
    of dicts or values; ``tables_only`` accepts DataFrames only.

    Raises:
        MapInputError: not a table, or no rows.
    """
    kind = type(rows)
    module = kind.__module__.split(".")[0]
    if module == "pandas" and kind.__name__ == "DataFrame":
        if rows.empty or len(rows.index) == 0:
            raise MapInputError(f"{what} has no rows: nothing to send.")
        columns = [str(c) for c in rows.columns]
        if len(set(columns)) != len(columns):
            raise MapInputError(f"{what} has two columns with the same name; rename one. Nothing was sent.")
        records = [
            dict(zip(columns, values, strict=True)) for values in rows.itertuples(index=False, name=None)
        ]
        return Rows(records, rows.index, columns, from_pandas=True, uniform=True)
    if tables_only:
        raise MapInputError(
            f"{what} is a {kind.__name__}, not a pandas DataFrame: --map takes a DataFrame (one request per row). "
            "Nothing was sent."
        )
    if module == "pandas" and kind.__name__ == "Series":
        if len(rows) == 0:
            raise MapInputError(f"{what} has no rows: nothing to send.")
        name = str(rows.name) if rows.name is not None else "value"
        records = [{"value": v, name: v} for v in rows.tolist()]
        return Rows(records, rows.index, sorted({"value", name}), from_pandas=True, uniform=True)
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Sequence):
        raise MapInputError(
            f"{what} is a {kind.__name__}: give a pandas DataFrame, or a list of dicts (one per row). Nothing was sent."
        )
    if not rows:
        raise MapInputError(f"{what} has no rows: nothing to send.")
    records = [
        {str(k): v for k, v in row.items()} if isinstance(row, Mapping) else {"value": row} for row in rows
    ]
    columns = list(dict.fromkeys(k for record in records for k in record))
    uniform = all(len(r) == len(columns) for r in records)
    return Rows(records, list(range(len(records))), columns, from_pandas=False, uniform=uniform)


def request_key(body: Mapping[str, Any], base_url: str) -> str:
    """The resume key of a request: 128 bits of SHA-256 over the base URL and the canonical body."""
    canonical = json.dumps({"base_url": base_url, "body": body}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), default=str)  # fmt: skip
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _row_body(
    template: Template | RowTemplate, row: dict[str, Any], params: Mapping[str, Any]
) -> dict[str, Any]:
    if isinstance(template, RowTemplate):
        return {**params, "input": template.render({k: row_value(v) for k, v in row.items()})}
    if isinstance(template, str):
        template = RowTemplate(template)
        return {**params, "input": template.render({k: row_value(v) for k, v in row.items()})}
    made = template(dict(row))
    if isinstance(made, Mapping):
        body = {**params, **made}
        if "input" not in body:
            raise MapInputError("The row function returned a dict without 'input'; nothing was sent.")
        return body
    if isinstance(made, str | list):
        return {**params, "input": made}
    raise MapInputError(
        f"The row function returned a {type(made).__name__}: return the prompt (str), input items (list) or "
        "request parameters (dict). Nothing was sent."
    )


def build_requests(
    rows: Rows,
    template: Template | RowTemplate,
    params: Mapping[str, Any],
    *,
    base_url: str,
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    what: str = "the table",
) -> tuple[list[RowRequest], list[str]]:
    """One request per distinct row request, and each row's key (in row order).

    Args:
        rows: the table.
        template: a `RowTemplate` or a function of the row.
        params: request parameters common to every row (``model``, ``instructions``, ``text``...).
        base_url: the backend's, part of every key (answers of one backend are not reused for another).
        prepare: adds what a thread carries (``previous_response_id`` or its context) to a row's body.
        what: how messages name the table.

    Raises:
        MapInputError: a template name no row or variable has, or a row function's bad answer.
        InvalidParamsError: parameters the API would reject (checked on the first row).
    """
    if isinstance(template, RowTemplate):
        template.check(rows.records, columns=rows.columns, what=what, uniform=rows.uniform)
    by_key: dict[str, RowRequest] = {}
    keys: list[str] = []
    for position, row in enumerate(rows.records):
        body = _row_body(template, row, params)
        if prepare is not None:
            body = prepare(body)
        if position == 0:
            try:
                create_spec(body, stream=False)
            except InvalidParamsError as error:
                raise InvalidParamsError(str(error)) from None
        key = request_key(body, base_url)
        keys.append(key)
        found = by_key.get(key)
        if found is None:
            found = by_key[key] = RowRequest(key, body)
        found.positions.append(position)
    return list(by_key.values()), keys
