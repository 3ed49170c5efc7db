"""Regenerate each template's docs/report.png (1280 px) and docs/report-390.png (390 px): the
evidence page of a project freshly generated from the template, built from its own reports.

For each template: a venv gets the project's dev requirements and this checkout's harness, whose
`harness new` generates the project from its packaged templates, as a user starts one (then a git
repository, as a user's would be); `make eval` runs twice (the trend needs a history) and
`make report` audits the project and writes report.html, offline and without keys.
Headless Chromium (the one the page tests use) then shoots the page in light mode; a console
error or a page wider than the viewport stops the script.

    python scripts/template_report_shots.py [--template rag-qa] [--work DIR]

--work keeps the projects and venvs in DIR; a later run reuses the venvs there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.report.browser import available, open_page, overflow, start  # noqa: E402
from tests.templates.support import build_venv, commit_all, git  # noqa: E402

KINDS = ("rag-qa", "agent-workflow", "production-app")
SHOTS = {1280: "report.png", 390: "report-390.png"}
# Names that would reach a real provider or a CI summary; the page must show an offline run.
UNSET = ("VIRTUAL_ENV", "GITHUB_STEP_SUMMARY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
         "LLM_API_KEY", "LLM_BASE_URL", "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY")  # fmt: skip
OFFLINE = {"LLM_PROVIDER": "offline", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "RAGAS_DO_NOT_TRACK": "true"}  # fmt: skip


def project_venv(kind: str, work: Path) -> Path:
    venv = work / kind / "venv"
    if not (venv / "bin" / "harness").is_file():
        build_venv(venv, kind, torch=kind == "rag-qa", extra=[f"{REPO}[eval,report]"])
    else:  # a reused venv: this checkout's harness, whatever it held before
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "--no-deps", "--force-reinstall", str(REPO)], check=True)
    return venv


def run(cmd: list[str], project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in UNSET} | OFFLINE
    cwd = project if project.is_dir() else project.parent
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{project.name}: {' '.join(cmd)} failed\n{done.stdout}{done.stderr}")


def page_of(kind: str, work: Path) -> Path:
    """report.html of a fresh project generated from `kind`, after two evals."""
    venv = project_venv(kind, work)
    project = work / kind / kind  # the folder names the page: "<kind> — evidence"
    shutil.rmtree(project, ignore_errors=True)
    # The packaged templates, not this checkout's folder: the audit's provenance then measures
    # the project against them, where a folder source would only put its path on the page.
    run([str(venv / "bin" / "harness"), "new", kind, str(project)], project)
    git(project, "init", "-q", "-b", "main")
    commit_all(project, "Generated from the template")
    for target in ("eval", "eval", "report"):
        run(["make", "--no-print-directory", target, f"VENV={venv}", "REPORT_OPEN="], project)
    page = project / "report.html"
    shown = page.read_text(encoding="utf-8")
    for local in (work, REPO):  # the screenshots are committed: no path of this machine in them
        if str(local) in shown:
            raise SystemExit(f"{page} shows the local path {local}")
    return page


def shoot(page: Path, docs: Path, browser: Any) -> None:
    for width, name in SHOTS.items():
        open_page(browser, page, width)
        severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        if severe:
            raise SystemExit(f"{page}: console errors at {width} px: {severe}")
        if overflow(browser) > 0:
            raise SystemExit(f"{page}: wider than the viewport at {width} px")
        browser.save_screenshot(str(docs / name))
        print(docs.relative_to(REPO) / name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", action="append", choices=KINDS, help="repeatable")
    parser.add_argument("--work", type=Path, help="keep projects and venvs here")
    args = parser.parse_args(argv)
    if not available():
        raise SystemExit("needs Chromium and chromedriver (CHROME_BIN, CHROMEDRIVER)")
    work = args.work or Path(tempfile.mkdtemp(prefix="report-shots-"))
    work.mkdir(parents=True, exist_ok=True)
    pages = {kind: page_of(kind, work.resolve()) for kind in args.template or KINDS}
    browser = start(work / "profile")
    try:
        for kind, page in pages.items():
            shoot(page, REPO / "templates" / kind / "template" / "docs", browser)
    finally:
        browser.quit()
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
