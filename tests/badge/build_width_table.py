"""Rebuild harness/badge/data/dejavu-sans-widths.json from a DejaVu Sans font file.

Run by hand when the covered ranges change: `python tests/badge/build_width_table.py FONT.ttf`.
Needs fonttools, a dev-only tool: the harness reads the JSON and never the font.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped,import-not-found,unused-ignore]

# Latin, Greek, punctuation, currency, arrows and a few marks people put in badge text.
RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),
    (0x00A0, 0x024F),
    (0x0370, 0x03FF),
    (0x2010, 0x206F),
    (0x20A0, 0x20BF),
    (0x2190, 0x21FF),
    (0x2200, 0x22FF),
    (0x2600, 0x27BF),
)

TABLE = (
    Path(__file__).resolve().parents[2] / "harness" / "badge" / "data" / "dejavu-sans-widths.json"
)


def build(font_path: Path) -> str:
    font = TTFont(str(font_path))
    cmap = font.getBestCmap()
    metrics = font["hmtx"]
    advances = {
        str(code): metrics[cmap[code]][0]
        for low, high in RANGES
        for code in range(low, high + 1)
        if code in cmap
    }
    table = {
        "font": font["name"].getDebugName(1),
        "font_version": font["name"].getDebugName(5),
        "units_per_em": font["head"].unitsPerEm,
        "advances": advances,
    }
    return json.dumps(table, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    TABLE.write_text(build(Path(sys.argv[1])), encoding="utf-8")
