"""Tests of nbresponses.render._cards: a function-call card's state, from the notebook's side or the item's."""

from __future__ import annotations

import json

import pytest

from nbresponses.render._cards import LocalCall, call_label, pretty_arguments


def _call() -> LocalCall:
    return LocalCall("call_1", "ping", '{"host": "a"}')


def test_a_call_moves_through_its_states() -> None:
    call = _call()
    assert call.label == "queued"
    call.state = "waiting"
    assert call.label == "waiting for approval"
    call.state = "running"
    assert call.label == "running…"
    call.finish(result="pong", error=None, seconds=0.123, ran=True)
    assert (call.state, call.result, call.error, call.label) == ("done", "pong", None, "done in 0.12 s")


@pytest.mark.parametrize(
    ("outcome", "state", "label", "error"),
    [
        (
            {"result": None, "error": "TimeoutError: 30 s", "ran": True},
            "failed",
            "failed after 1.50 s",
            "TimeoutError: 30 s",
        ),
        ({"result": "Not run: denied", "error": None, "ran": False}, "not run", "not run", "Not run: denied"),
        ({"result": None, "error": "invalid JSON", "ran": False}, "not run", "not run", "invalid JSON"),
    ],
)
def test_failed_and_not_run_calls_keep_why(
    outcome: dict[str, object], state: str, label: str, error: str
) -> None:
    call = _call()
    call.finish(seconds=1.5, **outcome)  # type: ignore[arg-type]
    assert (call.state, call.label, call.error, call.result) == (state, label, error, None)


def test_the_items_own_status_is_never_the_calls_state() -> None:
    item = {"type": "function_call", "status": "completed", "name": "ping"}
    assert call_label(item, None, runs_tools=True) == "queued"
    assert call_label(item, None, runs_tools=False).startswith("not run here")
    assert call_label({**item, "status": "in_progress"}, None, runs_tools=True) == "being written…"
    assert call_label(item, _call(), runs_tools=False) == "queued"  # the notebook's side wins


def test_pretty_arguments() -> None:
    assert pretty_arguments('{"host":"a","n":[1]}') == json.dumps({"host": "a", "n": [1]}, indent=2)
    assert pretty_arguments({"city": "上海"}) == '{\n  "city": "上海"\n}'
    assert pretty_arguments("{not json") == "{not json"
