"""Print the CHANGELOG.md section of a release: the GitHub release notes of a tag.

    python .github/scripts/release_notes.py v0.1.0 > release-notes.md

Exits 1 with one line on stderr when the changelog has no section for that version (or an
empty one), so a tag nobody wrote notes for is stopped before anything is published.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

CHANGELOG = Path(__file__).resolve().parents[2] / "CHANGELOG.md"
HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\]", re.MULTILINE)


def section(text: str, version: str) -> str | None:
    """The body under `## [version]`, up to the next `## ` heading, stripped."""
    headings = list(HEADING.finditer(text))
    for number, heading in enumerate(headings):
        if heading.group("version") != version:
            continue
        end = headings[number + 1].start() if number + 1 < len(headings) else len(text)
        body = text[heading.end() : end].split("\n", 1)[-1]
        body = re.split(r"^\[[^\]]+\]: ", body, flags=re.MULTILINE)[0]  # link references
        return body.strip() or None
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: release_notes.py TAG (e.g. v0.1.0)", file=sys.stderr)
        return 2
    version = argv[0].removeprefix("v")
    notes = section(CHANGELOG.read_text(encoding="utf-8"), version)
    if notes is None:
        print(
            f"CHANGELOG.md has no notes for {version}: add a '## [{version}] - YYYY-MM-DD' "
            "section before tagging",
            file=sys.stderr,
        )
        return 1
    print(notes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
