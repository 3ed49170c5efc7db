"""Cases 3, 4 and 5 for `harness eval`: targets and judges that exit, trickle or flood, and
configs and datasets that nest or grow without bound, each cost one sample or one line."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.hostile.conftest import eval_project, harness_run, one_line, read_report

EXITING = """
import sys

def ask(row):
    if row["id"] == "q1":
        sys.exit(3)
    if row["id"] == "q2":
        raise KeyboardInterrupt
    return {"response": "Paris", "retrieved_contexts": [{"id": "d1", "text": "Paris"}]}

async def ask_async(row):
    if row["id"] == "q1":
        raise SystemExit("bye")
    return ask(row) if row["id"] != "q2" else ask({"id": "q2"})
"""

FLOODING = """
def ask(row):
    return {"response": "x" * 50_000_000, "retrieved_contexts": [{"id": "d1", "text": "P"}]}
"""


@pytest.mark.parametrize("target", ["t:ask", "t:ask_async"])
def test_a_target_that_exits_costs_one_sample_not_the_run(tmp_path: Path, target: str) -> None:
    root = eval_project(tmp_path / "p", target=EXITING, n=4)
    result = harness_run("eval", "--quiet", "--target", target, "--min-coverage", "0", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    report = read_report(root)
    errors = {s["id"]: s["error"] for s in report["samples"]}
    assert errors["q0"] is None and errors["q3"] is None
    code = "3" if target == "t:ask" else "'bye'"
    assert errors["q1"] == f"TargetError: target raised SystemExit({code})"
    assert errors["q2"] == "TargetError: target raised KeyboardInterrupt()"


def test_a_50_mb_answer_is_refused_per_sample(tmp_path: Path) -> None:
    root = eval_project(tmp_path / "p", target=FLOODING, n=6)
    result = harness_run("eval", "--quiet", "--min-coverage", "0", cwd=root, memory_mb=1500)
    assert "Traceback" not in result.stderr, result.stderr
    report = read_report(root)
    assert {s["error"] for s in report["samples"]} == {
        "TargetError: target answer larger than 10 MB (refused)"
    }
    assert (root / ".harness-cache" / "eval" / "report.json").stat().st_size < 100_000


class _Server:
    """A loopback HTTP server whose handler is chosen per test."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Trickle(BaseHTTPRequestHandler):
    """Answers with headers at once, then one byte of body every 2 seconds."""

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        # 100 bytes: 200 s to send whole, far past any deadline in these tests.
        body = json.dumps({"answer": "Paris", "citations": []}).ljust(100).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        try:
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(2)
        except OSError:
            pass


class _Flood(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(50_000_000 + 20))
        self.end_headers()
        try:
            self.wfile.write(b'{"answer": "')
            chunk = b"x" * 1_000_000
            for _ in range(50):
                self.wfile.write(chunk)
            self.wfile.write(b'", "c": 1}')
        except OSError:
            pass


@pytest.fixture
def trickle() -> Iterator[_Server]:
    with _Server(_Trickle) as server:
        yield server


def test_a_trickling_target_times_out_for_the_whole_call(tmp_path: Path, trickle: _Server) -> None:
    root = eval_project(tmp_path / "p", n=2)
    result = harness_run(
        "eval", "--quiet", "--url", f"{trickle.url}/ask", "--timeout", "3", "--min-coverage", "0",
        cwd=root, timeout=60,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    errors = {s["error"] for s in read_report(root)["samples"]}
    # The run's own per-sample deadline and the transport's whole-call deadline are equal: the
    # first to fire names the failure; either way the sample ends within --timeout.
    assert errors <= {"ReadTimeout: no complete answer within 3s", "TimeoutError"}, errors


def test_a_flooding_http_target_is_refused_per_sample(tmp_path: Path) -> None:
    root = eval_project(tmp_path / "p", n=3)
    with _Server(_Flood) as server:
        result = harness_run(
            "eval", "--quiet", "--url", f"{server.url}/ask", "--min-coverage", "0",
            cwd=root, memory_mb=1500,
        )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    assert {s["error"] for s in read_report(root)["samples"]} == {
        "ResponseTooLargeError: answer larger than 10 MB (refused)"
    }


def test_a_trickling_judge_times_out_for_the_whole_call(tmp_path: Path, trickle: _Server) -> None:
    root = eval_project(tmp_path / "p", n=1)
    result = harness_run(
        "eval", "--quiet", "--metrics", "faithfulness", "--judge-model", "m",
        "--judge-base-url", f"{trickle.url}/v1", "--timeout", "3", "--retries", "0",
        "--min-coverage", "0", cwd=root, timeout=150, memory_mb=4096,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    sample = read_report(root)["samples"][0]
    assert sample["scores"]["faithfulness"] is None
    # The SDK words the transport's whole-call deadline as its own timeout.
    assert sample["unmeasured"]["faithfulness"] == "APITimeoutError: Request timed out."


def test_eval_without_the_eval_extra_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "site"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class _NoNumpy:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'numpy' or name.startswith('numpy.'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, _NoNumpy())\n"
    )
    root = eval_project(tmp_path / "p")
    from tests.hostile.conftest import REPO

    result = harness_run("eval", cwd=root, env={"PYTHONPATH": f"{blocker}:{REPO}"})
    assert result.returncode == 2
    assert one_line(result) == (
        "error: harness eval needs the eval extra (module 'numpy' is not installed) — "
        "pip install 'portfolio-harness[eval]'"
    )


def test_a_deeply_nested_dataset_row_is_one_line(tmp_path: Path) -> None:
    root = eval_project(tmp_path / "p")
    deep = '{"id": "q", "user_input": "x", "metadata": ' + "[" * 5000 + "]" * 5000 + "}\n"
    (root / "evals" / "dataset.jsonl").write_text(deep)
    result = harness_run("eval", cwd=root)
    assert result.returncode == 2
    assert one_line(result) == (
        "error: evals/dataset.jsonl:1: nested deeper than 100 levels — flatten that row"
    )


def test_a_dataset_string_that_is_a_lone_surrogate_is_one_line(tmp_path: Path) -> None:
    root = eval_project(tmp_path / "p")
    with (root / "evals" / "dataset.jsonl").open("a") as handle:
        handle.write('{"id": "q\\ud800", "user_input": "capital?"}\n')
    result = harness_run("eval", cwd=root)
    assert result.returncode == 2
    assert one_line(result) == (
        "error: evals/dataset.jsonl:4: a string holds a lone surrogate escape (like \\ud800), "
        "which is not text — fix that row"
    )


SURROGATES = """
def ask(row):
    return {"response": "Paris\\ud800", "retrieved_contexts": [{"id": "d1", "text": "P\\udcff"}]}
"""


def test_a_target_answering_lone_surrogates_keeps_every_report(tmp_path: Path) -> None:
    root = eval_project(tmp_path / "p", target=SURROGATES)
    strict = {"PYTHONIOENCODING": "utf-8:strict"}
    outputs = ["--markdown", "eval.md", "--junit", "eval.xml"]
    result = harness_run("eval", *outputs, cwd=root, env=strict)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for name in ("eval.md", "eval.xml", ".harness-cache/eval/report.json"):
        (root / name).read_bytes().decode("utf-8")  # valid UTF-8, surrogates escaped
    assert read_report(root)["samples"][0]["response"] == "Paris\ud800"
    page = harness_run(
        "report",
        "--eval",
        ".harness-cache/eval/report.json",
        "-o",
        "page.html",
        cwd=root,
        env=strict,
    )
    assert page.returncode == 0, page.stderr
    assert "Paris\\ud800" in (root / "page.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        ("tool = 1\n", "error: [tool] must be a table — fix pyproject.toml"),
        ("[tool]\nharness = 1\n", "error: [tool.harness] must be a table — fix pyproject.toml"),
        (
            "a = " + "[" * 3000 + "]" * 3000 + "\n",
            "error: cannot parse pyproject.toml: nested deeper than 100 levels — fix the TOML",
        ),
    ],
)
def test_hostile_eval_config_is_one_line(tmp_path: Path, pyproject: str, message: str) -> None:
    root = eval_project(tmp_path / "p")
    (root / "pyproject.toml").write_text(pyproject)
    result = harness_run("eval", "--target", "t:ask", cwd=root)
    assert result.returncode == 2
    assert one_line(result) == message


def test_a_sparse_1_gb_pyproject_is_not_read(tmp_path: Path) -> None:
    root = eval_project(tmp_path / "p")
    with (root / "pyproject.toml").open("r+b") as handle:
        handle.truncate(1024**3)
    result = harness_run("eval", "--target", "t:ask", cwd=root, memory_mb=1024)
    assert one_line(result) == (
        "error: cannot read pyproject.toml: larger than 5 MB (not read) — fix pyproject.toml"
    )


def test_a_nonexistent_project_is_blamed_not_the_dataset(tmp_path: Path) -> None:
    result = harness_run("eval", str(tmp_path / "nope"), cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result) == (
        f"error: {tmp_path / 'nope'} is not a directory — pass the project directory"
    )


SLOW = """
import time

def ask(row):
    time.sleep(1)
    return {"response": "Paris", "retrieved_contexts": [{"id": "d1", "text": "Paris"}]}
"""


def test_concurrent_evals_of_one_project_do_not_share_a_resume_file(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.hostile.conftest import REPO

    root = eval_project(tmp_path / "p", target=SLOW, n=8)
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAGAS_DO_NOT_TRACK": "true"}
    first = subprocess.Popen(
        [sys.executable, "-m", "harness", "eval", "--quiet", "--concurrency", "1", "--no-cache"],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        runs = root / ".harness-cache" / "eval" / "runs"
        for _ in range(600):  # wait for the first run to hold its partial file
            if runs.is_dir() and any(runs.glob("*.jsonl")):
                break
            time.sleep(0.05)
        second = harness_run("eval", "--quiet", "--concurrency", "1", "--no-cache", cwd=root)
        assert second.returncode == 2
        assert one_line(second) == (
            "error: another harness eval of this project with the same dataset, target and "
            "metrics is running — wait for it to finish, or give this run its own --cache-dir"
        )
        _, err = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert [s["error"] for s in read_report(root)["samples"]] == [None] * 8


def _alarm(seconds: int) -> None:
    import signal

    def fail(*_: object) -> None:
        raise AssertionError(f"blocked for {seconds} s")

    signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)


def test_cache_entries_that_are_special_files_are_misses(tmp_path: Path) -> None:
    import os

    from harness.eval.cache import DiskCache

    (tmp_path / "target").mkdir()
    os.mkfifo(tmp_path / "fifo")
    os.symlink(tmp_path / "fifo", tmp_path / "target" / "k1.json")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.json"
    outside.write_text('{"result": "planted"}')
    os.symlink(outside, tmp_path / "target" / "k2.json")
    _alarm(10)
    try:
        cache = DiskCache(tmp_path)
        assert cache.get("target", "k1") is None
        assert cache.get("target", "k2") is None
    finally:
        import signal

        signal.alarm(0)
        outside.unlink()


def test_a_partial_results_file_that_is_a_fifo_is_one_line(tmp_path: Path) -> None:
    import os

    from harness.errors import ResumeError, UnsafeWriteError
    from harness.eval.partial import PartialResults

    os.mkfifo(tmp_path / "run.jsonl")
    partial = PartialResults(tmp_path / "run.jsonl")
    _alarm(10)
    try:
        with pytest.raises(ResumeError) as caught:
            partial.load()
    finally:
        import signal

        signal.alarm(0)
    assert caught.value.one_line() == (
        "cannot read the partial results run.jsonl: not a regular file (not read) — run "
        "without --resume"
    )
    with pytest.raises(UnsafeWriteError, match="is not a regular file"):
        partial.open({})


def test_a_config_dataset_outside_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.jsonl"
    outside.write_text('{"id": "q", "user_input": "x"}\n')
    root = eval_project(tmp_path / "p", 'dataset = "../elsewhere.jsonl"\n')
    result = harness_run("eval", cwd=root)
    assert result.returncode == 2
    assert one_line(result) == (
        "error: [tool.harness.eval] dataset = '../elsewhere.jsonl' points outside the project — "
        "use a path inside the project (--dataset can still name any file)"
    )


class _Answers(BaseHTTPRequestHandler):
    """A target over HTTP: the first question is answered at once, the others after 1.5 s."""

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        if body.get("question") != "first":
            time.sleep(1.5)
        text = "Paris is the capital of France."
        answer = json.dumps({"answer": text, "citations": [{"chunk_id": "d1", "text": text}]})
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer.encode())


def test_building_the_judge_never_stalls_target_calls_in_flight(tmp_path: Path) -> None:
    from harness.eval.judge_double import JudgeDouble, Script

    root = eval_project(tmp_path / "p", n=8)
    rows = [{"id": f"q{i}", "user_input": "first" if i == 0 else f"question {i}"} for i in range(8)]
    (root / "evals" / "dataset.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with JudgeDouble(Script()) as judge, _Server(_Answers) as target:
        # A fresh process: the judge's first build imports ragas (seconds). Built on the event
        # loop, it would hold the HTTP calls in flight past their deadline.
        result = harness_run(
            "eval", "--quiet", "--url", f"{target.url}/ask", "--metrics", "faithfulness",
            "--judge-model", "judge-double", "--judge-base-url", judge.base_url,
            "--timeout", "3", "--concurrency", "8", "--no-cache",
            cwd=root, timeout=240, memory_mb=4096,
        )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    assert [s["error"] for s in read_report(root)["samples"]] == [None] * 8, result.stderr
