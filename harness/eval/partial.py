"""The partial results file that makes `--resume` possible.

Each finished sample is appended as one JSON line and flushed to the OS before it is counted, so
killing the process at any moment loses at most the samples in flight. (No fsync per line: it
guards only against a machine crash, and it stalls the event loop for every sample.) A torn
last line (killed mid-write) is ignored on resume. The file name is a hash of everything that
makes results comparable, so a resume never mixes samples from a different dataset, target,
metric set or judge.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
from pathlib import Path
from typing import IO, Any

from harness import safeio
from harness.errors import ResumeError

_MAX_PARTIAL_BYTES = 1024 * 1024 * 1024

# Test hook: after this many samples are written the process SIGKILLs itself, a real crash
# at a deterministic point (no cleanup, no atexit), to test --resume end to end.
CRASH_ENV = "HARNESS_EVAL_CRASH_AFTER"


class PartialResults:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None
        self._written = 0
        crash = os.environ.get(CRASH_ENV, "")
        self._crash_after = int(crash) if crash.isdigit() else None

    def load(self) -> dict[str, dict[str, Any]]:
        """Records already finished, by sample id."""
        done: dict[str, dict[str, Any]] = {}
        try:
            data = safeio.read_bytes(self.path, limit=_MAX_PARTIAL_BYTES)
        except FileNotFoundError:
            return done
        except OSError as exc:
            raise ResumeError(
                f"cannot read the partial results {self.path.name}: {exc.strerror}",
                "run without --resume",
            ) from None
        lines = data.decode("utf-8", errors="replace").splitlines()
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                done[record["id"]] = record
        return done

    def open(self, keep: dict[str, dict[str, Any]]) -> None:
        """Start the file afresh with the records being kept (drops any torn line).

        The file is locked for the run: a second eval of the same project and settings would
        otherwise truncate this one's results, or delete them when it finishes first."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        safeio.check_writable_target(self.path)  # never a symlink, FIFO or device
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise ResumeError(
                "another harness eval of this project with the same dataset, target and metrics "
                "is running",
                "wait for it to finish, or give this run its own --cache-dir",
            ) from None
        handle.seek(0)
        handle.truncate()
        self._handle = handle
        for record in keep.values():
            self._handle.write(json.dumps(record, sort_keys=True) + "\n")
        self._sync()

    def append(self, record: dict[str, Any]) -> None:
        assert self._handle is not None
        self._handle.write(json.dumps(record, sort_keys=True) + "\n")
        self._sync()
        self._written += 1
        if self._crash_after is not None and self._written >= self._crash_after:
            os.kill(os.getpid(), signal.SIGKILL)

    def _sync(self) -> None:
        assert self._handle is not None
        self._handle.flush()

    def finish(self) -> None:
        """The run completed and its report is built: the partial file has done its job."""
        self.path.unlink(missing_ok=True)  # while still locked: no other run is using it
        if self._handle is not None:
            self._handle.close()
