"""Render a badge as a flat, shields-style SVG, with its provenance in <title> and <desc>."""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

from harness.badge.colors import to_hex
from harness.badge.model import Badge
from harness.badge.widths import FONT_SIZE_PX, text_width

HEIGHT = 20
PADDING = 6
LABEL_FILL = "#555"
FONT_STACK = "Verdana,Geneva,DejaVu Sans,sans-serif"


def _box_width(text: str) -> int:
    return math.ceil(text_width(text)) + 2 * PADDING if text else 0


def _fmt(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _text(text: str, centre: float) -> str:
    """A text run twice: a faint shadow one pixel down, then the white text, both width-pinned."""
    length = _fmt(text_width(text))
    body = escape(text)
    x = _fmt(centre)
    return (
        f'<text x="{x}" y="15" fill="#010101" fill-opacity=".3" textLength="{length}" '
        f'lengthAdjust="spacingAndGlyphs">{body}</text>'
        f'<text x="{x}" y="14" fill="#fff" textLength="{length}" '
        f'lengthAdjust="spacingAndGlyphs">{body}</text>'
    )


def render_svg(badge: Badge) -> str:
    """The badge as a standalone SVG document; same badge in, same bytes out."""
    label_w = _box_width(badge.label)
    message_w = _box_width(badge.message)
    width = label_w + message_w
    title = f"{badge.label}: {badge.message}" if badge.label else badge.message
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'role="img" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(badge.describe())}</desc>",
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>',
        f'<clipPath id="r"><rect width="{width}" height="{HEIGHT}" rx="3" fill="#fff"/></clipPath>',
        '<g clip-path="url(#r)">',
        f'<rect width="{label_w}" height="{HEIGHT}" fill="{LABEL_FILL}"/>',
        f'<rect x="{label_w}" width="{message_w}" height="{HEIGHT}" '
        f"fill={quoteattr(to_hex(badge.color))}/>",
        f'<rect width="{width}" height="{HEIGHT}" fill="url(#s)"/>',
        "</g>",
        f'<g text-anchor="middle" font-family="{FONT_STACK}" font-size="{_fmt(FONT_SIZE_PX)}">',
    ]
    if badge.label:
        parts.append(_text(badge.label, label_w / 2))
    parts.append(_text(badge.message, label_w + message_w / 2))
    parts.append("</g></svg>")
    return "\n".join(parts) + "\n"
