"""Fakes and builders shared by the render tests: a recording ``display``, clocks, events and responses."""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

from nbresponses._accumulator import ResponseAccumulator
from nbresponses.types.events import parse_event
from nbresponses.types.response import Response
from tests.recordings import is_stream, iter_sse_payloads, load_recordings, require_recordings


class Handle:
    def __init__(self, display_id: str) -> None:
        self.display_id = display_id


class FakeDisplay:
    """Stands in for ``IPython.display``: records every display and update instead of sending them."""

    def __init__(self) -> None:
        self.shown: list[tuple[dict[str, Any], str | None]] = []
        self.updates: list[tuple[dict[str, Any], str]] = []
        self._ids = itertools.count(1)

    def display(self, obj: dict[str, Any], *, raw: bool = False, display_id: Any = None) -> Handle | None:
        assert raw
        assigned = f"display-{next(self._ids)}" if display_id is True else None
        self.shown.append((obj, assigned))
        return Handle(assigned) if assigned else None

    def update_display(self, obj: dict[str, Any], *, raw: bool = False, display_id: str) -> None:
        assert raw
        self.updates.append((obj, display_id))


class SteppingClock:
    """A monotonic clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def visible(value: str) -> str:
    """The text a widget's HTML shows: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", value))


def events(*payloads: dict[str, Any]) -> Iterator[Any]:
    for number, payload in enumerate(payloads):
        yield parse_event(json.dumps({"sequence_number": number, **payload}))


def feed(view: Any, accumulator: ResponseAccumulator, stream: Iterator[Any]) -> None:
    for event in stream:
        accumulator.add(event)
        view.on_event(event, accumulator.snapshot)


def text_stream(*deltas: str, item_id: str = "msg_1", index: int = 0) -> list[dict[str, Any]]:
    message = {"type": "message", "id": item_id, "role": "assistant", "status": "in_progress", "content": []}
    part = {"type": "output_text", "text": "", "annotations": []}
    return [
        {"type": "response.output_item.added", "output_index": index, "item": message},
        {
            "type": "response.content_part.added",
            "output_index": index,
            "item_id": item_id,
            "content_index": 0,
            "part": part,
        },
        *(
            {
                "type": "response.output_text.delta",
                "output_index": index,
                "item_id": item_id,
                "content_index": 0,
                "delta": d,
            }
            for d in deltas
        ),
    ]


def message(value: str, id: str = "msg_1") -> dict[str, Any]:
    return {
        "type": "message",
        "id": id,
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": value, "annotations": []}],
    }


def response(*output: dict[str, Any], status: str = "completed", **extra: Any) -> Response:
    return Response.model_validate(
        {
            "id": "resp_1",
            "object": "response",
            "status": status,
            "model": "gpt-test",
            "output": list(output),
            **extra,
        }
    )


def recorded_streams() -> list[dict[str, Any]]:
    require_recordings()
    return [r for r in load_recordings() if is_stream(r)]


def segments(recording: dict[str, Any]) -> list[list[Any]]:
    """The events of each response in a recording (some hold a tool loop's requests back to back)."""
    out: list[list[Any]] = []
    for data in iter_sse_payloads(recording):
        event = parse_event(data)
        if event.type == "response.created" or not out:
            out.append([])
        out[-1].append(event)
    return out
