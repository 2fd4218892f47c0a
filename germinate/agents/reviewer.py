"""The reviewer: a verdict with line comments and a rubric. An input to a gate, never the gate."""

from __future__ import annotations

from typing import Literal, cast

from pydantic import BaseModel, Field

from germinate.agents.prompting import ask_role, clip
from germinate.llm import Gateway
from germinate.models import GateResult, Plan, Review, ReviewComment, TestRun
from germinate.seed import Seed

MAX_DIFF_CHARS = 60_000
RUBRIC = ("correctness", "tests", "style", "design", "security")


class CommentDraft(BaseModel):
    path: str = ""
    line: int | None = None
    severity: Literal["blocker", "major", "minor", "nit"] = "minor"
    body: str = Field(..., min_length=1)


class RubricDraft(BaseModel):
    correctness: int = Field(..., ge=1, le=5)
    tests: int = Field(..., ge=1, le=5)
    style: int = Field(..., ge=1, le=5)
    design: int = Field(..., ge=1, le=5)
    security: int = Field(..., ge=1, le=5)


class ReviewDraft(BaseModel):
    """What the reviewer model returns (the gateway validates it)."""

    verdict: Literal["approve", "request_changes", "comment"]
    summary: str = ""
    comments: list[CommentDraft] = Field(default_factory=list)
    rubric: RubricDraft


def review_change(
    gw: Gateway, seed: Seed, plan: Plan, diff: str, findings: list[GateResult], round: int,
    *, tests: TestRun | None = None,
) -> Review:
    """Ask the reviewer to judge ``diff`` against the plan, the seed's rules, the gate
    findings and (when they ran) the test results."""
    draft = cast(
        ReviewDraft,
        ask_role(
            gw,
            "reviewer",
            ReviewDraft,
            ticket_id=plan.ticket.id,
            seed=seed,
            plan=plan,
            diff=clip(diff, MAX_DIFF_CHARS, "diff"),
            findings=findings,
            tests=tests,
            round=round,
        ),
    )
    return Review(
        verdict=draft.verdict,
        summary=draft.summary.strip(),
        comments=[ReviewComment(**c.model_dump()) for c in draft.comments],
        rubric=draft.rubric.model_dump(),
        round=round,
    )
