"""test: the target's tests under coverage and radon on the changed files, at the change's head;
and the gates the loop reads between rounds (static ones before the tests, all after)."""

from __future__ import annotations

from pathlib import Path

from prefect import task

from germinate.models import Change, Evaluation, GateResult, Plan, Snapshot
from germinate.seed import LoadedSeed
from tasks._caching import content_key
from tasks.log import tested_commit_name


def _test_key(p: dict) -> list[object]:
    return [p["change"].head_sha, p["change"].base_sha, p["loaded"].sha256]


@task(name="test", task_run_name=tested_commit_name, cache_key_fn=content_key(_test_key), persist_result=True)
def run_tests_task(repo: str, loaded: LoadedSeed, change: Change) -> Evaluation:
    """The change measured; cached by content (head + base SHA, seed hash, this task's source)."""
    from germinate.cycle.evidence import evaluate

    return evaluate(Path(repo), loaded, change)


def _proof_key(p: dict) -> list[object]:
    return [p["change"].head_sha, p["change"].base_sha, p["plan"].kind, p["plan"].ticket.kind, p["loaded"].sha256]


@task(name="ticket-proof", cache_key_fn=content_key(_proof_key), persist_result=True)
def proof_task(repo: str, loaded: LoadedSeed, plan: Plan, change: Change, evaluation: Evaluation) -> Evaluation:
    """The evaluation with the tests that fail on the base and pass on the head (FAIL_TO_PASS):
    the head's changed test files run against the base's code, in the sandbox."""
    from germinate.cycle.evidence import prove

    return prove(Path(repo), loaded, plan, change, evaluation)


@task(name="static-gates")
def static_gates_task(repo: str, loaded: LoadedSeed, plan: Plan, change: Change) -> list[GateResult]:
    """The gates that read the change without running it (before any of its code executes)."""
    from germinate.cycle.evidence import static_gates

    return static_gates(repo, loaded, change, plan.ticket)


@task(name="gates")
def gates_task(repo: str, loaded: LoadedSeed, plan: Plan, change: Change, evaluation: Evaluation,
               before: Snapshot) -> list[GateResult]:
    """Every gate over the tested change (what the loop sends back, or shows the reviewer)."""
    from germinate.cycle.evidence import run_gates, ticket_gates

    return run_gates(Path(repo), loaded, change, evaluation=evaluation, before=before, ticket=plan.ticket,
                     labels=list(plan.ticket.labels)) + ticket_gates(loaded, plan, change, evaluation)
