"""Every colour the views set, readable on light and dark themes alike (contrast at least 4.5:1).

Output HTML cannot rely on a stylesheet or know the theme, and no single colour reaches 4.5:1 on both a white
and a near-black page. So each colour is mixed with ``currentColor``, the text colour the frontend's theme
gives the output (near-black in a light theme, white in a dark one): ``color-mix(in srgb, #d32f2f 60%,
currentColor)`` is a dark red on white and a light red on black. Each declaration comes after a plain hex
fallback that passes on a light page, for a renderer without ``color-mix`` or a sanitizer that drops it
(JupyterLab keeps only simple colour values in an untrusted notebook). ``tests/test_render_theme.py`` computes
every contrast against JupyterLab's light and dark themes.
"""

from __future__ import annotations

__all__ = ["BORDER", "CARD", "ERROR", "MUTED", "NOTICE", "SMALL_MUTED", "STYLES", "WARN", "color_of"]


def _color(fallback: str, mixed: str) -> str:
    return f"color:{fallback};color:{mixed}"


ERROR = _color("#b71c1c", "color-mix(in srgb, #d32f2f 60%, currentColor)")
"""Error text (a failed turn, a failed tool call)."""

WARN = _color("#8a5300", "color-mix(in srgb, #b26a00 60%, currentColor)")
"""Warnings: an incomplete or interrupted answer, a superseded answer, a budget notice."""

MUTED = _color("#555555", "color-mix(in srgb, currentColor 72%, transparent)")
"""Secondary text: the header line, usage labels."""

BORDER = "border:1px solid #6f6f6f;border-color:color-mix(in srgb, currentColor 65%, transparent)"
"""The border of a card (a tool call, the approval question)."""

CARD = f"{BORDER};border-radius:6px;padding:4px 10px;margin:4px 0;font-size:0.92em"
"""The inline style of a tool-call card."""

SMALL_MUTED = f"font-size:0.85em;{MUTED}"
"""The header and the usage line."""

NOTICE = WARN
"""Notices under the answer."""

STYLES = {"error": ERROR, "warn": WARN, "muted": MUTED, "border": BORDER}
"""Each colour declaration by name (what the contrast test checks)."""


def color_of(style: str) -> str:
    """The last colour value of an inline style (the one a browser with ``color-mix`` uses)."""
    values = [part.split(":", 1)[1].strip() for part in style.split(";") if ":" in part]
    return values[-1] if values else ""
