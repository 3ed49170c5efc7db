"""The one safe-read and safe-write layer for everything the harness reads from a repository or a
config, and for every report and cache file it writes.

Reads: regular files only (a FIFO, device or socket is refused without blocking: the open is
non-blocking and the type is checked on the open descriptor), optionally confined to a root after
resolving symlinks, and size-capped on the descriptor so a sparse or growing file cannot exhaust
memory. Parsed TOML, JSON and YAML are refused past a nesting depth, and YAML past an alias
expansion budget, so a hostile document cannot blow the stack or the heap downstream.

Writes: a temporary file beside the target and an atomic rename, but only over a regular file or
nothing: a symlink, device, FIFO or directory at the target is refused, never replaced. New files
get the user's umask; a replaced file keeps its mode.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import yaml

from harness.errors import UnsafeWriteError

MAX_CONFIG_BYTES = 5 * 1024 * 1024
MAX_NESTING = 100
# Aliases may add at most this many nodes to a YAML document once counted as the copies they
# stand for. Real compose files and workflows stay far below; a "billion laughs" document
# exceeds it at once, before anything walks the expanded structure.
MAX_YAML_NODES = 200_000


class UnsafeReadError(OSError):
    """A path that is not read: not a regular file, outside the root, or too large.

    An OSError so every caller that already handles unreadable files handles these too;
    `strerror` carries the reason in words.
    """

    def __init__(self, reason: str, path: Path | str) -> None:
        super().__init__(errno.EPERM, reason, str(path))
        self.reason = reason


class TooLargeError(UnsafeReadError):
    """The file is larger than the cap given to the read."""


class NestingError(ValueError):
    """A parsed document nests deeper than MAX_NESTING, or a YAML one expands past its budget."""


# ----- reads ------------------------------------------------------------------------------


def inside(path: Path, root: Path) -> bool:
    """Whether `path` resolves (symlinks followed) to `root` or below it."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def read_bytes(path: Path, *, limit: int, root: Path | None = None) -> bytes:
    """The file's bytes, or UnsafeReadError / OSError. Never blocks on a FIFO or device."""
    if root is not None and not inside(path, root):
        raise UnsafeReadError("outside the repository (not read)", path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeReadError("not a regular file (not read)", path)
        if info.st_size > limit:
            raise TooLargeError(f"larger than {_size(limit)} (not read)", path)
        # Read one byte past the cap: a file growing while read is refused, not truncated.
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise TooLargeError(f"larger than {_size(limit)} (not read)", path)
        return data
    finally:
        os.close(fd)


def read_text(
    path: Path, *, limit: int = MAX_CONFIG_BYTES, root: Path | None = None, encoding: str = "utf-8"
) -> str:
    """The file as text; UnicodeDecodeError for bad bytes, OSError when it cannot be read."""
    return read_bytes(path, limit=limit, root=root).decode(encoding)


def is_regular_file(path: Path) -> bool:
    """A regular file (after symlinks), checked without opening it."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def is_plain_file(path: Path) -> bool:
    """A regular file that is not a symlink; False for anything else or any error (a name
    past PATH_MAX included), never an exception."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


def _size(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    if limit >= 1024 and limit % 1024 == 0:
        return f"{limit // 1024} KB"
    return f"{limit} bytes"


# ----- parsers with nesting limits ---------------------------------------------------------


def check_nesting(value: Any, limit: int = MAX_NESTING) -> Any:
    """`value` itself, or NestingError when its lists and dicts nest deeper than `limit`.

    Iterative, so checking a hostile value cannot itself overflow the stack. Walked one level at
    a time, containers only: for parser output (json and tomllib never share a container between
    two places) this is several times faster than a stack of (item, depth) pairs on a large
    evaluation file.
    """
    level = [value] if isinstance(value, _CONTAINERS) else []
    depth = 0
    while level:
        if depth >= limit:
            raise NestingError(f"nested deeper than {limit} levels")
        below: list[Any] = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            below.extend([child for child in children if isinstance(child, _CONTAINERS)])
        level = below
        depth += 1
    return value


_CONTAINERS = (dict, list, tuple)


def _too_deep() -> NestingError:
    return NestingError(f"nested deeper than {MAX_NESTING} levels")


def loads_toml(text: str) -> dict[str, Any]:
    """tomllib.loads with a nesting limit (TOMLDecodeError or NestingError on bad input)."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise _too_deep() from None
    result: dict[str, Any] = check_nesting(data)
    return result


def loads_json(text: str | bytes) -> Any:
    """json.loads with a nesting limit (ValueError on bad input, NestingError a subclass)."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise _too_deep() from None
    return check_nesting(data)


# libyaml parses ~10x faster; the pure-Python parser is kept for its fuller error messages.
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)


def _load_budgeted(loader: Any) -> Any:
    """Compose the node graph, measure it, and only then construct Python objects."""
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_yaml_graph(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_yaml_graph(root: yaml.Node) -> None:
    """Expanded size and depth of a node graph, aliases counted as the copies they stand for.

    Only what aliases add is budgeted: a large document without aliases is not refused."""
    sizes: dict[int, int] = {}
    # Post-order over the graph without recursion: (node, depth, children_done).
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 0, False)]
    on_path: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise NestingError("YAML alias refers to itself (recursive structure refused)")
        if depth >= MAX_NESTING:
            raise _too_deep()
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend(
            (child, depth + 1, False) for child in _children(node) if id(child) not in sizes
        )
    if sizes[id(root)] - len(sizes) > MAX_YAML_NODES:
        raise NestingError(
            f"YAML aliases expand past {MAX_YAML_NODES:,} nodes (refused as an alias bomb)"
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def loads_yaml(text: str) -> Any:
    """yaml.safe_load of the first document, refusing alias bombs and deep nesting
    (yaml.YAMLError or NestingError on bad input)."""
    try:
        if _FAST_LOADER is not None:
            try:
                return _load_budgeted(_FAST_LOADER(text))
            except yaml.YAMLError:
                pass  # parsed again below, for the message users know
        return _load_budgeted(yaml.SafeLoader(text))
    except RecursionError:
        raise _too_deep() from None


def load_toml_file(path: Path, *, limit: int = MAX_CONFIG_BYTES) -> dict[str, Any]:
    return loads_toml(read_text(path, limit=limit))


# ----- text that came from file names -----------------------------------------------------


_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str, *, in_json: bool = False) -> str:
    """`text` made encodable as UTF-8: a file name's undecodable byte (a lone surrogate from
    os.fsdecode) becomes the visible `\\xNN`, any other lone surrogate U+FFFD. With `in_json`,
    the backslash is written as JSON escapes it, for text already serialised as JSON."""
    slash = "\\\\" if in_json else "\\"

    def visible(found: re.Match[str]) -> str:
        code = ord(found.group())
        return f"{slash}x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "\ufffd"

    return _SURROGATE.sub(visible, text)


# ----- writes -----------------------------------------------------------------------------


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_writable_target(path: Path) -> None:
    """UnsafeWriteError unless `path` is absent or a regular file in a directory (or creatable)."""
    shown = str(path)
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        info = None  # a missing or non-directory parent is named by _check_parents
    except OSError as exc:
        raise _write_error(shown, exc) from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise UnsafeWriteError(
                f"cannot write {shown}: it is a symlink (not replaced)",
                "give the path of a regular file",
            )
        if stat.S_ISDIR(info.st_mode):
            raise UnsafeWriteError(
                f"cannot write {shown}: it is a directory", "give a file name, e.g. DIR/report.json"
            )
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeWriteError(
                f"cannot write {shown}: it is not a regular file (a device, FIFO or socket is "
                "never replaced)",
                "give the path of a regular file",
            )
    _check_parents(path)


def _check_parents(path: Path) -> None:
    parent = path.parent
    while True:
        try:
            info = os.stat(parent)
        except (FileNotFoundError, NotADirectoryError):
            if parent.parent == parent:
                return
            parent = parent.parent
            continue
        except OSError as exc:
            raise _write_error(str(path), exc) from None
        if not stat.S_ISDIR(info.st_mode):
            raise UnsafeWriteError(
                f"cannot write {path}: {parent} is not a directory", "choose another path"
            )
        return


# Names of standard output: printed to, never opened. Opening /dev/stdout would resolve it and
# rename a report over what it points at (a redirected log, or the machine's own /dev/stdout).
STDOUT_NAMES = ("-", "/dev/stdout")


def names_stdout(value: object) -> bool:
    """Whether an output option's value means standard output rather than a file."""
    return value is not None and str(value) in STDOUT_NAMES


def write_text(path: Path, content: str, *, encoding: str = "utf-8") -> None:
    try:
        data = content.encode(encoding, errors="surrogateescape")
    except UnicodeEncodeError:
        # A lone surrogate that stands for no byte (a "\\ud800" escape a target or judge
        # returned) is written as that escape: the report is kept, never lost to a traceback.
        data = content.encode(encoding, errors="backslashreplace")
    write_bytes(path, data)


def write_bytes(path: Path, data: bytes) -> None:
    """Atomically write `data` to `path` (a regular file or nothing), honouring the umask."""
    check_writable_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = os.lstat(path).st_mode if path.exists() else None
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:64]}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(str(path), exc) from None
    try:
        mode = stat.S_IMODE(existing) if existing is not None else 0o666 & ~current_umask()
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # Checked again just before the rename: the target may have changed meanwhile.
        check_writable_target(path)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _write_error(str(path), exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def append_text(path: Path, content: str) -> None:
    """Append to a regular file (a CI summary file); a FIFO or device is refused."""
    refused = UnsafeWriteError(
        f"cannot append to {path}: not a regular file", "point it at a regular file"
    )
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise refused
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _write_error(str(path), exc) from None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o666)
    except OSError as exc:
        raise _write_error(str(path), exc) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise refused
        os.write(fd, content.encode("utf-8", errors="surrogateescape"))
    finally:
        os.close(fd)


def confined(project: Path, relative: str, setting: str) -> Path:
    """A config-set path resolved inside `project`, or UnsafeWriteError naming the setting."""
    base = project.resolve()
    candidate = Path(relative)
    resolved = (candidate if candidate.is_absolute() else base / candidate).resolve()
    if not resolved.is_relative_to(base):
        raise UnsafeWriteError(
            f"{setting} = {relative!r} points outside the project",
            "use a path inside the project (a flag can still name any path)",
        )
    return resolved


def _write_error(shown: str, exc: OSError) -> UnsafeWriteError:
    reason = exc.strerror or type(exc).__name__
    if exc.errno == errno.ENAMETOOLONG:
        reason = "file name too long"
    return UnsafeWriteError(f"cannot write {shown}: {reason}", "choose another path")
