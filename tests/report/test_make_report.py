"""`make report` in a generated project, as its README tells a user to run it: the Makefile audits
the project, builds report.html from the audit and the last eval (with its history), and hands
the page to the browser. The venv is this test session's own (the harness under test, with its
report extra), given to the Makefile as VENV; the browser is a script that records its argument.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

from tests.report.conftest import Reports
from tests.templates.support import REPO, generate


def _make_report(project: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    venv = Path(sys.prefix)
    assert (venv / "bin" / "harness").is_file(), "the tests run in a venv with the harness"
    seen = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{seen}"\n')
    browser.chmod(0o755)
    env = {**os.environ, "BROWSER": f"{browser} %s"}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        ["make", "--no-print-directory", "report", f"VENV={venv}"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result, seen


def test_make_report_builds_and_opens_the_page(reports: Reports, tmp_path: Path) -> None:
    project = generate("agent-workflow", tmp_path / "project")
    cache = project / ".harness-cache" / "eval"
    cache.mkdir(parents=True)
    shutil.copy2(reports.eval, cache / "report.json")
    shutil.copy2(reports.history, cache / "history.jsonl")
    result, seen = _make_report(project, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    venv_bin = Path(sys.prefix) / "bin"
    assert (
        f"{venv_bin}/harness report --audit audit.json --eval .harness-cache/eval/report.json "
        "--history .harness-cache/eval/history.jsonl -o report.html --open\n"
    ) in result.stdout
    page = project / "report.html"
    assert seen.read_text() == page.resolve().as_uri()
    html = page.read_text()
    assert 'id="audit"' in html and 'id="eval"' in html and 'id="trend"' in html
    # The audit is of this project (its folder names the page), made by the Makefile just now.
    assert (project / "audit.json").is_file()
    assert "<title>project — evidence</title>" in html


def test_make_report_before_any_eval_shows_the_audit(tmp_path: Path) -> None:
    project = generate("agent-workflow", tmp_path / "project")
    result, seen = _make_report(project, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no eval report yet: run make eval for the eval sections\n" in result.stdout
    html = (project / "report.html").read_text()
    assert 'id="audit"' in html and 'id="eval"' not in html
    assert seen.read_text() == (project / "report.html").resolve().as_uri()


def test_each_template_shows_a_screenshot_of_its_own_page() -> None:
    """docs/report.png (1280 px) and docs/report-390.png (390 px): the page built from the
    generated project's own reports, shot in headless Chromium by
    scripts/template_report_shots.py; the README's evidence section shows the wide one and
    links the narrow one."""
    partial = (REPO / "templates/_shared/partials/evidence.md").read_text()
    assert "](docs/report.png)" in partial
    assert "[docs/report-390.png](docs/report-390.png)" in partial
    for kind in ("rag-qa", "agent-workflow", "production-app"):
        docs = REPO / "templates" / kind / "template" / "docs"
        for name, size in (("report.png", (1280, 1400)), ("report-390.png", (390, 1400))):
            png = (docs / name).read_bytes()
            assert png[:8] == b"\x89PNG\r\n\x1a\n", (kind, name)
            assert struct.unpack(">II", png[16:24]) == size, (kind, name)
        readme = (REPO / "templates" / kind / "template").glob("README.md*")
        assert any("_partials/evidence.md" in p.read_text() for p in readme), kind
