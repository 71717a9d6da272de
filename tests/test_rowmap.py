"""``nbresponses.map`` / `nbresponses.rowmap.map_rows`: the DataFrame it returns, structured columns, lists without
pandas, Ctrl-C, and the public name."""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pydantic import BaseModel

import nbresponses
from nbresponses import testing
from nbresponses.offline import ModelRequest, Plan, default_model
from nbresponses.rowmap import COLUMNS, MapInterrupted, MapProgress, RowResult, map_rows


class Review(BaseModel):
    label: str
    score: float


@pytest.fixture
def backend() -> testing.OfflineBackend:
    return testing.OfflineBackend()


def test_the_result_is_aligned_with_the_index_and_has_the_standard_columns(
    backend: testing.OfflineBackend, tmp_path: Path
) -> None:
    df = pd.DataFrame({"text": ["good", "bad", "so-so"]}, index=[10, 20, 30])
    result = nbresponses.map("Review: {text}", df, client=backend.client(), history_path=tmp_path / "h.sqlite",
                             progress=False)  # fmt: skip
    assert list(result.columns) == list(COLUMNS) and list(result.index) == [10, 20, 30]
    assert [t.split("\n")[0] for t in result["output_text"]] == [
        f"You asked: “Review: {t}”." for t in df.text
    ]
    assert str(result["input_tokens"].dtype) == "Int64" and str(result["cost_usd"].dtype) == "Float64"
    assert (result["cost_usd"] == 0).all()  # the offline backend is free
    assert [b["input"] for b in backend.requests] == ["Review: good", "Review: bad", "Review: so-so"]
    assert all(b["model"] == "gpt-4.1" for b in backend.requests)


def test_a_pydantic_schema_gives_its_fields_as_columns(
    backend: testing.OfflineBackend, tmp_path: Path
) -> None:
    df = pd.DataFrame({"text": ["good", "bad"]})
    result = nbresponses.map("Review: {text}", df, client=backend.client(), text_format=Review, progress=False,
                             history_path=tmp_path / "h.sqlite")  # fmt: skip
    assert list(result.columns[:2]) == ["label", "score"]
    assert result["label"].map(type).eq(str).all() and result["error"].isna().all()
    assert backend.requests[0]["text"]["format"]["name"] == "Review"
    again = nbresponses.map("Review: {text}", df, client=backend.client(), text_format=Review, progress=False,
                            history_path=tmp_path / "h.sqlite")  # fmt: skip
    assert again["resumed"].all() and list(again["label"]) == list(result["label"])  # parsed from the history


def test_json_output_gives_a_dict_column(backend: testing.OfflineBackend, tmp_path: Path) -> None:
    result = map_rows("{q}", [{"q": "a"}], client=backend.client(), text={"format": {"type": "json_object"}},
                      history_path=tmp_path / "h.sqlite")  # fmt: skip
    assert list(result.columns[:1]) == ["json"] and isinstance(result["json"][0], dict)


def test_a_field_named_like_a_standard_column_is_prefixed(backend: testing.OfflineBackend) -> None:
    schema = {"type": "object", "properties": {"status": {"type": "string"}}, "required": ["status"],
              "additionalProperties": False}  # fmt: skip
    result = map_rows("{q}", [{"q": "a"}], client=backend.client(), text_format=schema, resume=False)
    assert "parsed_status" in result.columns and result["status"][0] == "completed"


def test_without_a_frame_the_result_is_a_list(backend: testing.OfflineBackend) -> None:
    rows = map_rows("{q}", [{"q": "a"}, {"q": "b"}], client=backend.client(), resume=False, as_frame=False)
    assert all(isinstance(r, RowResult) for r in rows) and [r.index for r in rows] == [0, 1]
    assert rows[0].status == "completed" and rows[0].response_id.startswith("resp_")


def test_template_variables_come_from_the_caller(backend: testing.OfflineBackend) -> None:
    language = "French"  # noqa: F841 - read by the template
    nbresponses.map(
        "Say {q} in {language}", [{"q": "hi"}], client=backend.client(), resume=False, progress=False
    )
    assert backend.requests[0]["input"] == "Say hi in French"


def test_ctrl_c_raises_with_the_answered_rows() -> None:
    seen: list[MapProgress] = []

    def stop(progress: MapProgress) -> None:
        seen.append(progress)
        raise KeyboardInterrupt

    def slow_model(request: ModelRequest) -> Plan:
        time.sleep(0.01)  # 200 rows take 2 s at least; the first progress tick comes after 0.1 s
        return default_model(request)

    slow = testing.OfflineBackend(fallback=slow_model)
    rows = [{"q": f"q{i}"} for i in range(200)]
    with pytest.raises(MapInterrupted) as raised:
        map_rows("{q}", rows, client=slow.client(), resume=False, concurrency=1, on_progress=stop)
    frame = raised.value.result
    assert isinstance(frame, pd.DataFrame) and len(frame) == 200
    answered = int((frame.status == "completed").sum())
    assert answered == raised.value.progress.answered and answered < 200
    assert "rows answered" in str(raised.value) and seen


def test_map_is_public_and_stays_the_function() -> None:
    assert "map" in nbresponses.__all__
    importlib.import_module("nbresponses.rowmap")  # a subpackage import must not replace the function
    assert callable(nbresponses.map) and nbresponses.map.__module__ == "nbresponses"


def test_the_history_path_and_notebook_are_honoured(backend: testing.OfflineBackend, tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    kwargs: dict[str, Any] = {"client": backend.client(), "history_path": path}
    map_rows("{q}", [{"q": "a"}], notebook="one", **kwargs)
    # The same request is answered from the history whatever the notebook (a headless re-run has a new key) ...
    again = map_rows("{q}", [{"q": "a"}], notebook="two", **kwargs)
    assert len(backend.requests) == 1 and list(again.resumed) == [True]
    map_rows("{q}", [{"q": "a"}], notebook="two", fresh=True, **kwargs)
    assert len(backend.requests) == 2
    # ... and the notebook decides where the answers (and their spend) are recorded.
    from nbresponses.store import HistoryStore

    with HistoryStore(path) as store:
        assert len(store.usage_rows("one")) == 1 and len(store.usage_rows("two")) == 1


def test_in_ipython_the_map_shows_its_progress_and_summary(ipython: Any) -> None:
    ipython.run("import nbresponses")
    _, captured = ipython.run("r = nbresponses.map('Say {q}', [{'q': 'a'}, {'q': 'b'}], resume=False)")
    final = captured.outputs[-1].data
    assert "Mapped 2 rows with gpt-4.1" in final["text/plain"] and "done **2/2**" in final["text/markdown"]
    assert list(ipython.ns["r"]["status"]) == ["completed", "completed"]
