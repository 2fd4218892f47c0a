"""The architect: one ticket in, a small testable ``Plan`` out."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import cast

from pydantic import BaseModel, Field

from germinate.agents.prompting import ask_role, clip
from germinate.llm import Gateway
from germinate.models import ChangeKind, FileCoverage, Plan, Snapshot, Ticket
from germinate.seed import Epic, Seed

MAX_REPO_MAP_CHARS = 60_000
MAX_UNCOVERED_FILES = 15


class PlanDraft(BaseModel):
    """What the architect model returns (the gateway validates it)."""

    summary: str = Field(
        ..., min_length=1, description="What changes and why, in one or two sentences."
    )
    acceptance_criteria: list[str] = Field(..., min_length=1, description="Checkable behaviours.")
    scope: list[str] = Field(
        default_factory=list, description="Repository-relative files to touch."
    )
    tests_to_add: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    kind: ChangeKind = Field(
        "feature", description="feature or fix (behaviour: needs a test that fails without the change), "
        "refactor, tests, docs or chore.")


def plan_ticket(gw: Gateway, seed: Seed, ticket: Ticket, snapshot: Snapshot, repo_map: str) -> Plan:
    """Ask the architect for a plan for ``ticket`` given the repository's ``snapshot``."""
    draft = cast(
        PlanDraft,
        ask_role(
            gw,
            "architect",
            PlanDraft,
            ticket_id=ticket.id,
            seed=seed,
            ticket=ticket,
            epic=_epic_for(seed, ticket),
            snapshot=snapshot,
            failing_cases=[c for c in snapshot.tests.cases if c.outcome in ("failed", "error")][
                :10
            ],
            uncovered=uncovered_files(snapshot, ticket.scope),
            repo_map=clip(repo_map, MAX_REPO_MAP_CHARS, "repository map"),
        ),
    )
    return Plan(
        ticket=ticket,
        summary=draft.summary.strip(),
        acceptance_criteria=[c.strip() for c in draft.acceptance_criteria if c.strip()],
        scope=safe_paths(draft.scope or ticket.scope),
        tests_to_add=draft.tests_to_add,
        risks=draft.risks,
        snapshot_commit=snapshot.commit,
        seed_hash=snapshot.seed_hash,
        kind=draft.kind,
    )


def safe_paths(paths: list[str]) -> list[str]:
    """Repository-relative paths only: absolute paths and ``..`` escapes are dropped."""
    kept: list[str] = []
    for raw in paths:
        path = raw.strip().strip("`").replace("\\", "/")
        if not path or path.startswith(("/", "~")) or ".." in PurePosixPath(path).parts:
            continue
        kept.append(path.removeprefix("./"))
    return list(dict.fromkeys(kept))


def uncovered_files(snapshot: Snapshot, scope: list[str]) -> list[FileCoverage]:
    """Files with uncovered lines, those in ``scope`` first, the least covered next."""
    files = [f for f in snapshot.coverage.files.values() if f.missing_lines]
    in_scope = {f.path for f in files if any(f.path.startswith(s.rstrip("*")) for s in scope)}
    files.sort(key=lambda f: (f.path not in in_scope, f.percent, f.path))
    return files[:MAX_UNCOVERED_FILES]


def _epic_for(seed: Seed, ticket: Ticket) -> Epic | None:
    for epic in seed.growth_objectives.roadmap_epics:
        if ticket.id in (epic.id, f"epic-{epic.id}") or ticket.source_ref == epic.id:
            return epic
    return None
