"""Question time, literally: Copier's prompts in a terminal refuse a bad answer as it is typed,
show the validator's message, and move on only once the answer is fixed."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[a-zA-Z]")


class Terminal:
    """A child process on a pseudo-terminal, answering the cursor-position queries a real
    terminal would (prompt_toolkit waits for them)."""

    def __init__(self, argv: list[str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the program, never return into pytest
            try:
                os.environ["TERM"] = "xterm"
                # Wide enough that validator messages are not cut at 80 columns.
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 240, 0, 0))
                os.execv(argv[0], argv)
            finally:
                os._exit(127)
        self.screen = ""

    def _pump(self, seconds: float) -> bool:
        """Read for up to `seconds`; False once the child closed the terminal."""
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        if b"\x1b[6n" in data:
            os.write(self.fd, b"\x1b[1;1R")
        self.screen += _ESCAPES.sub(b"", data).decode(errors="replace")
        return True

    def expect(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            if time.monotonic() > deadline or not self._pump(0.2):
                raise AssertionError(f"never saw {text!r}; screen ends:\n{self.screen[-1500:]}")

    def quiet(self, seconds: float = 1.0) -> str:
        """What appears within `seconds`."""
        before = len(self.screen)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self._pump(0.1):
            pass
        return self.screen[before:]

    def send(self, keys: str) -> None:
        self.screen = ""
        os.write(self.fd, keys.encode())

    def finish(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._pump(0.2):
            pass
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


@pytest.fixture
def copier_prompt(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    project = tmp_path / "proj"
    copier = str(Path(sys.executable).parent / "copier")
    terminal = Terminal([copier, "copy", str(ROOT / "templates" / "agent-workflow"), str(project)])
    yield terminal, project
    terminal.kill()


CLEAR = "\x15"  # Ctrl-U: clear the line the prompt pre-filled with the default
ENTER = "\r"


def test_a_refused_answer_blocks_the_prompt_until_it_is_fixed(
    copier_prompt: tuple[Terminal, Path],
) -> None:
    terminal, project = copier_prompt
    terminal.expect("Human-readable name of the project")
    terminal.send(ENTER)
    terminal.expect("One-line description")
    terminal.send(ENTER)
    terminal.expect("Distribution name")
    terminal.send(CLEAR + "fastapi")
    terminal.expect('"fastapi" is a package the project installs or one of its folders')
    terminal.send(ENTER)  # refused: the next question must not come
    assert "Your name" not in terminal.quiet()
    terminal.send(CLEAR + "ticket-agent" + ENTER)
    terminal.expect("Your name")
    for _ in range(20):  # every other question at its default
        terminal.send(ENTER)
        if (project / ".copier-answers.yml").is_file():
            break
        terminal.quiet(1.0)
    assert terminal.finish() == 0
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (answers["project_slug"], answers["python_version"], answers["ci"]) == (
        "ticket-agent",
        "3.11",
        True,
    )
