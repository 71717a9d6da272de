"""The offline server's event grammar matches the recorded OpenAI streams."""

from __future__ import annotations

from nbresponses import testing
from nbresponses.offline._events import chunks, response_events


def events_of(*items: dict[str, object]) -> list[dict[str, object]]:
    plan = testing.reply(*items)
    final = {
        "id": "resp_1",
        "status": "completed",
        "output": [{**item, "id": f"it_{n}"} for n, item in enumerate(plan.output)],
    }
    return list(response_events({"id": "resp_1", "status": "in_progress", "output": []}, final))


def test_chunks_rebuild_the_text() -> None:
    for text in ["", "one", "Hello, world!  Two spaces.\nNew line", "  leading"]:
        assert "".join(chunks(text)) == text
    assert chunks("a b c d", words=2) == ["a b", " c d"]


def test_message_grammar_and_sequence_numbers() -> None:
    events = events_of(testing.text("Hello there"))
    kinds = [e["type"] for e in events]
    assert kinds == [
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
        "response.content_part.done", "response.output_item.done", "response.completed",
    ]  # fmt: skip
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    added = events[2]["item"]
    assert added["status"] == "in_progress" and added["content"] == []  # type: ignore[index]
    assert all("obfuscation" not in e for e in events)


def test_function_call_and_reasoning_grammar() -> None:
    events = events_of(testing.reasoning("Think."), testing.function_call("f", {"a": 1}))
    kinds = [e["type"] for e in events]
    assert kinds.index("response.reasoning_summary_part.added") < kinds.index(
        "response.reasoning_summary_text.done"
    )
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert done["name"] == "f" and done["arguments"] == '{"a": 1}' and done["output_index"] == 1
    deltas = "".join(str(e["delta"]) for e in events if e["type"] == "response.function_call_arguments.delta")
    assert deltas == '{"a": 1}'


def test_failed_stream_sends_error_then_failed() -> None:
    final = {"id": "resp_1", "status": "failed", "output": []}
    events = list(response_events({"id": "resp_1"}, final, error={"code": "server_error", "message": "boom"}))
    assert [e["type"] for e in events][-2:] == ["error", "response.failed"]
    assert events[-2]["code"] == "server_error"
