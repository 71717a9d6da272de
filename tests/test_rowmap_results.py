"""A map's results: rows in input order, structured columns, and the DataFrame aligned with the input's index."""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel

from nbresponses.rowmap import COLUMNS, MapProgress, MapResult, RowOutcome
from nbresponses.rowmap._results import parse_columns
from nbresponses.types.response import Response


class Label(BaseModel):
    label: str
    status: str


def answered(text: str) -> RowOutcome:
    response = Response.model_validate({"id": "resp_1", "status": "completed", "output": [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}]})  # fmt: skip
    return RowOutcome.answered(response, 0.5)


def test_parse_columns_of_each_target() -> None:
    assert parse_columns(None) == [] and parse_columns("json") == ["json"]
    assert parse_columns(Label) == ["label", "status"]
    assert parse_columns({"type": "object", "properties": {"a": {}, "b": {}}}) == ["a", "b"]


def test_rows_sharing_a_request_share_its_parsed_answer_and_bad_json_says_why() -> None:
    good = answered('{"label": "ok", "status": "fine"}')
    bad = answered("not json")
    index = pd.Index(["x", "y", "z"], name="id")
    result = MapResult.build([good, bad, good], progress=MapProgress(total=3), index=index, target=Label)
    assert [r.index for r in result.rows] == ["x", "y", "z"] and result.rows[0].parsed is result.rows[
        2
    ].parsed
    assert result.rows[1].parsed is None and "not valid JSON" in (result.rows[1].error or "")
    frame = result.frame()
    assert list(frame.columns) == ["label", "parsed_status", *COLUMNS] and frame.index.name == "id"
    assert (
        frame["label"].isna().tolist() == [False, True, False] and list(frame["status"]) == ["completed"] * 3
    )
    assert frame["cost_usd"].tolist() == [0.5, 0.5, 0.5]


def test_rows_without_an_answer_have_empty_figures() -> None:
    result = MapResult.build([RowOutcome("not_sent", error="budget reached")], progress=MapProgress(total=1),
                             index=[0])  # fmt: skip
    frame = result.frame()
    assert frame["status"][0] == "not_sent" and pd.isna(frame["input_tokens"][0]) and frame["error"][0]
