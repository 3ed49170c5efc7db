"""k6-style load test in plain Python: constant arrival rate per stage, open loop.

    python loadtest/load.py --url http://127.0.0.1:8000 --admin-token $API_TOKEN \
        --stages 50:30,100:30,200:30 --json results.json

Each stage sends RATE requests per second for SECONDS, whatever the server's speed (an open
model: slow answers do not slow the arrivals, so latency is not hidden by coordinated
omission; it is measured from each request's scheduled start). Requests are POST /chat from
several users, a share of them repeats (cache hits), the rest are new text.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field

import httpx

SENTENCES = [
    "The pilot cut onboarding time in half.",
    "Support tickets doubled after the pricing change.",
    "The board asked for a plan for the European launch.",
    "Costs stayed flat because of the hiring freeze.",
    "Customers want a comparison table on the pricing page.",
    "The new dashboard made incident reviews shorter.",
    "Most late library visitors are students.",
    "Solar panels now cover most daytime power.",
]


@dataclass
class StageResult:
    rate: int
    seconds: float
    sent: int = 0
    ok: int = 0
    errors: int = 0
    dropped: int = 0
    status: dict[str, int] = field(default_factory=dict)
    achieved_rps: float = 0.0
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None


def _message(rng: random.Random, repeat_share: float) -> str:
    if rng.random() < repeat_share:
        return " ".join(SENTENCES[:3])  # the same text: served from the cache after once
    picked = rng.sample(SENTENCES, 3)
    return " ".join(picked) + f" Ref {rng.randrange(10**9)}."


def _percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return round(sorted_values[index], 2)


async def make_users(client: httpx.AsyncClient, admin_token: str, count: int) -> list[str]:
    keys = []
    stamp = int(time.time() * 1000)
    for i in range(count):
        response = await client.post(
            "/users",
            json={"email": f"load-{stamp}-{i}@example.invalid"},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        response.raise_for_status()
        keys.append(response.json()["api_key"])
    return keys


async def run_stage(
    client: httpx.AsyncClient, keys: list[str], rate: int, seconds: float,
    max_in_flight: int, repeat_share: float, seed: int,
) -> StageResult:  # fmt: skip
    result = StageResult(rate, seconds)
    rng = random.Random(seed)
    latencies: list[float] = []
    in_flight = 0
    tasks: set[asyncio.Task[None]] = set()

    async def one(scheduled: float, key: str, message: str) -> None:
        nonlocal in_flight
        try:
            response = await client.post(
                "/chat", json={"message": message, "task": "summarize"},
                headers={"Authorization": f"Bearer {key}"},
            )  # fmt: skip
            code = str(response.status_code)
            if response.status_code == 200:
                result.ok += 1
                latencies.append((time.perf_counter() - scheduled) * 1000)
            else:
                result.errors += 1
        except httpx.HTTPError as exc:
            code = type(exc).__name__
            result.errors += 1
        finally:
            in_flight -= 1
        result.status[code] = result.status.get(code, 0) + 1

    start = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if in_flight >= max_in_flight:
            result.dropped += 1  # the server is this far behind: count, never queue forever
            continue
        in_flight += 1
        result.sent += 1
        task = asyncio.create_task(one(scheduled, keys[i % len(keys)], _message(rng, repeat_share)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    elapsed = time.perf_counter() - start
    result.achieved_rps = round(result.ok / elapsed, 1)
    if latencies:
        latencies.sort()
        result.p50_ms = _percentile(latencies, 0.50)
        result.p95_ms = _percentile(latencies, 0.95)
        result.p99_ms = _percentile(latencies, 0.99)
        result.max_ms = round(latencies[-1], 2)
    return result


def parse_stages(text: str) -> list[tuple[int, float]]:
    stages = []
    for part in text.split(","):
        rate, seconds = part.split(":")
        stages.append((int(rate), float(seconds)))
    return stages


async def main_async(args: argparse.Namespace) -> list[StageResult]:
    limits = httpx.Limits(max_connections=args.max_in_flight, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=args.url, timeout=args.timeout, limits=limits) as client:
        keys = args.api_key or await make_users(client, args.admin_token, args.users)
        results = []
        for index, (rate, seconds) in enumerate(parse_stages(args.stages)):
            stage = await run_stage(
                client, keys, rate, seconds, args.max_in_flight, args.repeat_share, index
            )
            print(json.dumps(asdict(stage)), flush=True)
            results.append(stage)
            if args.stop_on_error and (stage.errors or stage.dropped):
                break
        return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--admin-token", default="", help="API_TOKEN, to create load users")
    parser.add_argument("--api-key", action="append", help="use existing keys instead")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--stages", default="50:30,100:30,200:30", help="RATE:SECONDS,...")
    parser.add_argument("--repeat-share", type=float, default=0.3)
    parser.add_argument("--max-in-flight", type=int, default=256)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--stop-on-error", action="store_true")
    parser.add_argument("--json", help="write all stage results to this file")
    args = parser.parse_args(argv)
    if not (args.api_key or args.admin_token):
        parser.error("pass --admin-token (to create users) or --api-key")
    results = asyncio.run(main_async(args))
    if args.json:
        with open(args.json, "w") as out:
            json.dump([asdict(r) for r in results], out, indent=2)
    clean = [r for r in results if not r.errors and not r.dropped]
    best = max(clean, key=lambda r: r.achieved_rps, default=None)
    summary = statistics.fmean([r.achieved_rps for r in clean]) if clean else 0.0
    print(f"sustained (0 errors): {best.achieved_rps if best else 0} rps; mean {summary:.1f}")
    return 0 if results and not results[-1].errors else 1


if __name__ == "__main__":
    sys.exit(main())
