"""Sense benchmark: three figures (issue 3), written to docs/benchmarks/sense.md.

1. Cold sense of this repository / the bare work it wraps (``coverage run -m pytest`` plus
   ``radon cc``/``mi``/``raw`` run by hand on the same clean checkout). Goal <= 1.15.
   Both use the same interpreter (``GERMINATE_TARGET_VENV``, default: this repo's .venv),
   so the ratio is Germinate's overhead, not a venv build. "Cold": empty germinate home
   (no snapshot cache, no radon cache).
2. Warm sense at an unchanged commit (``take_snapshot`` again, and the ``germinate sense``
   CLI as a process). Goal <= 1 s.
3. Incremental radon after one file changes, in a >= 100k-line corpus (an installed
   package's source in a temp git repo) / a cold radon pass. Goal <= 5 %.

Run: ``python tests/benchmarks/bench_sense.py [--runs N] [--tests 'python -m pytest -q tests/unit']``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from germinate.metrics.radon import measure_complexity  # noqa: E402
from germinate.metrics.snapshot import take_snapshot, with_test_command  # noqa: E402
from germinate.seed import repo_seed  # noqa: E402
from germinate.workspace import clean_checkout  # noqa: E402

CORPUS_PACKAGE = "prefect"
CORPUS_LINES = 100_000


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bare_work(repo: Path, venv: Path, command: str) -> float:
    """What sense wraps, done by hand: coverage run of the tests, then radon cc, mi and raw."""
    python = str(venv / "bin" / "python")
    radon = [sys.executable, "-m", "radon"]
    with clean_checkout(repo, "HEAD", name="bench-bare") as tree, tempfile.TemporaryDirectory() as tmp:
        args = command.split()[1:] if command.startswith("python ") else ["-m", *command.split()]
        env = {**os.environ, "COVERAGE_FILE": f"{tmp}/.coverage", "PATH": f"{venv}/bin:{os.environ['PATH']}"}
        started = time.perf_counter()
        subprocess.run([python, "-m", "coverage", "run", *args], cwd=tree, env=env, capture_output=True, check=False)
        for sub in (["cc", "-s", "-a"], ["mi", "-s"], ["raw", "-s"]):
            subprocess.run([*radon, *sub, "."], cwd=tree, capture_output=True, check=True)
        return time.perf_counter() - started


def committed_copy(repo: Path, target: Path) -> Path:
    """This repository as it is now (tracked + untracked, not ignored) committed in a temp repo.

    Sense reads commits, and the tree under development is ahead of its last commit.
    """
    listing = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=repo, check=True,
                             capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listing):
        source = repo / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "bench copy"]):
        subprocess.run(["git", *args], cwd=target, check=True, capture_output=True)
    return target


def fresh_home() -> str:
    home = tempfile.mkdtemp(prefix="germinate-bench-home-")
    os.environ["GERMINATE_HOME"] = home
    return home


def figure_cold(repo: Path, venv: Path, command: str, runs: int) -> tuple[list[float], list[float]]:
    loaded = with_test_command(repo_seed(repo), command)
    senses, bares = [], []
    for _ in range(runs):
        bares.append(bare_work(repo, venv, command))
        home = fresh_home()
        senses.append(timed(lambda: take_snapshot(repo, loaded)))  # noqa: B023
        shutil.rmtree(home, ignore_errors=True)
    return senses, bares


def figure_warm(repo: Path, command: str, runs: int) -> tuple[list[float], list[float]]:
    loaded = with_test_command(repo_seed(repo), command)
    fresh_home()
    take_snapshot(repo, loaded)
    in_process = [timed(lambda: take_snapshot(repo, loaded)) for _ in range(runs)]
    cli = [sys.executable, "-m", "germinate.cli", "sense", str(repo), "--test-command", command]
    subprocess.run(cli, capture_output=True, check=True, cwd=ROOT)  # the CLI's own process warms its cache
    process = [timed(lambda: subprocess.run(cli, capture_output=True, check=True, cwd=ROOT)) for _ in range(runs)]
    return in_process, process


def build_corpus(target: Path) -> int:
    """Copy the installed package's modules into a git repo until it holds >= CORPUS_LINES lines."""
    source = Path(__import__(CORPUS_PACKAGE).__file__).parent
    lines = 0
    for path in sorted(source.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        dest = target / path.relative_to(source.parent)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text)
        lines += text.count("\n")
        if lines >= CORPUS_LINES:
            break
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.name=b", "-c", "user.email=b@b",
                                                                "commit", "-qm", "corpus"]):
        subprocess.run(["git", *args], cwd=target, check=True, capture_output=True)
    return lines


def figure_incremental(runs: int) -> tuple[int, int, list[float], list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        lines = build_corpus(corpus)
        files = sorted(corpus.rglob("*.py"))
        seed = repo_seed(corpus).seed
        colds, incrementals = [], []
        for i in range(runs):
            fresh_home()
            colds.append(timed(lambda: measure_complexity(corpus, seed, repo=corpus)))  # noqa: B023
            with files[len(files) // 2].open("a") as handle:
                handle.write(f"\n\ndef bench_added_{i}(x):\n    return x + {i}\n")
            incrementals.append(timed(lambda: measure_complexity(corpus, seed, repo=corpus)))  # noqa: B023
        return lines, len(files), colds, incrementals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tests", default=os.environ.get("BENCH_SENSE_TESTS", "python -m pytest -q tests/unit"),
                        help="test command for figure 1 (default: this repo's unit tests)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks" / "sense.md"))
    args = parser.parse_args(argv)
    venv = Path(os.environ.setdefault("GERMINATE_TARGET_VENV", str(ROOT / ".venv")))
    med = statistics.median

    copy = committed_copy(ROOT, Path(tempfile.mkdtemp(prefix="germinate-bench-repo-")))
    senses, bares = figure_cold(copy, venv, args.tests, args.runs)
    ratio = med(senses) / med(bares)
    print(f"cold sense / bare work: {med(senses):.2f} s / {med(bares):.2f} s = {ratio:.3f} (goal <= 1.15)", flush=True)
    warm, warm_cli = figure_warm(copy, args.tests, args.runs)
    print(f"warm sense: {med(warm):.3f} s in process, {med(warm_cli):.3f} s as a CLI process (goal <= 1 s)", flush=True)
    lines, nfiles, colds, incs = figure_incremental(args.runs)
    share = med(incs) / med(colds)
    print(f"incremental radon ({lines} lines, {nfiles} files): {med(incs):.2f} s / cold {med(colds):.2f} s "
          f"= {share:.1%} (goal <= 5%)", flush=True)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}; "
               f"load average at the end {load} (other work on the machine makes single runs noisy)")
    doc = f"""# Sense benchmarks

Produced by `python tests/benchmarks/bench_sense.py --runs {args.runs}`; medians of {args.runs} runs.
Machine: {machine}.

| figure | repo / corpus | median | goal |
|---|---|---:|---:|
| cold sense / bare work | this repository (working tree, committed to a temp repo), `{args.tests}` | {med(senses):.2f} s / {med(bares):.2f} s = **{ratio:.3f}** | <= 1.15 |
| warm sense, unchanged commit (in process) | this repository | **{med(warm):.3f} s** | <= 1 s |
| warm sense, unchanged commit (`germinate sense` process) | this repository | **{med(warm_cli):.3f} s** | <= 1 s |
| incremental radon after one file changes / cold pass | {CORPUS_PACKAGE} source, {lines} lines, {nfiles} files | {med(incs):.2f} s / {med(colds):.2f} s = **{share:.1%}** | <= 5% |

Bare work = `coverage run -m pytest ...` then `radon cc`, `radon mi`, `radon raw` on the same clean checkout,
with the same interpreter. Cold sense = `take_snapshot` with an empty germinate home (clean checkout,
tests under coverage with junit xml, coverage json, radon in parallel with the tests, git churn, scout),
target venv given by `GERMINATE_TARGET_VENV` (the build of a venv is a one-off per dependency hash and is
not part of either side). Raw runs: sense {[round(s, 2) for s in senses]}, bare {[round(b, 2) for b in bares]},
warm {[round(w, 3) for w in warm]}, warm CLI {[round(w, 3) for w in warm_cli]},
radon cold {[round(c, 2) for c in colds]}, incremental {[round(i, 3) for i in incs]}.
"""
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(doc)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
