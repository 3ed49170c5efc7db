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


# --- the job summary: this run's eval against main's last run -----------------------------


def _main_history(path: Path) -> Path:
    older = {"schema_version": "1", "kind": "harness-eval-history", "commit": "b" * 40,
             "generated_at": "2026-10-29T12:00:00Z", "n": 100, "baseline": True,
             "metrics": {"hit@5": {"mean": 0.5, "coverage": 1.0}},
             "latency_ms": {"p50": 9.0, "p95": 30.0}, "cost_per_query_usd": 0.00005}  # fmt: skip
    last = {**older, "commit": "a" * 40, "generated_at": "2026-10-30T12:00:00Z",
            "baseline": False,
            "metrics": {"hit@5": {"mean": 0.66, "coverage": 1.0},
                        "faithfulness": {"mean": 0.7, "coverage": 0.5}},
            "latency_ms": {"p50": 15.0, "p95": 40.0}, "cost_per_query_usd": 0.00004}  # fmt: skip
    path.write_text(json.dumps(older) + "\n" + json.dumps(last) + "\n")
    return path


def _this_run(reports: Reports, path: Path) -> Path:
    """The real eval report, its headline figures set to round numbers the table can show."""
    data = json.loads(reports.eval.read_text())
    data["commit"] = "c" * 40
    data["generated_at"] = "2026-11-01T00:00:00Z"
    data["metrics"] = {name: data["metrics"][name] for name in ("hit@5", "mrr")}
    data["metrics"]["hit@5"].update(mean=0.98, coverage=1.0)
    data["metrics"]["mrr"].update(mean=0.98, coverage=0.99)
    data["latency_ms"].update(p50=12.0, p95=40.0)
    data["cost"]["per_query_usd"] = 0.000036
    path.write_text(json.dumps(data))
    return path


def test_summary_lists_deltas_against_mains_last_run(reports: Reports, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = harness(
        "report",
        "--eval",
        str(_this_run(reports, tmp_path / "eval.json")),
        "--against",
        str(_main_history(tmp_path / "main.jsonl")),
        "--summary-md",
        str(summary),
        "-o",
        str(tmp_path / "site" / "index.html"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        rf"wrote .*index\.html \(\d+ KiB\)\nwrote {re.escape(str(summary))}\n", result.stdout
    )
    assert summary.read_text() == (
        "### Eval against `main`\n"
        "\n"
        "`main`'s last run: `aaaaaaaaaaaa`, 2026-10-30T12:00:00Z. "
        "This run: `cccccccccccc`, 2026-11-01T00:00:00Z.\n"
        "\n"
        "| | `main` | this run | Δ |\n"
        "|---|---:|---:|---:|\n"
        "| hit@5 mean | 0.660 | 0.980 | +0.320 |\n"
        "| hit@5 coverage | 100.0 % | 100.0 % | ±0 |\n"
        "| mrr mean | — | 0.980 | — |\n"
        "| mrr coverage | — | 99.0 % | — |\n"
        "| faithfulness mean | 0.700 | — | — |\n"
        "| faithfulness coverage | 50.0 % | — | — |\n"
        "| latency p50 | 15.0 ms | 12.0 ms | \u22123.0 ms |\n"
        "| latency p95 | 40.0 ms | 40.0 ms | ±0 |\n"
        "| cost per query | $0.000040 | $0.000036 | \u2212$0.000004 |\n"
    )


def test_summary_of_a_first_run_says_there_is_nothing_to_compare(
    reports: Reports, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    result = harness(
        "report",
        "--eval",
        str(_this_run(reports, tmp_path / "eval.json")),
        "--summary-md",
        str(summary),
        "-o",
        str(tmp_path / "r.html"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = summary.read_text().splitlines()
    assert lines[:6] == [
        "### Eval against `main`",
        "",
        "No run of `main` to compare with yet: this run starts the history.",
        "",
        "| | `main` | this run | Δ |",
        "|---|---:|---:|---:|",
    ]
    assert lines[6] == "| hit@5 mean | — | 0.980 | — |"
    assert lines[-1] == "| cost per query | — | $0.000036 | — |"


def test_summary_counts_unreadable_lines_of_mains_history(reports: Reports, tmp_path: Path) -> None:
    main = _main_history(tmp_path / "main.jsonl")
    main.write_text(main.read_text() + "{cut mid-li\n")
    summary = tmp_path / "summary.md"
    result = harness("report", "--eval", str(reports.eval), "--against", str(main),
                     "--summary-md", str(summary), "-o", str(tmp_path / "r.html"),
                     cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = summary.read_text()
    assert "`main`'s last run: `aaaaaaaaaaaa`" in text  # the last readable run
    assert text.endswith("\n\n1 unreadable line(s) of `main`'s history skipped.\n")


def test_summary_options_misused_are_usage_errors(reports: Reports, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    cases = [
        (["--audit", str(reports.audit), "--summary-md", "s.md"],
         "error: --summary-md compares eval runs — pass --eval eval.json too\n"),
        (["--eval", str(reports.eval), "--against", str(reports.history)],
         "error: --against is only read for the summary — pass --summary-md FILE too\n"),
        (["--eval", str(reports.eval), "--summary-md", "s.md", "--against", "gone.jsonl"],
         "error: gone.jsonl does not exist — run `harness eval` once; it appends to the history\n"),
    ]  # fmt: skip
    for args, stderr in cases:
        result = harness("report", *args, "-o", str(out), cwd=tmp_path)
        assert (result.returncode, result.stderr) == (2, stderr)
        assert not out.exists() and not (tmp_path / "s.md").exists()
