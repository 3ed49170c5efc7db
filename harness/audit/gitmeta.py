"""Git metadata read straight from `.git` files: the HEAD commit and the index's tracked paths.

Reading the files (instead of running git) keeps the audit and eval free of subprocesses and
works where git is not installed. This is the one reader of git metadata: everything goes through
the safe-read layer (regular files only, non-blocking, size-capped), a ref must be a well-formed
name under `refs/`, and only a 40- or 64-hex object id ever comes out, so a hostile `.git` can
neither block the harness nor smuggle a file's content into a report.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from harness import safeio

_ENTRY_FIXED = 62  # ctime..flags of an index entry, in bytes
_MAX_INDEX_BYTES = 64 * 1024 * 1024
_MAX_SMALL_BYTES = 4096  # HEAD, a loose ref, a `.git` file, commondir
_MAX_PACKED_REFS_BYTES = 16 * 1024 * 1024
# git check-ref-format, the parts that matter here: no "..", no control characters or
# special characters, no component starting with "." or ending with ".lock".
_REF = re.compile(r"refs/(?:[A-Za-z0-9_+@-][A-Za-z0-9._+@-]*/)*[A-Za-z0-9_+@-][A-Za-z0-9._+@-]*")
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def git_dir(root: Path) -> Path | None:
    """The repository's git directory: `root/.git`, or where a `.git` file's `gitdir:` points
    when that is a real git directory (a worktree's or a submodule's lives under another
    repository's `.git`). Anything else is not followed."""
    dot_git = root / ".git"
    if dot_git.is_symlink() and not safeio.inside(dot_git, root):
        return None
    if dot_git.is_dir():
        return dot_git
    text = _small(dot_git, root=root)
    if text is None or not text.startswith("gitdir:"):
        return None
    pointed = Path(text.split(":", 1)[1].strip())
    try:
        target = (pointed if pointed.is_absolute() else root / pointed).resolve()
    except (OSError, RuntimeError):
        return None
    if not target.is_dir():
        return None
    if target.is_relative_to(root.resolve()) or ".git" in target.parts:
        return target
    return None


def common_dir(gdir: Path) -> Path:
    """Where shared refs live: `commondir` of a worktree, when it is an ancestor of `gdir`."""
    text = _small(gdir / "commondir", root=gdir)
    if not text:
        return gdir
    pointed = Path(text)
    try:
        target = (pointed if pointed.is_absolute() else gdir / pointed).resolve()
    except (OSError, RuntimeError):
        return gdir
    resolved = gdir.resolve()
    return target if resolved.is_relative_to(target) and target.is_dir() else gdir


def head_commit(root: Path) -> str | None:
    """HEAD's object id, or None when it cannot be read safely."""
    gdir = git_dir(root)
    if gdir is None:
        return None
    common = common_dir(gdir)
    head = _small(gdir / "HEAD", root=gdir)
    if head is None:
        return None
    if not head.startswith("ref:"):
        return head if _SHA.fullmatch(head) else None
    ref = head[4:].strip()
    if not _REF.fullmatch(ref) or ref.endswith(".lock") or "/." in ref:
        return None
    for base in dict.fromkeys((gdir, common)):
        sha = _small(base / ref, root=common)
        if sha is not None:
            return sha if _SHA.fullmatch(sha) else None
    return _packed_ref(common, ref)


def _small(path: Path, *, root: Path, limit: int = _MAX_SMALL_BYTES) -> str | None:
    """A small ASCII file inside `root` (after symlinks), stripped; None when unsafe or absent."""
    try:
        return safeio.read_text(path, limit=limit, root=root, encoding="ascii").strip()
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _packed_ref(gdir: Path, ref: str) -> str | None:
    text = _small(gdir / "packed-refs", root=gdir, limit=_MAX_PACKED_REFS_BYTES)
    if text is None:
        return None
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == ref and _SHA.fullmatch(parts[0]):
            return parts[0]
    return None


def is_sha(text: str) -> bool:
    return _SHA.fullmatch(text) is not None


def tracked_paths(root: Path) -> frozenset[str] | None:
    """Paths recorded in `.git/index` (versions 2-4), or None when there is none to read."""
    gdir = git_dir(root)
    if gdir is None:
        return None
    try:
        data = safeio.read_bytes(gdir / "index", limit=_MAX_INDEX_BYTES, root=gdir)
    except OSError:
        return None
    try:
        return frozenset(_parse_index(data))
    except (struct.error, ValueError, IndexError):
        return None


def _parse_index(data: bytes) -> list[str]:
    signature, version, count = struct.unpack(">4sII", data[:12])
    if signature != b"DIRC" or version not in (2, 3, 4):
        raise ValueError("not a git index")
    paths: list[str] = []
    offset = 12
    previous = b""
    for _ in range(count):
        start = offset
        flags = struct.unpack(">H", data[offset + 60 : offset + 62])[0]
        offset += _ENTRY_FIXED
        if version >= 3 and flags & 0x4000:
            offset += 2
        if version == 4:
            strip, offset = _read_varint(data, offset)
            end = data.index(b"\0", offset)
            name = previous[: len(previous) - strip] + data[offset:end]
            offset = end + 1
        else:
            end = data.index(b"\0", offset)
            name = data[offset:end]
            offset = start + ((end - start + 8) // 8) * 8
        previous = name
        paths.append(name.decode("utf-8", errors="replace"))
    return paths


def _read_varint(data: bytes, offset: int) -> tuple[int, int]:
    byte = data[offset]
    value = byte & 0x7F
    offset += 1
    while byte & 0x80:
        byte = data[offset]
        value = ((value + 1) << 7) | (byte & 0x7F)
        offset += 1
    return value, offset
