"""Input items as the server sees them: normalization, texts, attachments and token estimates (pure)."""

from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any

__all__ = [
    "attachment_notes",
    "current_turn",
    "estimate_tokens",
    "expand_compactions",
    "item_texts",
    "normalize_input",
    "pack_items",
    "user_texts",
]

_IMAGE_TOKENS = 765  # what OpenAI bills a 1024x1024 image at "auto" detail; a plausible flat estimate


def normalize_input(value: Any) -> list[dict[str, Any]]:
    """``input`` as a list of typed items (a string becomes one user message; shorthand messages get a type)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": value}]}]
    items: list[dict[str, Any]] = []
    for raw in value:
        if not isinstance(raw, dict):
            continue
        item = dict(raw)
        if "role" in item and "type" not in item:
            item["type"] = "message"
        if item.get("type") == "message" and isinstance(item.get("content"), str):
            kind = "output_text" if item.get("role") == "assistant" else "input_text"
            part: dict[str, Any] = {"type": kind, "text": item["content"]}
            if kind == "output_text":
                part["annotations"] = []
            item["content"] = [part]
        items.append(item)
    return items


def item_texts(item: dict[str, Any]) -> list[str]:
    """The texts an item carries (message parts, tool outputs, arguments)."""
    texts: list[str] = []
    content = item.get("content")
    if isinstance(content, list):
        for part in content:
            if isinstance(part, dict):
                for key in ("text", "refusal"):
                    if isinstance(part.get(key), str):
                        texts.append(part[key])
    for key in ("output", "arguments", "code", "input"):
        if isinstance(item.get(key), str):
            texts.append(item[key])
    for part in item.get("summary") or ():
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            texts.append(part["text"])
    return texts


def user_texts(items: list[dict[str, Any]]) -> list[str]:
    """The text of each user message, oldest first."""
    out = []
    for item in items:
        if item.get("type") == "message" and item.get("role") == "user":
            text = " ".join(item_texts(item)).strip()
            if text:
                out.append(text)
    return out


def current_turn(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of the turn being answered: those after the model's last message (all when it has not spoken).

    One rule for every way a thread reaches the model: a chained request (``previous_response_id``) sends only
    its new items, a thread in client state (``store=false``, Chat Completions) resends the whole history, and
    both must be answered alike, never by replaying what an earlier turn already answered.
    """
    for index in range(len(items) - 1, -1, -1):
        item = items[index]
        if item.get("type") == "message" and item.get("role") == "assistant":
            return items[index + 1 :]
    return items


def _data_url(url: str) -> tuple[str, bytes] | None:
    if not url.startswith("data:") or "," not in url:
        return None
    header, payload = url[5:].split(",", 1)
    media = header.split(";")[0] or "application/octet-stream"
    try:
        data = base64.b64decode(payload, validate=False) if ";base64" in header else payload.encode()
    except ValueError:
        return None
    return media, data


def _image_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            length = int.from_bytes(data[index + 2 : index + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + length
    return None


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.1f} kB"


def attachment_notes(items: list[dict[str, Any]]) -> list[str]:
    """One sentence per image or file attached to the given items."""
    notes: list[str] = []
    for item in items:
        for part in item.get("content") or ():
            if not isinstance(part, dict):
                continue
            if part.get("type") == "input_image":
                url = str(part.get("image_url") or "")
                decoded = _data_url(url)
                if decoded is None:
                    source = url if url else f"file {part.get('file_id')}"
                    notes.append(f"an image from {source[:80]}")
                    continue
                media, data = decoded
                size = _image_size(data)
                dims = f", {size[0]}x{size[1]} px" if size else ""
                notes.append(f"an image ({media}{dims}, {_size(len(data))})")
            elif part.get("type") == "input_file":
                name = part.get("filename") or part.get("file_id") or part.get("file_url") or "a file"
                decoded = _data_url(str(part.get("file_data") or ""))
                detail = f" ({decoded[0]}, {_size(len(decoded[1]))})" if decoded else ""
                notes.append(f"the file {name}{detail}")
    return notes


def estimate_tokens(items: list[dict[str, Any]], instructions: str | None = None) -> int:
    """About four characters a token, a flat cost per image, a few tokens of framing per item."""
    chars = len(instructions or "")
    images = 0
    for item in items:
        chars += sum(len(t) for t in item_texts(item))
        for part in item.get("content") or ():
            if isinstance(part, dict) and part.get("type") == "input_image":
                images += 1
            elif isinstance(part, dict) and part.get("type") == "input_file":
                chars += len(str(part.get("file_data") or "")) // 8
        if item.get("type") not in ("message", None):
            chars += len(json.dumps(item, default=str)) // 4
    return math.ceil(chars / 4) + _IMAGE_TOKENS * images + 4 * len(items)


def pack_items(items: list[dict[str, Any]]) -> str:
    """Items as the opaque ``encrypted_content`` of a compaction item (base64 JSON: only this server reads it)."""
    return base64.b64encode(json.dumps(items, separators=(",", ":")).encode()).decode()


def expand_compactions(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace each compaction item this server made by the items it packed (others are kept as they are)."""
    out: list[dict[str, Any]] = []
    for item in items:
        if item.get("type") == "compaction" and isinstance(item.get("encrypted_content"), str):
            try:
                packed = json.loads(base64.b64decode(item["encrypted_content"], validate=True))
            except ValueError:
                packed = None
            if isinstance(packed, list):
                out.extend(i for i in packed if isinstance(i, dict))
                continue
        out.append(item)
    return out
