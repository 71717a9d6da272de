"""Input items as the offline server reads them."""

from __future__ import annotations

import base64
import struct

from nbresponses.offline._items import (
    attachment_notes,
    current_turn,
    estimate_tokens,
    expand_compactions,
    normalize_input,
    pack_items,
)


def png(width: int, height: int) -> str:
    data = (
        b"\x89PNG\r\n\x1a\n"
        + b"\x00\x00\x00\rIHDR"
        + struct.pack(">II", width, height)
        + b"\x08\x02\x00\x00\x00"
    )
    return "data:image/png;base64," + base64.b64encode(data).decode()


def test_normalize_shorthand_messages() -> None:
    assert normalize_input("hi") == [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    ]
    (assistant,) = normalize_input([{"role": "assistant", "content": "yo"}])
    assert assistant["content"] == [{"type": "output_text", "text": "yo", "annotations": []}]


def test_attachment_notes_read_image_sizes() -> None:
    items = normalize_input(
        [{"role": "user", "content": [{"type": "input_image", "image_url": png(320, 200)}]}]
    )
    assert attachment_notes(items) == ["an image (image/png, 320x200 px, 29 bytes)"]


def test_token_estimate_grows_with_text_and_images() -> None:
    text = estimate_tokens(normalize_input("x" * 400))
    with_image = estimate_tokens(
        normalize_input([{"role": "user", "content": [{"type": "input_image", "image_url": png(1, 1)}]}])
    )
    assert text == 104 and with_image > 700


def test_compaction_round_trip() -> None:
    items = normalize_input("remember me")
    packed = {"type": "compaction", "encrypted_content": pack_items(items)}
    assert expand_compactions([packed]) == items
    foreign = {"type": "compaction", "encrypted_content": "gAAAA-not-ours"}
    assert expand_compactions([foreign]) == [foreign]


def test_the_current_turn_is_what_follows_the_models_last_message() -> None:
    said = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Sunny."}]}
    asked = normalize_input("Where do I live?")
    call = {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"}
    output = {"type": "function_call_output", "call_id": "c1", "output": "sunny"}
    history = [*normalize_input("Weather in Paris?"), call, output, said, *asked]
    assert current_turn(history) == asked  # a resent history: the old tool round is not this turn's
    assert current_turn([*asked, call, output]) == [*asked, call, output]  # the model has not spoken yet
    assert current_turn([output]) == [output] and current_turn([]) == []
