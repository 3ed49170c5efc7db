"""Charts as inline SVG, drawn by matplotlib offline (no fonts, scripts or network at view time).

Text and axes are drawn in a sentinel colour that becomes `currentColor`, so each chart takes the
page's text colour in light and dark mode. Ids are prefixed per chart: several SVGs share a page.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from html import escape
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib import rc_context  # the backend is chosen first
from matplotlib.figure import Figure

INK = "#010203"
ACCENT = "#2f6fde"
GOOD, FAIR, POOR = "#15803d", "#b45309", "#c2410c"
SERIES = ("#2f6fde", "#c2410c", "#15803d", "#7c3aed", "#b45309", "#0e7490", "#be185d")
_RC: Any = {
    "svg.fonttype": "none",
    "svg.hashsalt": "portfolio-harness",
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "font.size": 10,
    "font.family": "sans-serif",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_counter = itertools.count(1)


def score_colour(score: float) -> str:
    return GOOD if score >= 90 else FAIR if score >= 75 else POOR


def bars(labels: Sequence[str], values: Sequence[float], label: str, xmax: float = 100) -> str:
    """Horizontal bars, e.g. audit category scores."""
    with rc_context(_RC):
        fig = Figure(figsize=(6.4, 0.45 * len(labels) + 0.8))
        ax = fig.add_subplot()
        ax.barh(list(labels), list(values), color=[score_colour(v) for v in values])
        ax.set_xlim(0, xmax)
        ax.invert_yaxis()
        for y, value in enumerate(values):
            ax.text(min(value, xmax) + xmax * 0.01, y, f"{value:.0f}", va="center")
        ax.set_xlabel("score")
        return _svg(fig, label)


def histogram(values: Sequence[float], label: str, xlabel: str, bins: int = 10) -> str:
    with rc_context(_RC):
        fig = Figure(figsize=(4.2, 2.4))
        ax = fig.add_subplot()
        ax.hist(list(values), bins=bins, color=ACCENT, edgecolor=INK, linewidth=0.4)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("samples")
        return _svg(fig, label)


def trend(
    series: dict[str, list[float | None]],
    run_labels: Sequence[str],
    label: str,
    ylabel: str,
    baseline_index: int | None = None,
) -> str:
    """One line per series across runs; a gap where a run did not measure it."""
    with rc_context(_RC):
        fig = Figure(figsize=(6.4, 2.8))
        ax = fig.add_subplot()
        xs = list(range(len(run_labels)))
        for colour, (name, ys) in zip(itertools.cycle(SERIES), series.items(), strict=False):
            points = [float("nan") if y is None else y for y in ys]
            ax.plot(xs, points, marker="o", markersize=3, color=colour, label=name)
        if baseline_index is not None:
            ax.axvline(baseline_index, color=INK, linestyle="--", linewidth=0.8)
            ax.text(baseline_index, 1.02, "baseline", transform=ax.get_xaxis_transform())
        ax.set_xticks(xs, list(run_labels), rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(ylabel)
        if len(series) > 1:
            ax.legend(frameon=False, fontsize=8, loc="best")
        return _svg(fig, label)


def _svg(fig: Figure, label: str) -> str:
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", transparent=True, metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    prefix = f"c{next(_counter)}-"
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}\1"', text)
    text = text.replace(INK, "currentColor")
    text = re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r"<svg\1", text, count=1)
    title = escape(label, quote=True)
    return text.replace("<svg", f'<svg role="img" aria-label="{title}" class="chart"', 1).replace(
        ">", f"><title>{title}</title>", 1
    )
