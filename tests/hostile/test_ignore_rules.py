"""Ignore rules: git's semantics (checked against git itself where it is installed) in linear
time, so no rule and no number of rules can hang the audit (case 3)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.audit.ignore import IgnoreRules
from tests.hostile.conftest import harness_run

RULES = [
    "*.log",
    "!keep.log",
    "/root-only.txt",
    "build/",
    "docs/**/draft.md",
    "**/cache",
    "a/**",
    "x?z.py",
    "[abc]at.txt",
    "[!d]og.txt",
    "sp\\ ace ",
    "trail   ",
    "\\#hash",
    "\\!bang",
    "lib/*.so",
    "*a*a*a*a*a*a*a*b",
    "bad\\",
    "[[:digit:]]num",
    "foo/**/bar/",
]
PATHS = [
    ("x.log", False),
    ("keep.log", False),
    ("sub/keep.log", False),
    ("root-only.txt", False),
    ("sub/root-only.txt", False),
    ("build", True),
    ("other/build", False),
    ("src/build", True),
    ("docs/draft.md", False),
    ("docs/a/b/draft.md", False),
    ("cache", True),
    ("deep/er/cache", False),
    ("a/x", False),
    ("a", True),
    ("xyz.py", False),
    ("x/z.py", False),
    ("cat.txt", False),
    ("dat.txt", False),
    ("dog.txt", False),
    ("fog.txt", False),
    ("sp ace", False),
    ("trail", False),
    ("#hash", False),
    ("!bang", False),
    ("lib/x.so", False),
    ("lib/sub/x.so", False),
    ("aaaaaaaab", False),
    ("a" * 40, False),
    ("bad", False),
    ("bad\\", False),
    ("7num", False),
    ("xnum", False),
    ("foo/bar", True),
    ("foo/q/r/bar", True),
    ("foo/z/bar", False),
]
IGNORED = {
    "x.log",
    "root-only.txt",
    "build/d",
    "src/build/d",
    "docs/draft.md",
    "docs/a/b/draft.md",
    "cache/d",
    "deep/er/cache",
    "a/x",
    "a/d",
    "xyz.py",
    "cat.txt",
    "fog.txt",
    "sp ace",
    "trail",
    "#hash",
    "!bang",
    "lib/x.so",
    "aaaaaaaab",
    "7num",
    "foo/bar/d",
    "foo/q/r/bar/d",
}


def _ours() -> dict[str, bool]:
    rules = IgnoreRules.from_lines(RULES)
    keys = [f"{path}/d" if is_dir else path for path, is_dir in PATHS]
    return {key: rules.covers(key) for key in keys}


def test_rules_follow_gitignore_semantics() -> None:
    ours = _ours()
    assert {key for key, hit in ours.items() if hit} == IGNORED


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_rules_agree_with_git_check_ignore(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("\n".join(RULES) + "\n")
    for path, is_dir in PATHS:
        target = tmp_path / path
        if is_dir:
            target.mkdir(parents=True, exist_ok=True)
            (target / "d").write_text("")
        elif not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("")
    queries = [f"{p}/d" if d else p for p, d in PATHS]
    found = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin", "-z"],
        cwd=tmp_path,
        input="\0".join(queries) + "\0",
        capture_output=True,
        text=True,
    )
    by_git = {q for q in found.stdout.split("\0") if q}
    ours = _ours()
    assert {key for key, hit in ours.items() if hit} == by_git


def test_a_backtracking_pattern_does_not_hang_the_audit(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / ".gitignore").write_text("*a" * 25 + "*b\n")
    (root / ("a" * 40)).write_text("x\n")
    (root / "README.md").write_text("# p\n")
    result = harness_run("audit", str(root), "--format", "json", cwd=tmp_path, timeout=60)
    report = json.loads(result.stdout)
    assert report["files"]["indexed"] >= 2 if "files" in report else True
    assert "Traceback" not in result.stderr


def test_a_400000_line_gitignore_is_matched_quickly(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "src").mkdir(parents=True)
    lines = []
    for i in range(400_000):
        lines.append([f"file{i}.tmp", f"*.ext{i}", f"/dir{i}/", f"!keep{i}"][i % 4])
    (root / ".gitignore").write_text("\n".join(lines) + "\nsrc/*.gen\n")
    for i in range(200):
        (root / "src" / f"m{i}.py").write_text("x = 1\n")
    (root / "src" / "file8.tmp").write_text("")
    (root / "src" / "x.gen").write_text("")
    (root / "README.md").write_text("# p\n")
    result = harness_run("audit", str(root), "--format", "json", cwd=tmp_path, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    json.loads(result.stdout)


def test_a_line_ending_in_a_backslash_is_ignored_like_git_does(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / ".gitignore").write_text("foo\\\n*.tmp\n")
    (root / "README.md").write_text("# p\n")
    result = harness_run("audit", str(root), "--format", "json", cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    json.loads(result.stdout)
