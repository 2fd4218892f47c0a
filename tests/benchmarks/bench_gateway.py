"""Gateway benchmark (issue 4): overhead per call, excluding model time, figures for
docs/benchmarks/gateway.md.

Against the loopback OpenAI-compatible server (tests/fakes/openai_server.py), which answers
at once (its own handling time is measured and subtracted as "model time"), this times,
per call, medians over N calls after a warm-up:

- ``httpx``: a bare POST to the server (the HTTP floor);
- ``litellm``: ``litellm.completion`` with the same model and messages (the library floor);
- ``gateway``: ``Gateway.call`` without a store (routing, key check, budget check with
  prompt token count, litellm, cost);
- ``gateway+ledger``: the same with a SQLite store (ledger totals read for the cycle and
  the run budgets, a row written per call; a new cycle every 20 calls and a new run every
  10 cycles, so the totals are read over realistic row counts);
- ``gateway+schema``: a structured call (``response_format`` + validation) with the ledger.

Gateway overhead = gateway time - litellm time (both minus server time).

Run: ``python tests/benchmarks/bench_gateway.py [--calls N]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import germinate  # noqa: E402,F401  (sets LITELLM_LOCAL_MODEL_COST_MAP before litellm loads)
from tests.fakes.openai_server import FakeOpenAI, Reply  # noqa: E402

MODEL = "openai/gpt-4o-mini"
MESSAGES = [
    {"role": "system", "content": "You are the maintainer. " * 40},
    {"role": "user", "content": "Summarise this change for the cycle report. " * 60},
]
CALLS_PER_CYCLE = 20
CYCLES_PER_RUN = 10
ANSWER = '{"summary": "Adds slugify() with tests; safe to merge.", "scope": ["pkg/text.py"]}'


def timed(
    cases: list[tuple[str, Callable[[], Any]]], fake: FakeOpenAI, calls: int
) -> dict[str, tuple[float, float]]:
    """Per case: median client-side ms and median server-side ms per call.

    The cases take turns call by call, so that load from other processes hits all alike.
    """
    for _name, fn in cases:
        for _ in range(5):  # warm-up: client caches, connection pool, tokenizer
            fn()
    totals: dict[str, list[float]] = {name: [] for name, _ in cases}
    servers: dict[str, list[float]] = {name: [] for name, _ in cases}
    for _ in range(calls):
        for name, fn in cases:
            before = len(fake.server_ms)
            start = time.perf_counter()
            fn()
            totals[name].append((time.perf_counter() - start) * 1000)
            servers[name].append(sum(fake.server_ms[before:]))
    return {
        name: (statistics.median(totals[name]), statistics.median(servers[name]))
        for name, _ in cases
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()

    import httpx
    import litellm
    from pydantic import BaseModel

    from germinate.llm import Gateway
    from germinate.seed import Seed
    from germinate.store import Store

    class Summary(BaseModel):
        summary: str
        scope: list[str]

    litellm.suppress_debug_info = True
    with FakeOpenAI(default=Reply(content=ANSWER, prompt_tokens=400, completion_tokens=30)) as fake:
        os.environ["OPENAI_API_BASE"] = fake.base_url
        os.environ["OPENAI_API_KEY"] = "sk-bench"
        os.environ["NO_PROXY"] = "127.0.0.1,localhost"
        # budgets stay on (their check is part of the overhead) but out of reach
        big = {"tokens": 10**12, "dollars": 10.0**6}
        seed = Seed.model_validate(
            {
                "project": {"name": "bench"},
                "models": {"default": MODEL},
                "budgets": {"per_cycle": big, "per_run": big},
            }
        )
        tmp = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
        store = Store.open(url=f"sqlite:///{tmp / 'state.db'}")
        bare = Gateway(seed, None, project="bench", cycle_id="b1")
        counter = iter(range(10**9))

        def ledgered() -> Gateway:
            """A realistic ledger: a new cycle every 20 calls, a new run every 10 cycles."""
            n = next(counter)
            cycle, run = n // CALLS_PER_CYCLE, n // (CALLS_PER_CYCLE * CYCLES_PER_RUN)
            return Gateway(seed, store, project="bench", cycle_id=f"c{cycle}", run_id=f"r{run}")

        client = httpx.Client()
        body = {"model": "gpt-4o-mini", "messages": MESSAGES}

        cases: list[tuple[str, Callable[[], Any]]] = [
            ("httpx", lambda: client.post(f"{fake.base_url}/chat/completions", json=body).json()),
            (
                "litellm",
                lambda: litellm.completion(
                    model=MODEL, messages=MESSAGES, num_retries=0, max_retries=0
                ),
            ),
            ("gateway", lambda: bare.call("maintainer", MESSAGES, None)),
            ("gateway+ledger", lambda: ledgered().call("maintainer", MESSAGES, None)),
            ("gateway+schema", lambda: ledgered().call("architect", MESSAGES, Summary)),
        ]
        results = timed(cases, fake, args.calls)
        client.close()
        store.close()

    net = {name: total - server for name, (total, server) in results.items()}
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, litellm {version('litellm')}"
    )
    print(f"calls per case: {args.calls} (median, ms per call, server time subtracted)")
    print(f"{'case':<16} {'total ms':>9} {'server ms':>10} {'net ms':>8}")
    for name, (total, server) in results.items():
        print(f"{name:<16} {total:>9.2f} {server:>10.2f} {net[name]:>8.2f}")
    print(f"gateway overhead over litellm (no store):   {net['gateway'] - net['litellm']:.2f} ms")
    print(
        f"gateway overhead over litellm (with ledger): {net['gateway+ledger'] - net['litellm']:.2f} ms"
    )
    print(
        f"structured call overhead over litellm:      {net['gateway+schema'] - net['litellm']:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
