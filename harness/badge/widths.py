"""Text width in pixels, computed from a bundled table of DejaVu Sans advance widths.

Badges name Verdana first, but its metrics may not be redistributed; DejaVu Sans (a Bitstream Vera
descendant, close to Verdana's proportions) is the fallback in the same font stack, and the SVG pins
each text run to the computed width with `textLength`, so whichever font renders, nothing overflows.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from importlib import resources

FONT_SIZE_PX = 11.0

# Characters outside the table: wide East Asian glyphs take a full em, the rest the width of "M"
# so an unknown glyph errs on the roomy side rather than spilling out of its box.
_WIDE = frozenset({"W", "F"})


@cache
def _table() -> tuple[dict[int, int], int]:
    raw = (
        resources.files("harness.badge").joinpath("data/dejavu-sans-widths.json").read_text("utf-8")
    )
    data = json.loads(raw)
    advances = {int(code): int(width) for code, width in data["advances"].items()}
    return advances, int(data["units_per_em"])


def _advance(char: str, advances: dict[int, int], units_per_em: int) -> int:
    code = ord(char)
    if code in advances:
        return advances[code]
    if unicodedata.combining(char) or unicodedata.category(char) in {"Mn", "Me", "Cf"}:
        return 0
    if unicodedata.east_asian_width(char) in _WIDE:
        return units_per_em
    return advances[ord("M")]


def text_width(text: str, size_px: float = FONT_SIZE_PX) -> float:
    """Width of `text` set in DejaVu Sans at `size_px`, ignoring kerning."""
    advances, units_per_em = _table()
    total = sum(_advance(char, advances, units_per_em) for char in text)
    return total * size_px / units_per_em
