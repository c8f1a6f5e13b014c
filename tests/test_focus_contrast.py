"""The keyboard focus ring stands out (WCAG 2.2 SC 1.4.11: 3:1 against what is next to it).

Issue 17, finding 2: the amber ring (#e0a800) was 2.0-2.15:1 on white and the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import healthcamp

CSS = (Path(healthcamp.__file__).parent / "web/static/healthcamp/site.css").read_text()


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _resolve(value: str) -> str:
    if value.startswith("var("):
        name = value[4:-1]
        found = re.search(rf"{re.escape(name)}:\s*(#[0-9a-fA-F]{{6}})", CSS)
        assert found, name
        return found.group(1)
    return value


def test_the_focus_ring_has_3_to_1_on_every_background() -> None:
    ring = re.search(r":focus-visible\s*\{[^}]*outline:\s*\d+px solid ([^;]+);", CSS)
    assert ring
    colour = _resolve(ring.group(1).strip())
    backgrounds = {
        _resolve(v.strip())
        for v in re.findall(r"background:\s*(#[0-9a-fA-F]{6}|var\(--[a-z-]+\))", CSS)
    }
    backgrounds |= {_resolve("var(--paper)"), _resolve("var(--panel)"), "#ffffff"}
    assert len(backgrounds) >= 5
    weak = {b: round(_contrast(colour, b), 2) for b in backgrounds if _contrast(colour, b) < 3}
    # A filled control (a primary button) keeps its own colour; the ring sits outside it,
    # on the page, so only page and panel backgrounds count - except the accent itself,
    # which the ring never sits on.
    weak.pop(_resolve("var(--accent)"), None)
    assert weak == {}
