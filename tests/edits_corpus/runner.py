"""Run the edit-block corpus: each case is a model reply, the files it edits, and the expected outcome.

A case file (``cases/*.yaml``)::

    quirk: what is unusual about this reply
    files: {path: content}            # the worktree before the reply
    symlinks: {path: target}          # optional; "{outside}" is a folder outside the worktree
    crlf: [reply, path...]            # optional: these get CRLF line endings first
    reply: the model's text
    expect:
      outcome: applied | partial | rejected | parse_error
      files: {path: content | null}   # content after (null: must not exist); others unchanged
      message: [words the feedback or parse error must contain]

Used by tests/unit/test_edits_corpus.py and tests/benchmarks/bench_edits.py.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from germinate.edits import EditParseError, apply_edit_blocks, parse_edit_blocks

CASES = Path(__file__).parent / "cases"


@dataclass(frozen=True)
class CaseResult:
    name: str
    expected: str
    outcome: str  # what happened: applied, partial, rejected, parse_error
    files_ok: bool  # every file is as expected (changed ones and untouched ones)
    message_ok: bool  # the feedback names every expected word
    claimed_applied: int  # blocks the report says were applied
    feedback: str
    problems: list[str]

    @property
    def correct(self) -> bool:
        return self.outcome == self.expected and self.files_ok and self.message_ok

    @property
    def silently_wrong(self) -> bool:
        """A change was reported as applied, but the files are not what they should be."""
        return (self.claimed_applied > 0 and not self.files_ok) or (
            self.outcome == "applied" and self.expected != "applied"
        )


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(p.stem, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in sorted(CASES.glob("*.yaml"))]


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _build(root: Path, outside: Path, case: dict[str, Any]) -> None:
    crlf = set(case.get("crlf", []))
    for rel, text in (case.get("files") or {}).items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((_crlf(text) if rel in crlf else text).encode())
    for rel, target in (case.get("symlinks") or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).symlink_to(target.replace("{outside}", str(outside)))


def _check_files(root: Path, outside: Path, case: dict[str, Any]) -> list[str]:
    crlf = set(case.get("crlf", []))
    wanted: dict[str, str | None] = dict(case.get("files") or {})
    wanted.update(case["expect"].get("files") or {})
    problems = []
    for rel, text in wanted.items():
        target = root / rel
        if text is None:
            if target.exists():
                problems.append(f"{rel} should not exist")
            continue
        expected = (_crlf(text) if rel in crlf else text).encode()
        if not target.is_file():
            problems.append(f"{rel} is missing")
        elif target.read_bytes() != expected:
            problems.append(f"{rel} differs:\n{target.read_bytes().decode(errors='replace')}")
    if any(outside.iterdir()):
        problems.append(f"something was written outside the worktree: {list(outside.iterdir())}")
    return problems


def run_case(name: str, case: dict[str, Any]) -> CaseResult:
    reply = case["reply"]
    if "reply" in case.get("crlf", []):
        reply = _crlf(reply)
    expect = case["expect"]
    with tempfile.TemporaryDirectory() as tmp:
        root, outside = Path(tmp) / "worktree", Path(tmp) / "outside"
        root.mkdir()
        outside.mkdir()
        _build(root, outside, case)
        claimed = 0
        try:
            report = apply_edit_blocks(root, parse_edit_blocks(reply))
        except EditParseError as err:
            outcome, feedback = "parse_error", str(err)
        else:
            claimed, feedback = len(report.applied), report.feedback()
            outcome = "applied" if report.ok else ("partial" if report.applied else "rejected")
        file_problems = _check_files(root, outside, case)
    missing = [w for w in expect.get("message", []) if w.lower() not in feedback.lower()]
    problems = list(file_problems)
    if missing:
        problems.append(f"feedback lacks {missing}")
    if outcome != expect["outcome"]:
        problems.append(f"outcome {outcome}, expected {expect['outcome']}")
    return CaseResult(
        name,
        expect["outcome"],
        outcome,
        not file_problems,
        not missing,
        claimed,
        feedback,
        problems,
    )


def run_corpus() -> list[CaseResult]:
    return [run_case(name, case) for name, case in load_cases()]
