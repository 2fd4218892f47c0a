"""The lint pass after each edit: ruff's pyflakes (F) and syntax (E9) rules, new findings only.

Static analysis, so no sandbox is needed: ruff reads the files, it never runs them. A finding
that the file already had before the edit is not the model's doing and is not reported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from germinate.errors import GerminateError

RULES = "F,E9"
TIMEOUT_SECONDS = 60


class LintUnavailable(GerminateError):
    """ruff could not be run (it is a runtime dependency of Germinate: reinstall it)."""


def new_findings(worktree: Path, paths: list[str]) -> list[str]:
    """``path:line:col: CODE message`` for findings the uncommitted edits added to ``paths``."""
    found: list[str] = []
    for path in sorted(p for p in set(paths) if p.endswith(".py")):
        target = worktree / path
        if not target.is_file():
            continue
        before = Counter(_key(f) for f in _check(worktree, path, _committed(worktree, path)))
        for finding in _check(worktree, path, target.read_text(encoding="utf-8", errors="replace")):
            key = _key(finding)
            if before[key] > 0:
                before[key] -= 1
                continue
            loc = finding.get("location") or {}
            found.append(f"{path}:{loc.get('row', '?')}:{loc.get('column', '?')}: "
                         f"{finding.get('code')} {finding.get('message')}")
    return found


def feedback(findings: list[str]) -> str:
    """What the model reads: like a failed edit, what is wrong and what to send."""
    lines = ["# The edits were applied, but the lint pass (ruff rules F and E9) found new problems:"]
    lines += [f"- {f}" for f in findings[:30]]
    if len(findings) > 30:
        lines.append(f"- ... and {len(findings) - 30} more")
    lines.append("Reply with edit blocks that fix them (undefined names, unused imports, "
                 "redefinitions...); the applied edits are kept.")
    return "\n".join(lines) + "\n"


def _key(finding: dict) -> tuple[str, str]:
    return str(finding.get("code")), str(finding.get("message"))


def _committed(worktree: Path, path: str) -> str:
    proc = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=worktree, capture_output=True, text=True,
                          check=False)
    return proc.stdout if proc.returncode == 0 else ""


def _check(worktree: Path, path: str, source: str) -> list[dict]:
    if not source:
        return []
    argv = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select", RULES,
            "--output-format", "json", "--stdin-filename", path, "-"]
    try:
        proc = subprocess.run(argv, cwd=worktree, input=source, capture_output=True, text=True,
                              timeout=TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LintUnavailable(f"ruff could not run on {path}: {exc}. Fix: pip install ruff") from exc
    if proc.returncode not in (0, 1):
        raise LintUnavailable(f"ruff failed on {path} (exit {proc.returncode}): {proc.stderr.strip()[:300]}. "
                              "Fix: pip install 'ruff>=0.6'")
    try:
        return list(json.loads(proc.stdout or "[]"))
    except json.JSONDecodeError as exc:
        raise LintUnavailable(f"ruff's report on {path} is not JSON: {exc}") from exc
