"""The evidence a decision is made from, Prefect-free: measure the change, run the gates, reward.

Gates come from the governor (``germinate.policy``), measurements and the reward from the
sense area (``germinate.metrics``); this module only wires them to a ``Change``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from germinate.models import Change, Evaluation, GateResult, Plan, Reward, Snapshot, Ticket
from germinate.seed import LoadedSeed

if TYPE_CHECKING:
    from germinate.diff import ChangeSet


@lru_cache(maxsize=16)
def _changeset(worktree: str, base_sha: str, head_sha: str) -> ChangeSet:
    """The change between two commits (immutable, so computed once per process: the
    reviewer's pre-gates, the test stage and the decision all read the same one)."""
    from germinate.diff import changeset_between

    return changeset_between(Path(worktree), base_sha, head_sha)


def evaluate(repo: Path, loaded: LoadedSeed, change: Change) -> Evaluation:
    """Tests under coverage and radon on the changed files, at the change's head."""
    from germinate.metrics import evaluate_change

    worktree = Path(change.worktree)
    changes = _changeset(str(worktree), change.base_sha, change.head_sha)
    return evaluate_change(repo, worktree, loaded, base_sha=change.base_sha,
                           changed_files=changes.paths(), added_lines=changes.added_line_numbers())


def pre_gate_findings(repo: str | Path, loaded: LoadedSeed, change: Change, ticket: Ticket) -> list[GateResult]:
    """Gates that need no test run (paths, sizes, secrets...), shown to the reviewer."""
    if not change.files_changed:
        return []
    return run_gates(Path(repo), loaded, change, evaluation=None, before=None, ticket=ticket)


def static_gates(repo: str | Path, loaded: LoadedSeed, change: Change, ticket: Ticket) -> list[GateResult]:
    """The gates that read only the committed change (paths, sizes, secrets, dependencies...):
    they run before any of its code does, so a blocking security verdict costs no execution."""
    from germinate.policy import run_static_gates

    if not change.files_changed:
        return []
    changes = _changeset(str(Path(change.worktree)), change.base_sha, change.head_sha)
    return run_static_gates(loaded.seed, changes, ticket=ticket, labels=list(ticket.labels)).results


def uncovered_added_lines(change: Change, evaluation: Evaluation) -> dict[str, list[int]]:
    """``{path: [line, ...]}`` of lines the change added that its tests never executed."""
    changes = _changeset(str(Path(change.worktree)), change.base_sha, change.head_sha)
    files = evaluation.coverage.files
    out: dict[str, list[int]] = {}
    for path, lines in changes.added_line_numbers().items():
        measured = files.get(path)
        if measured is None:
            continue
        missing = sorted(set(lines) & set(measured.missing_lines))
        if missing:
            out[path] = missing
    return out


def run_gates(
    repo: Path, loaded: LoadedSeed, change: Change, *, evaluation: Evaluation | None,
    before: Snapshot | None, ticket: Ticket | None, labels: list[str] | None = None,
    repo_labels: list[str] | None = None, approved: bool = False,
) -> list[GateResult]:
    """Every gate from the seed over the change.

    The head side is read from the change's worktree; the base side from git's objects at
    ``base_sha`` (one ``git cat-file --batch`` for every changed file), which is what a
    checkout of the base would hold, without creating and removing a worktree for it on
    every review round and decision.
    """
    from germinate.policy import evaluate_gates

    worktree = Path(change.worktree)
    changes = _changeset(str(worktree), change.base_sha, change.head_sha)
    return evaluate_gates(
        loaded.seed, changes, worktree=worktree, base_worktree=None, evaluation=evaluation,
        base_snapshot=before, ticket=ticket, labels=labels or [], repo_labels=repo_labels or [],
        approvals_needed_ok=approved,
    )


def ticket_gates(loaded: LoadedSeed, plan: Plan, change: Change, evaluation: Evaluation | None) -> list[GateResult]:
    """The gates that relate the change to its ticket (the FAIL_TO_PASS proof), beside the seed's."""
    from germinate.cycle.proof import proof_gate

    gate = proof_gate(loaded.seed, plan, change, evaluation)
    return [gate] if gate is not None else []


def prove(repo: Path, loaded: LoadedSeed, plan: Plan, change: Change, evaluation: Evaluation) -> Evaluation:
    """``evaluation`` with its FAIL_TO_PASS tests, when the change's kind needs that proof."""
    from germinate.cycle.proof import needs_proof, with_proof

    if not needs_proof(loaded.seed, plan, change):
        return evaluation
    return with_proof(repo, loaded, change, evaluation)


def reward_for(before: Snapshot, evaluation: Evaluation, loaded: LoadedSeed) -> Reward:
    """The reward of the change against the snapshot it started from."""
    from germinate.metrics import compute_reward

    return compute_reward(before, evaluation, loaded.seed.evaluation.reward_weights)
