"""Write the page through the one safe-write layer: a regular file only (never over a device,
FIFO or symlink), atomically, with the user's umask."""

from __future__ import annotations

from pathlib import Path

from harness import safeio


def write_page(path: Path, html: str) -> None:
    safeio.write_text(path, html)
