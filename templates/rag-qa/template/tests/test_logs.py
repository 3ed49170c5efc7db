"""At LOG_LEVEL=INFO the server's output is JSON lines only: no third-party DEBUG line (bm25s
sets its own logger to DEBUG) and no progress bar, through a real ingest and query."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import SAMPLES

PROJECT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_and_use(env: dict[str, str], cwd: Path) -> tuple[str, str]:
    """Run the app as the image does, upload, ask (plain and streamed), stop; its output."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, proc.communicate()
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the app never became ready"
            time.sleep(0.2)
        for path in sorted(SAMPLES.iterdir())[:2]:
            files = {"file": (path.name, path.read_bytes())}
            assert httpx.post(f"{base}/documents", files=files, timeout=120).status_code == 201
        question = {"question": "How many days of annual leave?"}
        assert httpx.post(f"{base}/ask", json=question, timeout=120).status_code == 200
        with httpx.stream("POST", f"{base}/ask/stream", json=question, timeout=120) as stream:
            assert "event: done" in "".join(stream.iter_text())
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    return out, err


def test_info_logs_are_json_lines_without_debug_or_progress_bars(isolated_env: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "LOG_LEVEL": "INFO"}
    for name in ("TQDM_DISABLE", "DISABLE_TQDM", "HF_HUB_DISABLE_PROGRESS_BARS"):
        env.pop(name, None)  # the app must not depend on the caller's environment
    out, err = _serve_and_use(env, isolated_env)
    records = []
    for stream, text in (("stdout", out), ("stderr", err)):
        for line in text.replace("\r", "\n").splitlines():
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                raise AssertionError(f"not a JSON line on {stream}: {line!r}") from None
    assert records, "the server logged nothing"
    assert [r for r in records if r["level"] == "DEBUG"] == []
    assert not [r for r in records if r["logger"].startswith("bm25s")]
    messages = [r["msg"] for r in records]
    assert "started" in messages  # the app's own INFO lines still come through
    assert any(r["logger"].startswith("uvicorn") for r in records)
