"""Tests of nbresponses.offline._png: valid PNGs drawn from a prompt, the same for the same prompt, partial on
request."""

from __future__ import annotations

import base64
import struct
import zlib

from nbresponses.offline._png import bar_chart_png, png_base64, png_bytes


def _decode(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        payload = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF, kind
        chunks[kind] = payload
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2) and b"IEND" in chunks
    return width, height, zlib.decompress(chunks[b"IDAT"])


def test_a_valid_rgb_png_of_the_size_asked() -> None:
    width, height, raw = _decode(png_bytes("a red fox", size=16))
    assert (width, height) == (16, 16) and len(raw) == 16 * (1 + 16 * 3)


def test_the_same_prompt_draws_the_same_image_and_another_a_different_one() -> None:
    assert png_bytes("a red fox") == png_bytes("a red fox")
    assert png_bytes("a red fox") != png_bytes("a blue whale")
    assert base64.b64decode(png_base64("a red fox", size=8)) == png_bytes("a red fox", size=8)


def test_a_partial_image_draws_its_first_rows_only() -> None:
    size = 8
    _, _, full = _decode(png_bytes("sunset", size=size))
    _, _, half = _decode(png_bytes("sunset", size=size, rows=4))
    row = 1 + size * 3
    assert half[: 4 * row] == full[: 4 * row]
    assert half[4 * row :] == (b"\x00" + b"\xff" * size * 3) * 4  # blank below
    _, _, none = _decode(png_bytes("sunset", size=size, rows=-3))
    assert none == (b"\x00" + b"\xff" * size * 3) * size


def test_a_bar_chart_is_a_png_whose_bars_follow_the_values() -> None:
    width, height, raw = _decode(bar_chart_png([1, 3, -1], width=60, height=40))
    assert (width, height) == (60, 40)
    rows = [raw[y * (1 + 3 * width) + 1 : (y + 1) * (1 + 3 * width)] for y in range(height)]

    def coloured(x: int) -> list[int]:  # the rows where column x is neither white nor the axis
        return [
            y
            for y, row in enumerate(rows)
            if row[3 * x : 3 * x + 3] not in (b"\xff\xff\xff", b"\x3c\x3c\x3c")
        ]

    slot = (width - 20) / 3
    first, second, third = (coloured(int(10 + slot * (i + 0.5))) for i in range(3))
    assert len(second) == 3 * len(first) > 0  # bar heights in proportion to the values
    assert min(third) > max(first)  # a negative value hangs below the axis
    assert bar_chart_png([1, 3, -1]) == bar_chart_png([1, 3, -1]) != bar_chart_png([3, 1])
