"""Command start-up benchmark (issue 11): ``germinate --help`` and ``germinate validate`` against
``python -c pass``, measured side by side (interleaved runs), for docs/benchmarks.md.

Prints the median and p90 wall time of each and its ratio to the bare interpreter. The issue's
target is under 0.5 s for both; the ratio says how much of that is Germinate on this machine.

Run: ``python tests/benchmarks/bench_cli.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "germinate --help": [sys.executable, "-m", "germinate.cli", "--help"],
    "germinate validate examples/target": [sys.executable, "-m", "germinate.cli", "validate", "examples/target"],
}


def once(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (interleaved)")
    args = parser.parse_args()
    for argv in COMMANDS.values():
        once(argv)  # warm the page cache and .pyc files
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, argv in COMMANDS.items():
            times[name].append(once(argv))
    print(f"machine: {platform.machine()} python {platform.python_version()}, {os.cpu_count()} cpus, "
          f"load {os.getloadavg()[0]:.1f}; {args.runs} interleaved runs each")
    base = statistics.median(times["python -c pass"])
    slow = []
    for name, values in times.items():
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:<38} median {median * 1000:6.0f} ms  p90 {p90 * 1000:6.0f} ms  ratio {median / base:5.1f}x")
        if name != "python -c pass" and median >= 0.5:
            slow.append(name)
    if slow:
        print(f"over 0.5 s (median): {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
