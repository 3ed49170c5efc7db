"""The parsers the harness owns, each wrapped as `check(data: bytes)`: it returns normally or
raises the one domain error that parser is allowed to raise; anything else is a finding.

Used twice: by `fuzz/run.py` under atheris (coverage-guided), and by the regression test that
replays every kept input in `fuzz/regressions/<target>/` without atheris.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from harness import safeio
from harness.audit import config as audit_config
from harness.audit import gitmeta
from harness.audit.ignore import IgnoreRules
from harness.badge import files as badge_files
from harness.badge import sources
from harness.badge.colors import Thresholds
from harness.badge.endpoint import endpoint_json
from harness.badge.svg import render_svg
from harness.errors import (
    BadgeInputError,
    ConfigError,
    DatasetError,
    EvalConfigError,
)
from harness.eval import config as eval_config
from harness.eval.dataset import load_dataset

_SCRATCH = Path(tempfile.mkdtemp(prefix="harness-fuzz-"))


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="surrogateescape")


def ignore_rules(data: bytes) -> None:
    """Lines of rules, then (after a NUL) paths to match: linear time, never an exception."""
    rules_part, _, paths_part = data.partition(b"\0")
    rules = IgnoreRules.from_lines(_text(rules_part).splitlines())
    for path in _text(paths_part).split("\n")[:20] or ["a"]:
        path = path.strip("/") or "a"
        for is_dir in (False, True):
            verdict = rules.match(path, is_dir)
            assert verdict in (None, True, False)


def git_metadata(data: bytes) -> None:
    """A git index, HEAD and packed-refs built from the input: only an object id or None."""
    root = _SCRATCH / "git"
    git = root / ".git"
    git.mkdir(parents=True, exist_ok=True)
    head, _, rest = data.partition(b"\0")
    packed, _, index = rest.partition(b"\0")
    (git / "HEAD").write_bytes(head[:4096])
    (git / "packed-refs").write_bytes(packed)
    (git / "index").write_bytes(index)
    commit = gitmeta.head_commit(root)
    assert commit is None or gitmeta.is_sha(commit)
    tracked = gitmeta.tracked_paths(root)
    assert tracked is None or all(isinstance(p, str) for p in tracked)
    try:
        gitmeta._parse_index(index)
    except (ValueError, IndexError, OverflowError, MemoryError):
        pass
    except Exception as exc:  # struct.error is the only other one allowed
        if type(exc).__name__ != "error":
            raise


def config_loading(data: bytes) -> None:
    """pyproject.toml / harness.toml for audit and eval, and the TOML/YAML/JSON loaders."""
    root = _SCRATCH / "config"
    root.mkdir(exist_ok=True)
    for stale in ("harness.toml", "pyproject.toml"):
        (root / stale).unlink(missing_ok=True)
    name = "harness.toml" if data[:1] == b"h" else "pyproject.toml"
    (root / name).write_bytes(data)
    with contextlib.suppress(ConfigError):
        audit_config.load_config(root)
    with contextlib.suppress(EvalConfigError):
        eval_config.load_config(root, {})
    text = _text(data)
    for loader in (safeio.loads_toml, safeio.loads_json, safeio.loads_yaml):
        try:
            loader(text)
        except (ValueError, safeio.NestingError):
            pass
        except Exception as exc:
            if not _parser_error(exc):
                raise


def _parser_error(exc: Exception) -> bool:
    import yaml

    return isinstance(exc, yaml.YAMLError)


def dataset_jsonl(data: bytes) -> None:
    path = _SCRATCH / "dataset.jsonl"
    path.write_bytes(data)
    try:
        dataset = load_dataset(path, "dataset.jsonl")
    except DatasetError:
        return
    assert dataset.n >= 1


def badge_inputs(data: bytes) -> None:
    """An eval or audit report and a badge manifest, through to the SVG and endpoint JSON."""
    path = _SCRATCH / "report.json"
    path.write_bytes(data)
    out = _SCRATCH / "badges"
    out.mkdir(exist_ok=True)
    (out / "badges.json").write_bytes(data)
    with contextlib.suppress(BadgeInputError):
        badge_files.read_manifest(out)
    thresholds = Thresholds()
    for kind in ("harness-audit", "harness-eval"):
        try:
            report = sources.load_report(path, kind)
            if kind == "harness-audit":
                badges = [sources.audit_badge(path, report, thresholds)]
            else:
                badges = sources.eval_badges(path, report, (), thresholds, True)
        except BadgeInputError:
            continue
        for badge in badges:
            render_svg(badge)
            endpoint_json(badge)
            assert len(sources.slug(badge.id)) <= sources.MAX_SLUG + 9


TARGETS: dict[str, Callable[[bytes], None]] = {
    "ignore_rules": ignore_rules,
    "git_metadata": git_metadata,
    "config_loading": config_loading,
    "dataset_jsonl": dataset_jsonl,
    "badge_inputs": badge_inputs,
}

os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
