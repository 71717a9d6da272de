"""Every colour the views set reaches 4.5:1 against JupyterLab's light and dark themes (render/_theme.py)."""

from __future__ import annotations

import re

import pytest

from nbresponses.render import _theme

# JupyterLab 4's output text colour (--jp-content-font-color1) on its page colours (--jp-layout-color0/1).
THEMES = {
    "light": ((0.0, 0.0, 0.0, 0.87), [(255, 255, 255)]),
    "dark": ((255.0, 255.0, 255.0, 1.0), [(17, 17, 17), (33, 33, 33)]),
}


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(color: tuple[float, float, float, float], page: tuple[int, int, int]) -> tuple[float, float, float]:
    *rgb, alpha = color
    return (rgb[0] * alpha + page[0] * (1 - alpha), rgb[1] * alpha + page[1] * (1 - alpha),
            rgb[2] * alpha + page[2] * (1 - alpha))  # fmt: skip


def resolve(value: str, text: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A CSS colour of ours: #hex, or color-mix(in srgb, A p%, B) over hex, currentColor and transparent."""
    value = value.strip()
    if value == "currentColor":
        return text
    if value == "transparent":
        return (0.0, 0.0, 0.0, 0.0)
    if value.startswith("#"):
        h = value[1:]
        h = "".join(c * 2 for c in h) if len(h) == 3 else h
        return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 1.0)
    mix = re.fullmatch(r"color-mix\(in srgb, (\S+) (\d+)%, (\S+)\)", value)
    assert mix, value
    a, b, p = resolve(mix[1], text), resolve(mix[3], text), int(mix[2]) / 100
    alpha = a[3] * p + b[3] * (1 - p)  # premultiplied mixing, as CSS does
    rgb = [(a[i] * a[3] * p + b[i] * b[3] * (1 - p)) / alpha if alpha else 0.0 for i in range(3)]
    return (rgb[0], rgb[1], rgb[2], alpha)


@pytest.mark.parametrize("name", sorted(_theme.STYLES))
@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_colour_reaches_4_5_to_1(name: str, theme: str) -> None:
    text, pages = THEMES[theme]
    for page in pages:
        color = over(resolve(_theme.color_of(_theme.STYLES[name]), text), page)
        assert contrast(color, page) >= 4.5, (name, theme, page, color)


@pytest.mark.parametrize("name", sorted(_theme.STYLES))
def test_every_fallback_reaches_4_5_to_1_on_a_light_page(name: str) -> None:
    fallback = re.search(r"(#[0-9a-f]{3,6})", _theme.STYLES[name])
    assert fallback, name
    assert contrast(resolve(fallback[1], THEMES["light"][0])[:3], (255, 255, 255)) >= 4.5
