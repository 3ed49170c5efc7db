"""Widths, colours and staleness: what a reader of the README actually sees."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.badge.widths import text_width

from .conftest import Run

SVG = "{http://www.w3.org/2000/svg}"


def _write_audit(folder: Path, overall: float, generated_at: str = "2026-11-20T10:30:00Z") -> None:
    (folder / "score.json").write_text(
        '{"schema_version": "1", "kind": "harness-audit", "commit": null, '
        f'"generated_at": "{generated_at}", "score": {{"overall": {overall}, "grade": "B"}}}}',
        encoding="utf-8",
    )


def _svg(folder: Path, badge_id: str) -> ET.Element:
    return ET.parse(folder / "badges" / f"{badge_id}.svg").getroot()


def test_width_table_measures_known_glyphs() -> None:
    # DejaVu Sans advances at 2048 units per em: "M" is 1767, "i" is 569, the space 651.
    assert text_width("") == 0
    assert text_width("M") == pytest.approx(1767 * 11 / 2048)
    assert text_width("Mi i") == pytest.approx((1767 + 569 + 651 + 569) * 11 / 2048)


def test_unknown_glyphs_err_wide() -> None:
    assert text_width("界") == pytest.approx(11.0)
    assert text_width("\U0001d400") == pytest.approx(text_width("M"))


def test_long_label_gets_a_box_that_fits_it(workdir: Path, run: Run) -> None:
    name = "context_precision_with_reference_and_a_very_long_suffix"
    metric = {"mean": 0.5, "n": 4, "measured": 4, "coverage": 1.0}
    report = {"schema_version": "1", "kind": "harness-eval", "metrics": {name: metric}}
    (workdir / "long.json").write_text(json.dumps(report), encoding="utf-8")

    assert run("--eval", "long.json").exit_code == 0

    root = _svg(workdir, "eval-context-precision-with-reference-and-a-very-long-suffix")
    label_rect = root.findall(f"{SVG}g/{SVG}rect")[0]
    texts = root.findall(f"{SVG}g/{SVG}text")
    label_width = text_width(name)
    assert 5 * len(name) < label_width < 7 * len(name)  # 11px text averages ~6px a glyph
    assert int(label_rect.get("width", "0")) == math.ceil(label_width) + 12
    assert float(texts[1].get("textLength", "0")) == pytest.approx(label_width, abs=0.05)
    assert int(root.get("width", "0")) > label_width + text_width("0.50 (100% measured)")


@pytest.mark.parametrize(
    ("overall", "color", "fill"),
    [
        (100, "brightgreen", "#4c1"),
        (90, "brightgreen", "#4c1"),
        (89.96, "brightgreen", "#4c1"),  # shown as 90, so coloured as 90
        (89.94, "green", "#97ca00"),
        (80, "green", "#97ca00"),
        (72.5, "yellowgreen", "#a4a61d"),
        (60, "yellow", "#dfb317"),
        (55, "orange", "#fe7d37"),
        (49.9, "red", "#e05d44"),
        (0, "red", "#e05d44"),
    ],
)
def test_default_audit_colours(
    workdir: Path, run: Run, overall: float, color: str, fill: str
) -> None:
    _write_audit(workdir, overall)

    result = run("--audit", "score.json")

    assert f"[{color}]" in result.stdout
    assert _svg(workdir, "audit").findall(f"{SVG}g/{SVG}rect")[1].get("fill") == fill


def test_thresholds_file_overrides_scales(workdir: Path, run: Run) -> None:
    (workdir / "scales.yml").write_text(
        "audit: {steps: [[95, blue]], otherwise: '#123456'}\n"
        "metrics:\n  faithfulness: {steps: [[0.7, brightgreen]], otherwise: red}\n"
        "cost: {better: lower, steps: [[0.0001, green]], otherwise: yellow}\n",
        encoding="utf-8",
    )

    result = run("--audit", "audit.json", "--eval", "eval.json", "--thresholds", "scales.yml")

    assert result.exit_code == 0, result.output
    assert "audit: harness audit: B (87.5/100) [#123456]\n" in result.stdout
    assert "eval-faithfulness: faithfulness: 0.73 (96% measured) [brightgreen]\n" in result.stdout
    # Metrics the file does not name keep the default scale.
    assert "eval-hit-5: hit@5: 0.91 (100% measured) [brightgreen]\n" in result.stdout
    assert "cost: cost: $0.0012/query [yellow]\n" in result.stdout
    assert _svg(workdir, "audit").findall(f"{SVG}g/{SVG}rect")[1].get("fill") == "#123456"


def test_thresholds_out_of_order_is_one_line_error(workdir: Path, run: Run) -> None:
    (workdir / "scales.yml").write_text("audit: {steps: [[50, red], [90, green]]}\n", "utf-8")

    result = run("--audit", "audit.json", "--thresholds", "scales.yml")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: thresholds scales.yml: audit: Value error, steps must be best first: bounds "
        "descending when better is higher — fix the thresholds file (see `harness badge --help` "
        "for its shape)\n"
    )


def test_unknown_colour_is_refused(workdir: Path, run: Run) -> None:
    (workdir / "scales.yml").write_text("cost: {better: lower, steps: [[1, teal]]}\n", "utf-8")

    result = run("--eval", "eval.json", "--thresholds", "scales.yml")

    assert result.exit_code == 2
    assert result.stderr.startswith("error: thresholds scales.yml: cost.steps: Value error, colour")


def test_stale_result_renders_grey(workdir: Path, run: Run) -> None:
    result = run("--audit", "audit.json", "--stale-after", "3", "--as-of", "2026-11-24")

    assert result.stdout.startswith("audit: harness audit: B (87.5/100) [lightgrey, stale]\n")
    root = _svg(workdir, "audit")
    assert root.findall(f"{SVG}g/{SVG}rect")[1].get("fill") == "#9f9f9f"
    assert root.findtext(f"{SVG}desc", "").endswith("Stale: the result is older than allowed.")
    endpoint = (workdir / "badges" / "audit.json").read_text("utf-8")
    assert '"color": "lightgrey"' in endpoint


def test_recent_result_keeps_its_colour(workdir: Path, run: Run) -> None:
    result = run("--audit", "audit.json", "--stale-after", "4", "--as-of", "2026-11-24")

    assert result.stdout.startswith("audit: harness audit: B (87.5/100) [green]\n")


def test_result_of_unknown_date_counts_as_stale(workdir: Path, run: Run) -> None:
    _write_audit(workdir, 95, generated_at="yesterday-ish")

    result = run("--audit", "score.json", "--stale-after", "365")

    assert result.stdout.startswith("audit: harness audit: B (95/100) [lightgrey, stale]\n")


@pytest.mark.parametrize(
    ("cost", "line"),
    [
        ('{"per_query_usd": 0.0, "priced": 0, "unpriced": 4}', "cost: cost: unpriced [lightgrey]"),
        (
            '{"per_query_usd": 0.0, "priced": 4, "unpriced": 0}',
            "cost: cost: $0/query [brightgreen]",
        ),
        (
            '{"per_query_usd": 0.25, "priced": 3, "unpriced": 1}',
            "cost: cost: $0.25/query (3/4 priced) [red]",
        ),
        ('{"per_query_usd": 0.000012345}', "cost: cost: $0.000012/query [brightgreen]"),
        ('{"total_usd": 1.0}', None),
    ],
)
def test_cost_badge_says_what_is_known(
    workdir: Path, run: Run, cost: str, line: str | None
) -> None:
    (workdir / "cost.json").write_text(
        '{"schema_version": "1", "kind": "harness-eval", "metrics": {}, "cost": ' + cost + "}",
        encoding="utf-8",
    )

    result = run("--eval", "cost.json")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()[:-1]
    assert lines == ([line] if line else [])


def test_markup_in_names_is_escaped(workdir: Path, run: Run) -> None:
    name = 'recall<5> & "more"'
    metric = {"mean": 0.5, "n": 2, "measured": 1, "coverage": 0.5}
    report = {"schema_version": "1", "kind": "harness-eval", "metrics": {name: metric}}
    (workdir / "odd.json").write_text(json.dumps(report), encoding="utf-8")

    assert run("--eval", "odd.json").exit_code == 0

    root = _svg(workdir, "eval-recall-5-more")
    assert root.get("aria-label") == f"{name}: 0.50 (50% measured)"
    assert root.findtext(f"{SVG}title") == f"{name}: 0.50 (50% measured)"
    assert [text.text for text in root.findall(f"{SVG}g/{SVG}text")][:2] == [name, name]
