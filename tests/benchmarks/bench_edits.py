"""Edit-block benchmark (issue 4): the corpus in tests/edits_corpus/, figures for docs/benchmarks/edits-context.md.

Prints, over every corpus case (a realistic model reply with quirks, its files, its expected
outcome): the rate applied correctly (of the cases that should apply), the rate rejected with
a useful message (of the cases that should fail, fully or partly: right outcome, feedback
names every expected word, files exactly as expected), the count of silent wrong
applications (a block reported applied while the files are wrong; must be 0), and the
median time to parse and apply one reply. Exit 1 when any case is silently wrong.

Run: ``python tests/benchmarks/bench_edits.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.edits_corpus.runner import load_cases, run_case  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=5, help="passes over the corpus (timing median)"
    )
    args = parser.parse_args()
    cases = load_cases()
    timings: list[float] = []
    results = []
    for _ in range(args.runs):
        results = []
        for name, case in cases:
            start = time.perf_counter()
            results.append(run_case(name, case))
            timings.append(time.perf_counter() - start)
    should_apply = [r for r in results if r.expected == "applied"]
    should_fail = [r for r in results if r.expected != "applied"]
    applied_ok = sum(r.correct for r in should_apply)
    rejected_ok = sum(r.correct for r in should_fail)
    silent = [r.name for r in results if r.silently_wrong]
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}"
    )
    print(
        f"corpus: {len(cases)} replies ({len(should_apply)} should apply, {len(should_fail)} should fail "
        f"or partly fail), {args.runs} runs"
    )
    print(
        f"applied correctly: {applied_ok}/{len(should_apply)} = {applied_ok / max(1, len(should_apply)):.1%}"
    )
    print(
        f"rejected with a useful message: {rejected_ok}/{len(should_fail)} = "
        f"{rejected_ok / max(1, len(should_fail)):.1%}"
    )
    print(f"silently wrong applications: {len(silent)} {silent if silent else ''}")
    print(
        f"median time per reply (temp worktree + parse + apply + compile): "
        f"{statistics.median(timings) * 1000:.2f} ms"
    )
    for r in results:
        if not r.correct:
            print(f"  MISS {r.name}: {'; '.join(r.problems)[:300]}")
    return 1 if silent else 0


if __name__ == "__main__":
    sys.exit(main())
