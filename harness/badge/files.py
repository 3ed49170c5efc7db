"""The files a badge run writes, planned in memory first so `--check` can compare them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import safeio
from harness.badge.endpoint import (
    MANIFEST_KIND,
    MANIFEST_NAME,
    endpoint_json,
    manifest_entry,
    manifest_json,
)
from harness.badge.model import Badge
from harness.badge.svg import render_svg
from harness.errors import BadgeInputError, UnsafeWriteError

MAX_MANIFEST_BYTES = 16 * 1024 * 1024

SOURCE_ORDER = ("audit", "eval")


@dataclass
class Plan:
    """Paths to the bytes they should hold, and paths to remove."""

    writes: dict[Path, bytes] = field(default_factory=dict)
    removals: list[Path] = field(default_factory=list)

    def changed(self) -> list[Path]:
        stale = [path for path in self.removals if path.exists()]
        return [path for path, data in self.writes.items() if _differs(path, data)] + stale

    def apply(self, changed: list[Path]) -> None:
        """Write or remove the `changed` paths (as `changed()` found them). Every target is
        checked first, so a README that cannot be written is found before any badge is."""
        for path in changed:
            if path in self.writes:
                safeio.check_writable_target(path)
                _check_access(path)
        for path in changed:
            if path in self.writes:
                safeio.write_bytes(path, self.writes[path])
            else:
                try:
                    path.unlink()
                except OSError as exc:
                    raise UnsafeWriteError(
                        f"cannot remove {path}: {exc.strerror}", "remove it by hand"
                    ) from None


def _check_access(path: Path) -> None:
    probe = path if path.exists() else next(p for p in path.parents if p.exists())
    if not os.access(probe, os.W_OK):
        raise UnsafeWriteError(f"cannot write {path}: permission denied", "check its permissions")


def _differs(path: Path, data: bytes) -> bool:
    try:
        return safeio.read_bytes(path, limit=len(data)) != data
    except FileNotFoundError:
        return True
    except OSError:
        # Too large, unreadable or not a regular file: it differs; writing it says why not.
        return True


def read_manifest(out: Path) -> list[dict[str, Any]]:
    """Entries of an earlier run's manifest in `out`, or none when there is no manifest."""
    path = out / MANIFEST_NAME
    try:
        data = safeio.loads_json(safeio.read_text(path, limit=MAX_MANIFEST_BYTES))
    except (FileNotFoundError, NotADirectoryError):
        return []  # no earlier run (an --out that is not a folder is refused when writing)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BadgeInputError(
            f"{path} is not a badge manifest ({exc})", f"delete {path} and run harness badge again"
        ) from exc
    entries = data.get("badges") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or data.get("kind") != MANIFEST_KIND
        or not isinstance(entries, list)
    ):
        raise BadgeInputError(
            f"{path} is not a harness badge manifest", f"delete {path} and run harness badge again"
        )
    return [entry for entry in entries if isinstance(entry, dict) and _plain(entry.get("svg"))]


def _plain(name: object) -> bool:
    """A bare file name of the badge folder: never "..", ".", a path or an empty string."""
    return isinstance(name, str) and name == Path(name).name and name not in ("", ".", "..")


def plan_badges(
    out: Path, badges: list[Badge], previous: list[dict[str, Any]]
) -> tuple[Plan, list[dict[str, Any]]]:
    """Files for `badges`, keeping earlier badges of sources not regenerated in this run."""
    plan = Plan()
    fresh: list[dict[str, Any]] = []
    for badge in badges:
        svg_name, endpoint_name = f"{badge.id}.svg", f"{badge.id}.json"
        plan.writes[out / svg_name] = render_svg(badge).encode("utf-8", "backslashreplace")
        plan.writes[out / endpoint_name] = endpoint_json(badge).encode("utf-8", "backslashreplace")
        fresh.append(manifest_entry(badge, svg_name, endpoint_name))
    redone = {badge.source.kind for badge in badges}
    kept = [entry for entry in previous if entry.get("source") not in redone]
    current = {entry["svg"] for entry in fresh}
    for entry in previous:
        # A metric dropped from a regenerated source must not linger beside the fresh badges.
        if entry.get("source") in redone and entry["svg"] not in current:
            plan.removals.extend(_entry_files(out, entry))
    entries = sorted(kept + fresh, key=_source_rank)
    plan.writes[out / MANIFEST_NAME] = manifest_json(entries).encode("utf-8", "backslashreplace")
    return plan, entries


def _entry_files(out: Path, entry: dict[str, Any]) -> list[Path]:
    # Only bare file names from our own manifest: never follow a path out of the badge folder.
    names = [entry.get("svg"), entry.get("endpoint")]
    return [out / name for name in names if isinstance(name, str) and _plain(name)]


def _source_rank(entry: dict[str, Any]) -> int:
    source = entry.get("source")
    return SOURCE_ORDER.index(source) if source in SOURCE_ORDER else len(SOURCE_ORDER)
