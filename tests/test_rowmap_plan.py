"""Rows to requests: reading tables, one request per distinct row, and the keys that make a map resumable."""

from __future__ import annotations

import pandas as pd
import pytest

from nbresponses import InvalidParamsError
from nbresponses.rowmap import MapInputError
from nbresponses.rowmap._plan import build_requests, read_rows, request_key
from nbresponses.rowmap._template import RowTemplate

BASE = "http://127.0.0.1:1/v1"


def test_a_dataframe_keeps_its_index_and_columns() -> None:
    df = pd.DataFrame({"a": [1, 2], 3: ["x", "y"]}, index=["p", "q"])
    rows = read_rows(df)
    assert rows.columns == ["a", "3"] and list(rows.index) == ["p", "q"] and rows.uniform and rows.from_pandas
    assert rows.records == [{"a": 1, "3": "x"}, {"a": 2, "3": "y"}]


def test_series_and_lists_are_tables_too() -> None:
    series = read_rows(pd.Series(["a", "b"], name="text"))
    assert series.records[0] == {"value": "a", "text": "a"}
    dicts = read_rows([{"q": 1}, {"q": 2, "extra": 3}])
    assert list(dicts.index) == [0, 1] and not dicts.uniform and dicts.columns == ["q", "extra"]
    assert read_rows(["plain", "values"]).records == [{"value": "plain"}, {"value": "values"}]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (pd.DataFrame({"a": []}), "has no rows"),
        ([], "has no rows"),
        ("text", "is a str"),
        ({"a": 1}, "is a dict"),
        (42, "is a int"),
        (pd.Series([], dtype=object), "has no rows"),
    ],
)
def test_what_is_not_a_table_or_has_no_rows_is_refused(rows: object, message: str) -> None:
    with pytest.raises(MapInputError, match=message):
        read_rows(rows, what="df")


def test_the_magic_takes_dataframes_only() -> None:
    with pytest.raises(MapInputError, match="not a pandas DataFrame"):
        read_rows([{"a": 1}], what="rows", tables_only=True)


def test_duplicate_column_names_are_refused() -> None:
    with pytest.raises(MapInputError, match="same name"):
        read_rows(pd.DataFrame([[1, 2]], columns=["a", "a"]))


def test_identical_rows_share_one_request() -> None:
    rows = read_rows(pd.DataFrame({"q": ["a", "b", "a"]}))
    requests, keys = build_requests(rows, RowTemplate("Q: {q}"), {"model": "m"}, base_url=BASE)
    assert [r.positions for r in requests] == [[0, 2], [1]]
    assert keys[0] == keys[2] != keys[1]
    assert requests[0].body == {"model": "m", "input": "Q: a"}


def test_keys_change_with_what_decides_the_answer() -> None:
    body = {"model": "m", "input": "Q: a"}
    key = request_key(body, BASE)
    assert key == request_key(dict(reversed(body.items())), BASE) and len(key) == 32
    assert key != request_key({**body, "model": "other"}, BASE)
    assert key != request_key({**body, "input": "Q: b"}, BASE)
    assert key != request_key({**body, "temperature": 0}, BASE)
    assert key != request_key(body, "https://api.openai.com/v1")  # an offline answer is no answer from OpenAI


def test_a_row_function_returns_a_prompt_items_or_parameters() -> None:
    rows = read_rows([{"q": "a"}, {"q": "b"}])
    requests, _ = build_requests(
        rows, lambda r: {"input": r["q"], "instructions": "Be brief."}, {"model": "m"}, base_url=BASE
    )
    assert requests[1].body == {"model": "m", "input": "b", "instructions": "Be brief."}
    with pytest.raises(MapInputError, match="without 'input'"):
        build_requests(rows, lambda r: {"instructions": "x"}, {"model": "m"}, base_url=BASE)
    with pytest.raises(MapInputError, match="returned a int"):
        build_requests(rows, lambda r: 3, {"model": "m"}, base_url=BASE)


def test_bad_parameters_are_refused_before_anything_is_sent() -> None:
    rows = read_rows([{"q": "a"}])
    with pytest.raises(InvalidParamsError, match="temperature"):
        build_requests(rows, RowTemplate("{q}"), {"model": "m", "temperature": "hot"}, base_url=BASE)


def test_a_thread_adds_its_context_to_every_row() -> None:
    rows = read_rows([{"q": "a"}, {"q": "b"}])
    requests, _ = build_requests(
        rows,
        RowTemplate("{q}"),
        {"model": "m"},
        base_url=BASE,
        prepare=lambda body: {**body, "previous_response_id": "resp_1"},
    )
    assert all(r.body["previous_response_id"] == "resp_1" for r in requests)
