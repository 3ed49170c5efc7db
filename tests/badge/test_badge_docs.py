"""The documented example stays what the renderer draws, and the docs quote real pins only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "badges"


def test_rendered_example_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    args = ["badge", "--audit", "tests/badge/audit.json", "--eval", "tests/badge/eval.json"]

    result = CliRunner().invoke(main, [*args, "--out", "docs/badges/example", "--check"])

    assert result.exit_code == 0, (
        f"re-render with: harness {' '.join(args)} --out docs/badges/example"
    )
    assert result.stdout.endswith("badges up to date\n")


def test_readme_section_images_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.svg)\)", text)

    assert images, "the section shows the rendered example"
    for image in images:
        assert (ROOT / image).is_file(), image


_USES = re.compile(r"^\s*(?:- )?uses:\s*(.+)$", re.MULTILINE)


def _uses(path: Path) -> set[str]:
    return {ref.strip() for ref in _USES.findall(path.read_text(encoding="utf-8"))}


def test_docs_quote_only_pins_that_the_action_or_snippet_use() -> None:
    pinned = _uses(ROOT / "action.yml") | _uses(DOCS / "ci-snippet.yml")
    quoted = _uses(ROOT / "README.md")

    assert len(quoted) == 4
    assert quoted <= pinned
