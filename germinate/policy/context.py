"""What every gate reads: the seed (the only source of thresholds), the change, and the
two sides of it. File contents come from the worktrees when given, else from git objects,
so static gates work on any two commits without a checkout.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from germinate.diff import ChangeSet
from germinate.models import Evaluation, GateResult, Severity, Snapshot, Ticket
from germinate.seed import Seed
from germinate.workspace import git_bytes

Side = Literal["base", "head"]
MAX_READ_BYTES = 2_000_000
REGULAR_MODES = ("100644", "100755")
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
    _blobs: dict[tuple[Side, str], str | None] | None = field(default=None, repr=False)
    _trees: dict[tuple[Side, str], ast.Module | None] = field(default_factory=dict, repr=False)
    _base_paths: list[str] | None = field(default=None, repr=False)

    def base_paths(self) -> list[str]:
        """Every file path in the base commit's tree (read from git, not from a checkout)."""
        if self._base_paths is None:
            out = git_bytes(Path(self.changes.repo), "ls-tree", "-r", "-z", "--name-only", self.changes.base)
            self._base_paths = [p.decode("utf-8", "replace") for p in out.split(b"\0") if p]
        return self._base_paths

    def text(self, side: Side, path: str) -> str | None:
        """A file's text on one side of the change; None if absent, binary, a symlink or huge."""
        key = (side, path)
        if key not in self._texts:
            self._texts[key] = self._read(side, path)
        return self._texts[key]

    def prefetch(self, side: Side, paths: list[str]) -> None:
        """Read many unchanged files of one side in one git process (``text`` then answers from memory)."""
        wanted = [p for p in dict.fromkeys(paths) if (side, p) not in self._texts]
        root = self.worktree if side == "head" else self.base_worktree
        if not wanted or root is not None:
            return
        if self._blobs is None:
            self._blobs = self._changed_blobs()
        missing = [p for p in wanted if (side, p) not in self._blobs]
        sha = self.changes.head if side == "head" else self.changes.base
        for path, text in zip(missing, _read_blobs(Path(self.changes.repo), [(sha, p) for p in missing]), strict=True):
            self._texts[(side, path)] = text

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
        if self._blobs is None:
            self._blobs = self._changed_blobs()
        if (side, path) in self._blobs:
            return self._blobs[(side, path)]
        sha = self.changes.head if side == "head" else self.changes.base
        return _read_blobs(Path(self.changes.repo), [(sha, path)])[0]

    def _changed_blobs(self) -> dict[tuple[Side, str], str | None]:
        """Both sides of every changed regular file, read by object id in one ``git cat-file``.

        By id, not by ``commit:path``: a malformed tree's ``../x`` is data here, not a path git
        resolves against the current folder.
        """
        wanted: list[tuple[Side, str]] = []
        specs: list[str] = []
        for f in self.changes.files:
            if f.status != "deleted" and f.mode in REGULAR_MODES:
                wanted.append(("head", f.path))
                specs.append(f.blob or _spec(self.changes.head, f.path))
            if f.status != "added" and f.old_mode in REGULAR_MODES:
                wanted.append(("base", f.old_path or f.path))
                specs.append(f.old_blob or _spec(self.changes.base, f.old_path or f.path))
        texts = _read_objects(Path(self.changes.repo), specs)
        blobs: dict[tuple[Side, str], str | None] = dict(zip(wanted, texts, strict=True))
        for f in self.changes.files:  # symlinks, deleted and missing sides read as absent
            blobs.setdefault(("head", f.path), None)
            blobs.setdefault(("base", f.old_path or f.path), None)
        return blobs


def _read_file(root: Path, path: str) -> str | None:
    target = root / path
    # Never follow a symlink: it may point anywhere on the machine.
    if target.is_symlink() or not target.is_file() or target.stat().st_size > MAX_READ_BYTES:
        return None
    data = target.read_bytes()
    return None if b"\0" in data[:8000] else data.decode("utf-8", "replace")


def _read_blobs(repo: Path, specs: list[tuple[str, str]]) -> list[str | None]:
    """Texts of ``(commit, path)`` blobs in one git process; None if missing, binary or huge.

    Paths reaching here are unchanged files (changed ones are read by object id), read as
    whatever blob git holds; a path git would resolve outside the tree reads as absent.
    """
    return _read_objects(repo, [_spec(sha, path) for sha, path in specs])


def _spec(sha: str, path: str) -> str:
    """``sha:path`` for ``cat-file``, or "" (read as absent) for a path git would resolve elsewhere."""
    return f"{sha}:{path}" if _plain(path) else ""


def _plain(path: str) -> bool:
    parts = path.split("/")
    return "\n" not in path and not path.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _read_objects(repo: Path, specs: list[str]) -> list[str | None]:
    """Texts of objects named by ``specs`` (ids or ``rev:path``); "" or unreadable names read None."""
    asked = [spec for spec in specs if spec and "\n" not in spec]  # the protocol is line-based
    if len(asked) < len(specs):
        answers = iter(_read_objects(repo, asked))
        return [next(answers) if spec and "\n" not in spec else None for spec in specs]
    if not specs:
        return []
    request = "".join(f"{spec}\n" for spec in specs).encode()
    out = git_bytes(repo, "cat-file", "--batch", input=request)
    texts: list[str | None] = []
    pos = 0
    for _ in specs:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3 or header[1] != b"blob":  # "<spec> missing" or a tree
            texts.append(None)
            continue
        size = int(header[2])
        data = out[pos:pos + size]
        pos += size + 1
        binary = len(data) > MAX_READ_BYTES or b"\0" in data[:8000]
        texts.append(None if binary else data.decode("utf-8", "replace"))
    return texts


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
    first = findings[0].removeprefix("(change): ")
    message = f"{what}: {first}" if what else first
    if len(findings) > 1:
        message += f" (+{len(findings) - 1} more)"
    return GateResult(name=name, passed=False, severity=severity, message=message, evidence=shown)


def not_measured(name: str, why: str) -> GateResult:
    """A gate that needs a measurement that was not taken: a visible warning, never a silent pass."""
    return GateResult(name=name, passed=False, severity="warn", message=f"not checked: {why}")
