"""A map's results: one `RowResult` per input row, in input order, and as a DataFrame aligned with its index.

Columns: the structured output's fields first (``--schema``; a field named like one of ours is ``parsed_<name>``)
or a ``json`` column of dicts (``--json``), then ``output_text``, ``status``, ``error``, ``input_tokens``,
``output_tokens``, ``cost_usd``, ``response_id`` and ``resumed`` (answered by an earlier run).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nbresponses.structured import StructuredOutputError, parse_output

if TYPE_CHECKING:
    from ._outcome import RowOutcome
    from ._progress import MapProgress

__all__ = ["COLUMNS", "MapResult", "RowResult", "parse_columns"]

COLUMNS = (
    "output_text",
    "status",
    "error",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "response_id",
    "resumed",
)
"""The columns every map result has."""
JSON_COLUMN = "json"


@dataclass
class RowResult:
    """The result of one row (``index``: its label in the input)."""

    index: Any
    output_text: str | None
    status: str
    error: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    response_id: str | None = None
    resumed: bool = False
    parsed: Any = None
    """The structured answer (a model instance or a dict) with a schema or JSON output; else None."""


def parse_columns(target: Any) -> list[str]:
    """The columns a structured-output target adds: a model's fields, a schema's properties, or ``json``."""
    if target is None:
        return []
    if target == "json":
        return [JSON_COLUMN]
    fields = getattr(target, "model_fields", None)
    if isinstance(fields, dict):
        return list(fields)
    if isinstance(target, dict) and isinstance(target.get("properties"), dict):
        return list(target["properties"])
    return [JSON_COLUMN]


def _parsed(outcome: RowOutcome, target: Any) -> tuple[Any, str | None]:
    if target is None or not outcome.has_answer:
        return None, None
    response = outcome.response
    if response is None and outcome.response_json:
        from nbresponses.types.response import Response

        response = Response.model_validate_json(outcome.response_json)
    if response is None:
        return None, "the stored answer has no response to parse"
    try:
        return parse_output(response, None if target == "json" else target), None
    except StructuredOutputError as error:
        return None, str(error)


@dataclass
class MapResult:
    """The rows' results (input order), the progress as it ended, and the input's index."""

    rows: list[RowResult]
    progress: MapProgress
    index: Any = None
    columns: list[str] = field(default_factory=list)
    """Structured-output columns (before the standard ones)."""
    batch: Any = None
    """The batch state when the map went through the Batch API."""

    @classmethod
    def build(
        cls,
        outcomes: Sequence[RowOutcome],
        *,
        progress: MapProgress,
        index: Any,
        target: Any = None,
        batch: Any = None,
    ) -> MapResult:
        """Results from each row's outcome (rows sharing a request share its outcome)."""
        rows = []
        parsed_by_id: dict[int, tuple[Any, str | None]] = {}
        labels = list(index) if index is not None else range(len(outcomes))
        for label, outcome in zip(labels, outcomes, strict=True):
            if id(outcome) not in parsed_by_id:
                parsed_by_id[id(outcome)] = _parsed(outcome, target)
            parsed, problem = parsed_by_id[id(outcome)]
            rows.append(RowResult(
                label, outcome.output_text, outcome.status, problem or outcome.error, outcome.input_tokens,
                outcome.output_tokens, outcome.cost_usd, outcome.response_id, outcome.resumed, parsed,
            ))  # fmt: skip
        return cls(rows, progress, index=index, columns=parse_columns(target), batch=batch)

    def frame(self) -> Any:
        """A pandas DataFrame aligned with the input's index (requires pandas)."""
        import pandas as pd

        data: dict[str, list[Any]] = {}
        for column in self.columns:
            name = f"parsed_{column}" if column in COLUMNS else column
            if column == JSON_COLUMN and self.columns == [JSON_COLUMN]:
                data[name] = [row.parsed for row in self.rows]
            else:
                data[name] = [_field(row.parsed, column) for row in self.rows]
        for column in COLUMNS:
            data[column] = [getattr(row, column) for row in self.rows]
        frame = pd.DataFrame(data, index=self.index if self.index is not None else None)
        for column in ("input_tokens", "output_tokens"):
            frame[column] = frame[column].astype("Int64")
        frame["cost_usd"] = frame["cost_usd"].astype("Float64")
        return frame


def _field(parsed: Any, name: str) -> Any:
    if parsed is None:
        return None
    if isinstance(parsed, dict):
        return parsed.get(name)
    return getattr(parsed, name, None)
