"""portfolio-harness: generate, audit, evaluate and badge AI portfolio projects."""

from importlib.metadata import PackageNotFoundError, version

try:
    # Set at build time from the git tag (hatch-vcs); a source tree that was never installed has
    # no metadata and reports itself as unreleased.
    __version__ = version("portfolio-harness")
except PackageNotFoundError:  # pragma: no cover - only a bare source tree
    __version__ = "0.1.0.dev0"
