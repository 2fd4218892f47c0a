"""Webhook receiver under a burst (issue 11): concurrent signed deliveries on loopback, for
docs/benchmarks.md.

Starts ``germinate webhook``'s HTTP layer (Starlette on uvicorn, ``germinate.webhook_http``)
in this process with a real store (SQLite under a temporary GERMINATE_HOME), then sends
bursts of N concurrent valid ``ping`` deliveries (each a new delivery id: signature check,
a delivery row claimed and recorded) from an httpx async client with one connection per
delivery. Prints, per burst size, how many were answered 200, how many failed (resets,
refusals, timeouts), and the p50/p99/max latency. Exit 1 if any delivery was not answered 200.

Run: ``python tests/benchmarks/bench_webhook.py [--bursts 200 500] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

SECRET = b"bench-secret"


async def burst(url: str, size: int, offset: int) -> tuple[list[float], list[str]]:
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        async def one(i: int) -> tuple[float, str]:
            body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": i}).encode()
            headers = {"X-GitHub-Event": "ping", "X-GitHub-Delivery": f"bench-{offset + i}",
                       "X-Hub-Signature-256": "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()}
            start = time.perf_counter()
            try:
                status = (await client.post(url, content=body, headers=headers)).status_code
                outcome = "ok" if status == 200 else f"http {status}"
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            return time.perf_counter() - start, outcome

        results = await asyncio.gather(*(one(i) for i in range(size)))
    return [t for t, o in results if o == "ok"], [o for _, o in results if o != "ok"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--rounds", type=int, default=3, help="bursts of each size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GERMINATE_HOME"] = str(Path(tmp) / "home")
        from germinate.seed import Seed
        from germinate.store import Store
        from germinate.webhook import WebhookReceiver
        from germinate.webhook_http import WebhookServer, listen

        repo = Path(tmp) / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
        store = Store.open(repo=repo)
        seed = Seed.model_validate({"project": {"name": "bench"}})
        receiver = WebhookReceiver(secret=SECRET.decode(), store=store, seed=seed, repo=str(repo),
                                   forge=lambda: None, gate=lambda f: None, start=lambda r, t: t)  # type: ignore[arg-type,return-value]
        print(f"machine: {platform.machine()} python {platform.python_version()}, {os.cpu_count()} cpus, "
              f"load {os.getloadavg()[0]:.1f}; store: SQLite; server: Starlette on uvicorn, backlog 2048")
        failed = False
        offset = 0
        with WebhookServer(receiver, listen("127.0.0.1", 0)).running() as url:
            for size in args.bursts:
                times: list[float] = []
                errors: list[str] = []
                for _ in range(args.rounds):
                    ok, bad = asyncio.run(burst(url, size, offset))
                    offset += size
                    times += ok
                    errors += bad
                total = size * args.rounds
                q = statistics.quantiles(times, n=100) if len(times) > 1 else times * 99
                print(f"burst {size:>4} x {args.rounds}: {len(times)}/{total} answered 200, {len(errors)} failed "
                      f"{sorted(set(errors)) or ''}; latency p50 {statistics.median(times) * 1000:.0f} ms, "
                      f"p99 {q[98] * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
                failed = failed or bool(errors)
        store.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
