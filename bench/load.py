"""Load bench of the production-app template: the generated app on loopback, offline provider.

    python bench/load.py                       # generate, serve, drive, report
    python bench/load.py --stages 100:30,200:30 --database postgres --write-results

Generates the project with copier (or takes --project), starts it with uvicorn on 127.0.0.1
(offline provider, SQLite by default; --database postgres / --redis use the local servers with
a database / key prefix of the bench's own), then runs the project's own k6-style load test
(loadtest/load.py) for each stage: a constant arrival rate for N seconds, open model, latency
measured from each request's scheduled start. Samples the server's RSS meanwhile. Prints per
stage achieved rps, errors, p50/p95/p99, peak RSS, and the highest rate sustained with 0 errors.
Loopback only; bounded by the stages (default 4 x 30 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "templates" / "production-app"
RESULTS = REPO / "bench" / "RESULTS.md"
START, END = "<!-- bench-load:start -->", "<!-- bench-load:end -->"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stat(pid: int) -> list[str]:
    # Fields after the command name, which may itself contain spaces and parentheses.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_tree(root: int) -> list[int]:
    """The server and its children (uvicorn --workers forks), from /proc (Linux)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = [root], [root]
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier]
        tree += children
        frontier = children
    return tree


def cpu_seconds(root: int) -> float:
    """utime + stime of the server's process tree."""
    total = 0.0
    for pid in process_tree(root):
        try:
            fields = _stat(pid)
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


def rss_mb(root: int) -> float:
    total = 0.0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.last = pid, 0.0, 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.last = rss_mb(self.pid)
            self.peak = max(self.peak, self.last)


def generate(dst: Path) -> Path:
    from copier import run_copy

    run_copy(str(TEMPLATE), str(dst), defaults=True, unsafe=False, quiet=True)
    return dst


def wait_ready(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server not ready in time")


def create_database(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = f"wa_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name, name


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def clear_prefix(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, help="an already generated project")
    parser.add_argument("--python", default=sys.executable, help="python with its requirements")
    parser.add_argument("--stages", default="50:30,100:30,200:30,300:30")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--repeat-share", type=float, default=0.3)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="", help="REDIS_URL; empty = in-process")
    parser.add_argument("--log-level", default="INFO", help="the app's LOG_LEVEL")
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn processes (more than 1 needs --redis)"
    )
    parser.add_argument("--write-results", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()
    if args.workers > 1 and not args.redis:
        parser.error("--workers > 1 needs --redis: limits, cache and queue must be shared")

    load_before = f"{os.getloadavg()[0]:.2f}"
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    project = args.project or generate(work / "proj")
    port, token = free_port(), secrets.token_urlsafe(16)
    db_name = None
    if args.database == "postgres":
        database_url, db_name = create_database(args.postgres_url)
    else:
        database_url = f"sqlite:///{work / 'app.db'}"
    env = {
        **os.environ,
        # `test` skips only the refusal of password-less database URLs (local trust auth).
        "ENVIRONMENT": "test",
        "API_TOKEN": token,
        "DATABASE_URL": database_url,
        "LLM_PROVIDER": "offline",
        "LOG_LEVEL": args.log_level,
        # The bench measures throughput, not the limiter: let every request through.
        "RATE_LIMIT_PER_MINUTE": "1000000",
        "REDIS_URL": args.redis,
        "REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}:",
    }
    # Migrate once up front, as compose's `migrate` service does: several workers starting
    # together would race on the same migration.
    env["DB_AUTO_MIGRATE"] = "false"
    subprocess.run(
        [args.python, "-m", "alembic", "upgrade", "head"], cwd=project, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    server = subprocess.Popen(
        [args.python, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "10",
         "--workers", str(args.workers)],
        cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    stages: list[dict[str, object]] = []
    try:
        wait_ready(url, server)
        idle_rss = rss_mb(server.pid)
        sampler = RssSampler(server.pid)
        sampler.start()
        driver = subprocess.Popen(
            [args.python, "loadtest/load.py", "--url", url, "--admin-token", token,
             "--users", str(args.users), "--stages", args.stages,
             "--repeat-share", str(args.repeat_share)],
            cwd=project, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert driver.stdout is not None
        cpu_before = cpu_seconds(server.pid)
        for line in driver.stdout:
            if line.startswith("{"):
                stage = json.loads(line)
                stage["rss_mb"] = round(sampler.last, 1)
                # Server CPU per answered request (the user-creation requests are noise).
                cpu_now = cpu_seconds(server.pid)
                ok = max(1, int(stage["ok"]))
                stage["cpu_ms_per_req"] = round(1000 * (cpu_now - cpu_before) / ok, 2)
                cpu_before = cpu_now
                stages.append(stage)
                print(
                    f"{stage['rate']:>4} rps offered: {stage['achieved_rps']:>6} ok/s, "
                    f"errors {stage['errors']}, dropped {stage['dropped']}, "
                    f"p50 {stage['p50_ms']} ms, p95 {stage['p95_ms']} ms, "
                    f"p99 {stage['p99_ms']} ms, server CPU {stage['cpu_ms_per_req']} ms/req, "
                    f"RSS {stage['rss_mb']} MB",
                    flush=True,
                )
        driver.wait(timeout=30)
        sampler.stopped.set()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if db_name:
            drop_database(args.postgres_url, db_name)
        if args.redis:
            clear_prefix(args.redis, env["REDIS_PREFIX"])

    clean = [s for s in stages if not s["errors"] and not s["dropped"]]
    best = max(clean, key=lambda s: float(s["achieved_rps"]), default=None)  # type: ignore[arg-type]
    summary = (
        f"Sustained with 0 errors: {best['achieved_rps']} rps (offered {best['rate']}), "
        f"p50 {best['p50_ms']} ms, p95 {best['p95_ms']} ms; server RSS idle {idle_rss:.0f} MB, "
        f"peak {sampler.peak:.0f} MB."
        if best
        else "No stage finished without errors."
    )
    print(summary)
    if args.write_results:
        write_results(args, stages, summary, load_before)
    return 0 if best else 1


def write_results(
    args: argparse.Namespace, stages: list[dict[str, object]], summary: str, load_before: str
) -> None:
    load_after = f"{os.getloadavg()[0]:.2f}"
    rows = "\n".join(
        f"| {s['rate']} | {s['seconds']:.0f} | {s['achieved_rps']} | {s['errors']} "
        f"| {s['dropped']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} "
        f"| {s['cpu_ms_per_req']} | {s['rss_mb']} |"
        for s in stages
    )
    redis = args.redis or "in-process"
    section = f"""{START}
## production-app load — `bench/load.py`

Machine: {machine()}. {datetime.now(UTC):%Y-%m-%d}. The load driver runs on the same 2 cores.
The machine is shared: 1-minute load average {load_before} before, {load_after} after.
Setup: generated project (defaults), {args.workers} uvicorn process(es) on 127.0.0.1,
`LLM_PROVIDER=offline`, database {args.database}, Redis {redis}, LOG_LEVEL {args.log_level}
(one JSON access line per request), {args.users} users, {args.repeat_share:.0%} repeated
prompts (cache hits). Each `POST /chat` does: API-key check (in-process cache, DB on a miss),
rate limit, budget, guardrails, routing, cache lookup, offline answer, output validation,
4 INSERTs (conversation, 2 messages, ledger row). Open model: constant arrival rate, latency
from the scheduled start; "dropped" = not sent because 256 requests were already in flight.

| offered rps | s | ok/s | errors | dropped | p50 ms | p95 ms | p99 ms | CPU ms/req | RSS MB |
|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|
{rows}

{summary}
{END}"""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
