"""Benchmark: N concurrent offline agent runs through the generated project's HTTP API.

Generates templates/agent-workflow into a temporary folder, starts it with uvicorn (offline
policy, SQLite checkpointer, in-process worker threads), submits N tickets at once — a mix of
FAQ, shipping, escalation and refund tickets; refunds pause for approval and this script approves
them through POST /approvals/{id} as soon as they appear, like a reviewer who never sleeps —
and waits until every run is finished. Prints runs/s, p50/p95 run latency (POST /tickets to the
terminal status, approvals included) and the server's peak RSS.

    python bench/agent_runs.py [--runs 200] [--concurrency 50] [--worker-threads 4]

Needs, in the running Python, the template's runtime requirements
(templates/agent-workflow/template/requirements.txt), httpx and copier. Loopback only.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "templates" / "agent-workflow"
TICKETS = [
    "Order {o} arrived damaged, please refund me.",
    "Where is my order 1003? Tracking hasn't moved.",
    "I forgot my password and I'm locked out.",
    "I will contact my lawyer about order 1002.",
    "What are your support hours?",
]
REFUNDABLE = ["1001", "1004", "1006", "1007", "1008", "1009", "1012"]
TERMINAL = {"completed", "failed", "budget_exceeded", "loop_detected"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_run(client: httpx.Client, body: str, deadline: float) -> float:
    start = time.perf_counter()
    run_id = client.post("/tickets", json={"body": body}).raise_for_status().json()["run_id"]
    while time.monotonic() < deadline:
        run = client.get(f"/runs/{run_id}").json()
        if run["status"] in TERMINAL:
            assert run["status"] == "completed", run
            return time.perf_counter() - start
        for approval in run["approvals"]:
            if approval["status"] == "pending":
                client.post(f"/approvals/{approval['id']}", json={"decision": "approve"})
        time.sleep(0.1)  # a polling client; the web page uses the SSE stream instead
    raise TimeoutError(run_id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--worker-threads", type=int, default=4)
    args = parser.parse_args()

    from copier import run_copy

    with tempfile.TemporaryDirectory(prefix="agent-bench-") as tmp:
        project = Path(tmp) / "proj"
        run_copy(str(TEMPLATE), str(project), defaults=True, unsafe=False, quiet=True)
        port = free_port()
        env = {**os.environ, "DATA_DIR": str(Path(tmp) / "data"), "ENVIRONMENT": "test",
               "WORKER_THREADS": str(args.worker_threads), "WORKER_POLL_SECONDS": "0.05",
               "LOG_LEVEL": "WARNING"}  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port),
             "--log-level", "warning"],
            cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        limits = httpx.Limits(max_connections=args.concurrency + 4)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, limits=limits)
        try:
            for _ in range(300):
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            bodies = [
                TICKETS[i % len(TICKETS)].format(o=REFUNDABLE[i % len(REFUNDABLE)])
                for i in range(args.runs)
            ]
            deadline = time.monotonic() + 600
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                latencies = list(pool.map(lambda b: one_run(client, b, deadline), bodies))
            elapsed = time.perf_counter() - started
            rss = peak_rss_mb(server.pid)
        finally:
            client.close()
            server.terminate()
            server.wait(30)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"runs={args.runs} concurrency={args.concurrency} worker_threads={args.worker_threads}")
    print(f"throughput: {args.runs / elapsed:.1f} runs/s ({elapsed:.1f} s)")
    print(f"run latency: p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms")  # fmt: skip
    print(f"server peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
