"""Tests of nbresponses.store._records: what a turn row says (its request, response, items, owner, status)."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from typing import Any

from nbresponses.store._processes import ProcessId
from nbresponses.store._records import CONTINUABLE, FINAL, TurnRecord


def record(**columns: Any) -> TurnRecord:
    base: dict[str, Any] = {f.name: None for f in fields(TurnRecord)}
    base.update(id=1, notebook="nb", thread="default", generation=0, status="completed", started_at=1.0)
    base.update(columns)
    return TurnRecord(**base)


def test_a_request_stored_without_its_input_gets_the_turns_items_back() -> None:
    items = [{"role": "user", "content": "hi"}]
    turn = record(request_json=json.dumps({"model": "m"}), input_items_json=json.dumps(items))
    assert turn.request == {"model": "m", "input": items}
    assert record(request_json=json.dumps({"model": "m", "input": "x"})).request == {
        "model": "m",
        "input": "x",
    }
    assert record().request is None and record().input_items == []


def test_output_items_are_the_stored_ones_else_the_responses() -> None:
    output = [{"type": "message", "content": []}]
    assert record(response_json=json.dumps({"output": output})).output_items == output
    assert record(response_json=json.dumps({"output": output}), output_items_json="[]").output_items == []
    assert record().output_items == [] and record().response is None


def test_statuses_and_owner() -> None:
    assert CONTINUABLE == {"completed", "incomplete"} and CONTINUABLE < FINAL and "in_progress" not in FINAL
    assert record().continuable and not record(status="failed").continuable
    assert record().owner is None
    owned = replace(record(), owner_host="h", owner_pid=7, owner_started=3.0)
    assert owned.owner == ProcessId("h", 7, 3.0)
    assert "request_json" not in repr(record(request_json="{}"))  # JSON columns stay out of the repr
