"""A decided change, ready to land: the demo target's ticket "test unit conversion" implemented
on its own branch (one new test file), tested, gated and decided, as a cycle leaves it before
landing. The landing tests start from here, without Prefect."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from germinate.cycle.act import describe_change, prepare_worktree
from germinate.cycle.decide import decide
from germinate.cycle.evidence import evaluate, run_gates
from germinate.cycle.land import Landing, land_change
from germinate.metrics import take_snapshot
from germinate.models import Change, Decision, Evaluation, Plan, Reward, Snapshot, Ticket
from germinate.seed import LoadedSeed, load_seed
from germinate.store import Store
from germinate.workspace import commit_worktree

TEST_UNITS = '''from minicalc.units import convert


def test_km():
    assert convert(1, "km", "m") == 1000
'''


@dataclass(frozen=True)
class DecidedChange:
    loaded: LoadedSeed
    before: Snapshot
    plan: Plan
    branch: str
    worktree: Path
    change: Change
    evaluation: Evaluation
    decision: Decision

    def land(self, repo: Path, store: Store, decision: Decision | None = None,
             change: Change | None = None) -> Landing:
        """``land_change`` with this change's evidence (another decision or change if given)."""
        return land_change(repo, self.loaded, store, self.plan, decision or self.decision, change or self.change,
                           before=self.before, evaluation=self.evaluation)


def decided_change(repo: Path, ticket: Ticket, *, cycle_id: str = "c-1", reward: Reward | None = None,
                   scope: list[str] | None = None) -> DecidedChange:
    """Implement, test, gate and decide the ticket on the target's current seed and ``main``."""
    loaded = load_seed(repo / "seed.yaml")
    before = take_snapshot(repo, loaded, ref="refs/heads/main")
    plan = Plan(ticket=ticket, summary="Test convert().", acceptance_criteria=["km -> m"], scope=scope or [])
    branch, worktree = prepare_worktree(repo, ticket.id, before.commit)
    (worktree / "tests" / "test_units.py").write_text(TEST_UNITS)
    commit_worktree(worktree, "test units")
    change = describe_change(ticket.id, branch, worktree, before.commit, rounds=1)
    evaluation = evaluate(repo, loaded, change)
    gates = run_gates(repo, loaded, change, evaluation=evaluation, before=before, ticket=ticket)
    decision = decide(cycle_id=cycle_id, ticket=ticket, change=change, gates=gates, reward=reward or Reward(),
                      seed=loaded.seed)
    return DecidedChange(loaded, before, plan, branch, worktree, change, evaluation, decision)
