"""What every gate reads: the seed (the only source of thresholds), the change, and the
two sides of it. File contents come from the worktrees when given, else from git objects,
so static gates work on any two commits without a checkout.
"""

from __future__ import annotations

import ast
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from germinate.diff import ChangeSet
from germinate.models import Evaluation, GateResult, Severity, Snapshot, Ticket
from germinate.seed import Seed
from germinate.workspace import GIT_ENV

Side = Literal["base", "head"]
MAX_READ_BYTES = 2_000_000
MAX_EVIDENCE = 25


@dataclass
class GateContext:
    seed: Seed
    changes: ChangeSet
    worktree: Path | None = None
    base_worktree: Path | None = None
    evaluation: Evaluation | None = None
    base_snapshot: Snapshot | None = None
    ticket: Ticket | None = None
    labels: list[str] = field(default_factory=list)
    repo_labels: list[str] = field(default_factory=list)
    _texts: dict[tuple[Side, str], str | None] = field(default_factory=dict, repr=False)
    _trees: dict[tuple[Side, str], ast.Module | None] = field(default_factory=dict, repr=False)

    def text(self, side: Side, path: str) -> str | None:
        """A file's text on one side of the change; None if absent, binary, a symlink or huge."""
        key = (side, path)
        if key not in self._texts:
            self._texts[key] = self._read(side, path)
        return self._texts[key]

    def tree(self, side: Side, path: str) -> ast.Module | None:
        """The parsed module on one side; None if absent or not valid Python."""
        key = (side, path)
        if key not in self._trees:
            text = self.text(side, path)
            try:
                self._trees[key] = ast.parse(text) if text is not None else None
            except (SyntaxError, ValueError):
                self._trees[key] = None
        return self._trees[key]

    def _read(self, side: Side, path: str) -> str | None:
        root = self.worktree if side == "head" else self.base_worktree
        if root is not None:
            return _read_file(root, path)
        sha = self.changes.head if side == "head" else self.changes.base
        return _read_blob(Path(self.changes.repo), sha, path)


def _read_file(root: Path, path: str) -> str | None:
    target = root / path
    # Never follow a symlink: it may point anywhere on the machine.
    if target.is_symlink() or not target.is_file() or target.stat().st_size > MAX_READ_BYTES:
        return None
    data = target.read_bytes()
    return None if b"\0" in data[:8000] else data.decode("utf-8", "replace")


def _read_blob(repo: Path, sha: str, path: str) -> str | None:
    env = {**os.environ, **GIT_ENV}
    spec = f"{sha}:{path}"
    info = subprocess.run(["git", "ls-tree", sha, "--", path], cwd=repo, env=env,
                          capture_output=True, check=False).stdout.decode("utf-8", "replace")
    if not info or info.split()[0] not in ("100644", "100755"):
        return None
    proc = subprocess.run(["git", "cat-file", "blob", spec], cwd=repo, env=env,
                          capture_output=True, check=False)
    data = proc.stdout
    if proc.returncode != 0 or len(data) > MAX_READ_BYTES or b"\0" in data[:8000]:
        return None
    return data.decode("utf-8", "replace")


def gate(name: str, *, ok: str, block: list[str] | None = None, approval: list[str] | None = None,
         warn: list[str] | None = None, what: str = "") -> GateResult:
    """One gate's result: the worst kind of finding sets the severity; evidence lists them all."""
    block, approval, warn = block or [], approval or [], warn or []
    severity: Severity = "block" if block else "needs_approval" if approval else "warn"
    findings = block + approval + warn
    if not findings:
        return GateResult(name=name, passed=True, severity="block", message=ok)
    shown = findings[:MAX_EVIDENCE]
    if len(findings) > MAX_EVIDENCE:
        shown.append(f"... and {len(findings) - MAX_EVIDENCE} more")
    first = findings[0].split(": ", 1)[-1]
    message = f"{what}: {first}" if what else first
    if len(findings) > 1:
        message += f" (+{len(findings) - 1} more)"
    return GateResult(name=name, passed=False, severity=severity, message=message, evidence=shown)


def not_measured(name: str, why: str) -> GateResult:
    """A gate that needs a measurement that was not taken: a visible warning, never a silent pass."""
    return GateResult(name=name, passed=False, severity="warn", message=f"not checked: {why}")
