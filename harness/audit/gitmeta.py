"""Git metadata read straight from `.git` files: the HEAD commit and the index's tracked paths.

Reading the files (instead of running git) keeps the audit free of subprocesses and works where
git is not installed.
"""

from __future__ import annotations

import struct
from pathlib import Path

_ENTRY_FIXED = 62  # ctime..flags of an index entry, in bytes
_MAX_INDEX_BYTES = 64 * 1024 * 1024


def head_commit(root: Path) -> str | None:
    git_dir = root / ".git"
    if not git_dir.is_dir():
        return None
    try:
        head = (git_dir / "HEAD").read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not head.startswith("ref: "):
        return head if _is_sha(head) else None
    ref = head[5:]
    try:
        sha = (git_dir / ref).read_text(encoding="ascii").strip()
        return sha if _is_sha(sha) else None
    except (OSError, UnicodeDecodeError):
        return _packed_ref(git_dir, ref)


def _packed_ref(git_dir: Path, ref: str) -> str | None:
    try:
        lines = (git_dir / "packed-refs").read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[1] == ref and _is_sha(parts[0]):
            return parts[0]
    return None


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def tracked_paths(root: Path) -> frozenset[str] | None:
    """Paths recorded in `.git/index` (versions 2-4), or None when there is none to read."""
    index = root / ".git" / "index"
    try:
        if not index.is_file() or index.stat().st_size > _MAX_INDEX_BYTES:
            return None
        data = index.read_bytes()
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
