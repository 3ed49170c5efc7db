"""`harness report` as a user runs it: real audit/eval JSON in, one self-contained page out."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tests.report.conftest import Reports, harness

MAX_PAGE_BYTES = 1_500_000


def _page(reports: Reports, tmp_path: Path, *extra: str) -> str:
    out = tmp_path / "report.html"
    result = harness(
        "report",
        "--audit",
        str(reports.audit),
        "--eval",
        str(reports.eval),
        "--history",
        str(reports.history),
        "--load",
        str(reports.load),
        "-o",
        str(out),
        *extra,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"wrote .*report\.html \(\d+ KiB\)\n", result.stdout)
    return out.read_text(encoding="utf-8")


def test_history_has_one_line_per_eval_run_with_the_baseline_marked(reports: Reports) -> None:
    lines = [json.loads(line) for line in reports.history.read_text().splitlines()]
    assert [line["baseline"] for line in lines] == [True, False, False]
    assert {line["kind"] for line in lines} == {"harness-eval-history"}
    hit = [line["metrics"]["hit@5"]["mean"] for line in lines]
    assert hit[0] > hit[2] > hit[1]  # baseline, regression on 34 samples, partial recovery
    assert all(line["n"] == 100 for line in lines)


def test_page_is_self_contained_and_small(reports: Reports, tmp_path: Path) -> None:
    html = _page(reports, tmp_path)
    assert len(html.encode("utf-8")) < MAX_PAGE_BYTES
    # Nothing is fetched at view time: no external scripts, styles, fonts or images.
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=\"https?:", html)
    assert "@import" not in html and "url(http" not in html
    assert "@font-face" not in html


def test_page_shows_failing_checks_first_with_rationale_and_fix(
    reports: Reports, tmp_path: Path
) -> None:
    html = _page(reports, tmp_path)
    attention = html[html.index("Needs attention") : html.index("All ")]
    assert 'id="check-dockerfile-non-root"' in attention
    assert "Why it matters:" in attention and "Fix:" in attention
    audit = json.loads(reports.audit.read_text())
    failing = next(c for c in audit["checks"] if c["id"] == "dockerfile-non-root")
    first = failing["evidence"][0]
    where = f"{first['path']}:{first['line']}" if first["line"] else first["path"]
    assert f"<li><code>{where}</code>" in attention  # evidence, unlinked without a repo URL


def test_evidence_links_to_file_and_line_on_the_host(reports: Reports, tmp_path: Path) -> None:
    html = _page(reports, tmp_path, "--repo-url", "https://github.com/someone/proj")
    audit = json.loads(reports.audit.read_text())
    failing = next(c for c in audit["checks"] if c["id"] == "dockerfile-non-root")
    evidence = failing["evidence"][0]
    ref = audit["commit"] or "HEAD"
    expected = f"https://github.com/someone/proj/blob/{ref}/{evidence['path']}"
    if evidence["line"]:
        expected += f"#L{evidence['line']}"
    assert f'href="{expected}"' in html


def test_eval_metrics_show_mean_interval_and_coverage(reports: Reports, tmp_path: Path) -> None:
    html = _page(reports, tmp_path)
    data = json.loads(reports.eval.read_text())
    for name, metric in data["metrics"].items():
        assert f"<h3>{name}</h3>" in html
        if metric["ci95"]:
            lo, hi = metric["ci95"]
            assert f"95 % CI {lo:,.3f}\u2013{hi:,.3f}" in html
        assert f"({metric['measured']}/{metric['n']})" in html
    # One row per sample, worst first.
    body = html[html.index('id="samples-table"') :]
    body = body[: body.index("</table>")]
    assert body.count("<tr>") == 1 + len(data["samples"])
    first_two = re.findall(r"<tr>\s*<td><code>(q\d+)</code>", body)[:2]
    assert sorted(first_two) == ["q001", "q002"]  # the two the last run answered wrongly


def test_page_sections_follow_the_inputs_given(reports: Reports, tmp_path: Path) -> None:
    out = tmp_path / "audit-only.html"
    result = harness("report", "--audit", str(reports.audit), "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    assert 'id="audit"' in html
    assert 'id="eval"' not in html and 'id="trend"' not in html and 'id="load"' not in html


def test_nothing_to_report_is_a_usage_error(tmp_path: Path) -> None:
    result = harness("report", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "error: nothing to report on — pass --audit audit.json and/or --eval eval.json\n"
    )


def test_swapped_inputs_get_one_line(reports: Reports, tmp_path: Path) -> None:
    result = harness("report", "--audit", str(reports.eval), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {reports.eval} is not a harness-audit report (kind is 'harness-eval') — "
        "pass the file written by `harness audit PATH --format json:audit.json`\n"
    )


def test_broken_history_lines_are_skipped_and_counted(reports: Reports, tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    history.write_text(reports.history.read_text() + '{"kind": "harness-eval-hist\n[1, 2]\n')
    out = tmp_path / "r.html"
    result = harness(
        "report",
        "--eval",
        str(reports.eval),
        "--history",
        str(history),
        "-o",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "2 unreadable history line(s) skipped." in out.read_text()


def test_output_over_a_symlink_is_refused(reports: Reports, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "report.html"
    link.symlink_to(victim)
    result = harness("report", "--eval", str(reports.eval), "-o", str(link), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: cannot write {link}: it is a symlink (not replaced) — "
        "give the path of a regular file\n"
    )
    assert victim.read_text() == "keep me" and link.is_symlink()


def test_page_mode_follows_the_umask(reports: Reports, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    old = os.umask(0o022)
    try:
        result = harness("report", "--eval", str(reports.eval), "-o", str(out), cwd=tmp_path)
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_mode & 0o777 == 0o644


def test_open_hands_the_page_to_the_browser(reports: Reports, tmp_path: Path) -> None:
    seen = tmp_path / "opened.txt"
    opener = tmp_path / "opener.sh"
    opener.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{seen}"\n')
    opener.chmod(0o755)
    out = tmp_path / "r.html"
    result = harness(
        "report",
        "--eval",
        str(reports.eval),
        "-o",
        str(out),
        "--open",
        cwd=tmp_path,
        env={"BROWSER": f"{opener} %s"},
    )
    assert result.returncode == 0, result.stderr
    assert seen.read_text() == out.resolve().as_uri()
