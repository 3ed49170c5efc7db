"""Write the page: a regular file only (never over a device, FIFO or symlink), atomically,
with the user's umask."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from harness.errors import OutputError


def write_page(path: Path, html: str) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}", "choose another -o path") from exc
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(f"{path} exists and is not a regular file", "choose another -o path")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{parent} is not a directory", "create it first or choose another -o")
    umask = os.umask(0)
    os.umask(umask)
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}", "choose another -o path") from exc
