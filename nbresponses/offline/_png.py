"""Small PNG images drawn from a prompt, for the stand-in's ``image_generation`` calls (pure, stdlib only).

The picture is a colour gradient whose hues come from a hash of the prompt, with a disc in the middle: the same
prompt always draws the same image, a different prompt a visibly different one. ``rows`` draws a partial image
(the first rows, the rest blank), as ``partial_image`` events show an image filling in. `bar_chart_png` draws
the chart a ``code_interpreter`` call makes of the numbers in a prompt.
"""

from __future__ import annotations

import base64
import colorsys
import hashlib
import struct
import zlib

__all__ = ["bar_chart_png", "png_base64", "png_bytes"]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _colour(hue: float, lightness: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, lightness, 0.65)
    return int(r * 255), int(g * 255), int(b * 255)


def png_bytes(prompt: str, *, size: int = 64, rows: int | None = None) -> bytes:
    """A ``size``×``size`` RGB PNG for ``prompt``; only its first ``rows`` rows drawn when given."""
    digest = hashlib.sha256(prompt.encode("utf-8", "replace")).digest()
    hue_a, hue_b, hue_disc = digest[0] / 255, digest[1] / 255, digest[2] / 255
    drawn = size if rows is None else max(0, min(rows, size))
    centre, radius = (size - 1) / 2, size / 4 + digest[3] % max(size // 8, 1)
    raw = bytearray()
    for y in range(size):
        raw.append(0)  # filter: none
        for x in range(size):
            if y >= drawn:
                raw += b"\xff\xff\xff"
                continue
            if (x - centre) ** 2 + (y - centre) ** 2 <= radius**2:
                raw += bytes(_colour(hue_disc, 0.55))
            else:
                t = (x + y) / (2 * size - 2)
                raw += bytes(_colour(hue_a + (hue_b - hue_a) * t, 0.35 + 0.3 * t))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _chunk(b"IEND", b"")
    )


def png_base64(prompt: str, *, size: int = 64, rows: int | None = None) -> str:
    """`png_bytes`, base64-encoded (the ``result`` of an ``image_generation_call``)."""
    return base64.b64encode(png_bytes(prompt, size=size, rows=rows)).decode("ascii")


def bar_chart_png(values: list[float], *, width: int = 240, height: int = 150) -> bytes:
    """A bar chart of ``values`` as an RGB PNG: one bar each on a white ground, negative values below the axis."""
    raw = bytearray()
    top, bottom, margin = 8, height - 8, 10
    high, low = max(*values, 0.0), min(*values, 0.0)
    span = (high - low) or 1.0
    axis = top + round((bottom - top) * high / span)
    slot = (width - 2 * margin) / max(len(values), 1)
    bars = []
    for index, value in enumerate(values):
        left = margin + round(index * slot + slot * 0.15)
        right = margin + round((index + 1) * slot - slot * 0.15)
        end = top + round((bottom - top) * (high - value) / span)
        bars.append(
            (left, max(right, left + 1), min(end, axis), max(end, axis), _colour(index * 0.13 + 0.55, 0.5))
        )
    for y in range(height):
        raw.append(0)  # filter: none
        for x in range(width):
            pixel = (255, 255, 255)
            if y == axis and margin <= x < width - margin:
                pixel = (60, 60, 60)
            else:
                for left, right, y0, y1, colour in bars:
                    if left <= x < right and y0 <= y < y1:
                        pixel = colour
                        break
            raw += bytes(pixel)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _chunk(b"IEND", b"")
    )
