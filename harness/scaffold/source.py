"""Where the templates come from.

A git checkout of this repository is the best source: Copier records `_src_path` and `_commit`,
so `copier update` can later diff the template between two commits. A pip-installed harness
carries the same `copier.yml` + `templates/` inside the wheel; projects made from it get
everything but updates (there is no history to diff against).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from harness.errors import TemplateSourceError

KINDS = ("rag-qa", "agent-workflow", "production-app")
SOURCE_ENV = "HARNESS_TEMPLATE_SOURCE"


@dataclass(frozen=True)
class TemplateSource:
    location: str  # a local path (absolute) or a git URL
    versioned: bool  # Copier can record a commit, so `copier update` works
    packaged: bool = False  # the copy inside the installed wheel

    def describe(self) -> str:
        kind = "git repository" if self.versioned else "packaged templates (no history)"
        return f"{self.location} ({kind})"


def _checkout_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _packaged_root() -> Path:
    return Path(str(resources.files("harness"))) / "_data" / "templates-root"


def resolve_source(explicit: str | None = None) -> TemplateSource:
    """--source, then $HARNESS_TEMPLATE_SOURCE, then this checkout, then the packaged copy."""
    chosen = explicit or os.environ.get(SOURCE_ENV)
    if chosen:
        return _from_user(chosen)
    checkout = _checkout_root()
    if (checkout / "copier.yml").is_file() and (checkout / ".git").exists():
        return TemplateSource(str(checkout), versioned=True)
    packaged = _packaged_root()
    if (packaged / "copier.yml").is_file():
        return TemplateSource(str(packaged), versioned=False, packaged=True)
    raise TemplateSourceError(
        "no template source found",
        f"pass --source <git URL or clone of portfolio-harness> or set {SOURCE_ENV}",
    )


def _from_user(chosen: str) -> TemplateSource:
    if "://" in chosen or chosen.startswith(("gh:", "gl:", "git@")):
        return TemplateSource(chosen, versioned=True)
    path = Path(chosen).expanduser()
    if not (path / "copier.yml").is_file():
        raise TemplateSourceError(
            f"{chosen}: no copier.yml there",
            "point --source at the root of a portfolio-harness clone",
        )
    # Copier's `update` breaks on a relative source path: always record an absolute one.
    return TemplateSource(str(path.resolve()), versioned=(path / ".git").exists())


HARNESS_DIST = "portfolio-harness"
_PINNED = re.compile(r"==\s*(?P<version>[^\s;,]+)")


def packaged_requirement(version: str) -> str:
    """What a project generated from the wheel's templates installs: that wheel's version."""
    return f"{HARNESS_DIST}[eval]=={version}"


def ci_install_problem(requirement: str) -> str | None:
    """Why a CI runner could not install `requirement` (a harness_requirement answer), or None.

    A runner reaches package indexes and public git hosts, never this machine's paths, and an
    index holds only released versions (no dev builds, no local `+label`s).
    """
    from packaging.version import InvalidVersion, Version

    name, at, url = requirement.partition("@")
    if at:
        target = url.strip().removeprefix("git+")
        if target.startswith("file:"):
            return "it is a path on this machine"
        return None
    pinned = _PINNED.search(name)
    if pinned is None:
        return None
    try:
        version = Version(pinned.group("version"))
    except InvalidVersion:
        return f"{pinned.group('version')} is not a version"
    if version.is_devrelease or version.local:
        return f"{version} is an unreleased version, on no package index"
    return None
