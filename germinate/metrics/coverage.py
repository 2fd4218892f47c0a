"""Coverage data -> ``CoverageReport``: total, per file, per critical path, per line.

The data file is read by the target venv's own ``coverage json`` (same coverage version that
wrote it, and the target's own report settings), in a separate, isolated (``python -I``)
process in the sandbox after the tests have ended, never by the tested interpreter; then it is
reduced to our contract. Executed and
missing lines per file are kept, so that ``diff_coverage`` can score a change's added lines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from germinate.globs import glob_match
from germinate.metrics.environment import TargetEnv
from germinate.models import CoverageReport, FileCoverage, covered_share
from germinate.process import log_tail
from germinate.seed import Seed

if TYPE_CHECKING:
    from germinate.environments import Environment

REPORT_TIMEOUT_S = 300.0
# ``coverage json`` output next to the data file, written by the separate report process.
REPORT_JSON = "coverage.json"


def _relative(path: str, worktree: Path) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            return p.resolve().relative_to(worktree.resolve()).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


def _coverage(args: list[str], env: TargetEnv, worktree: Path, log: Path, sandbox: Environment,
              out: Path) -> tuple[int | None, str]:
    """``coverage ARGS`` in the target's venv, in the sandbox, bounded like every target command."""
    result = sandbox.run([str(env.python), "-I", "-m", "coverage", *args], cwd=worktree, env=env.process_env(),
                         timeout=REPORT_TIMEOUT_S, log=log, writable=[out], readable=[*env.readable(), worktree])
    return result.exit_code, log_tail(log, lines=5)


def read_coverage(data_file: Path | None, worktree: Path, env: TargetEnv, seed: Seed,
                  sandbox: Environment | None = None) -> CoverageReport:
    """Reduce a coverage data file to a ``CoverageReport`` (unavailable, with a reason, if missing)."""
    if data_file is None:
        return CoverageReport(available=False, reason="the test command does not run under coverage")
    if sandbox is None:
        from germinate.metrics.testrun import default_sandbox

        sandbox = default_sandbox()
    ready = data_file.parent / REPORT_JSON
    ready.unlink(missing_ok=True)  # only the report process below may write it
    log = data_file.parent.parent / "coverage-report.log"
    # Targets configured with ``parallel = true`` leave ``.coverage.*`` pieces: combine them.
    pieces = list(data_file.parent.glob(data_file.name + ".*"))
    if pieces and not data_file.exists():
        _coverage(["combine", f"--data-file={data_file}", *map(str, pieces)], env, worktree, log, sandbox,
                  data_file.parent)
    if not data_file.exists():
        return CoverageReport(available=False, reason="coverage data missing: the test command wrote none")
    out = ready
    code, output = _coverage(["json", f"--data-file={data_file}", "-o", str(out), "-q", "--ignore-errors"],
                             env, worktree, log, sandbox, data_file.parent)
    if code is None:
        return CoverageReport(available=False, reason=f"coverage report timed out after {REPORT_TIMEOUT_S:.0f}s")
    if code != 0 or not out.exists():
        message = output.strip().splitlines()[-1:] or ["no output"]
        return CoverageReport(available=False, reason=f"coverage report failed: {message[0]}")
    return report_from_json(json.loads(out.read_text()), worktree, seed)


def report_from_json(data: dict, worktree: Path, seed: Seed) -> CoverageReport:
    """Build the report from ``coverage json`` output: statement coverage, or statements plus
    branches when the target turns branch coverage on (the figure ``coverage report`` prints)."""
    branch = bool(data.get("meta", {}).get("branch_coverage"))
    files: dict[str, FileCoverage] = {}
    for raw_path, entry in data.get("files", {}).items():
        path = _relative(raw_path, worktree)
        summary = entry.get("summary", {})
        statements = int(summary.get("num_statements", 0))
        covered = int(summary.get("covered_lines", 0))
        branches = int(summary.get("num_branches", 0)) if branch else 0
        covered_branches = int(summary.get("covered_branches", 0)) if branch else 0
        files[path] = FileCoverage(
            path=path, statements=statements, covered=covered, branches=branches,
            covered_branches=covered_branches,
            percent=(covered + covered_branches) / (statements + branches) if statements + branches else 1.0,
            missing_lines=sorted(entry.get("missing_lines", [])),
            executed_lines=sorted(entry.get("executed_lines", [])),
        )
    critical = {}
    for crit in seed.quality_gates.coverage.critical_paths:
        share = covered_share([f for p, f in files.items() if glob_match(p, crit.path)])
        if share is not None:
            critical[crit.path] = share
    reason = "" if files else "coverage measured no files"
    return CoverageReport(available=bool(files), branch=branch, total=covered_share(list(files.values())),
                          files=files, critical_paths=critical, reason=reason)



def diff_coverage(coverage: CoverageReport, added_lines: dict[str, list[int]]) -> float | None:
    """Share of a change's added executable lines that the tests ran (None: nothing to score)."""
    if not coverage.available:
        return None
    executable = covered = 0
    for path, lines in added_lines.items():
        entry = coverage.files.get(path)
        if entry is None:
            continue
        ran, missed = set(entry.executed_lines), set(entry.missing_lines)
        for line in set(lines):
            if line in ran:
                executable += 1
                covered += 1
            elif line in missed:
                executable += 1
    return covered / executable if executable else None
