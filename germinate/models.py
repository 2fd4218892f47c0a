"""The data that flows between the stages of a growth cycle.

Plain, immutable, serializable pydantic models: paths and SHAs, never live ``Repo`` or
client objects, so Prefect can cache, persist and retry them. Each carries the ids and
hashes it was made from. ``content_hash`` gives any of them a stable SHA-256 for the ledger.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class Contract(BaseModel):
    """Base of every stage contract: frozen, and hashable by content."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def content_hash(self) -> str:
        """SHA-256 of the model's canonical JSON."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


# --- sense ----------------------------------------------------------------------------

TestOutcome = Literal["passed", "failed", "error", "skipped"]


class TestCase(Contract):
    id: str
    outcome: TestOutcome
    duration_s: float = 0.0
    message: str = ""
    details: str = ""  # the junit <failure>/<error> text: the traceback a fixer needs


class TestRun(Contract):
    """One run of the target's test command."""

    command: str
    status: Literal["ok", "failed", "timeout", "error", "no_tests", "not_run"]
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    duration_s: float = 0.0
    cases: list[TestCase] = Field(default_factory=list)
    log_tail: str = ""
    reason: str = ""

    @property
    def green(self) -> bool:
        return self.status in ("ok", "no_tests") and self.failed == 0 and self.errors == 0


class FileCoverage(Contract):
    path: str
    statements: int
    covered: int
    percent: float  # statements and, when measured, branches: coverage.py's own figure
    missing_lines: list[int] = Field(default_factory=list)
    executed_lines: list[int] = Field(default_factory=list)
    branches: int = 0
    covered_branches: int = 0

    @property
    def units(self) -> int:
        """What coverage counts: statements plus branches (0 branches unless branch coverage is on)."""
        return self.statements + self.branches

    @property
    def covered_units(self) -> int:
        return self.covered + self.covered_branches


def covered_share(files: list[FileCoverage]) -> float | None:
    """Covered share of what coverage counts in ``files`` (statements, plus branches if measured)."""
    units = sum(f.units for f in files)
    return sum(f.covered_units for f in files) / units if units else None


class CoverageReport(Contract):
    available: bool
    branch: bool = False  # the target measures branch coverage (``branch = true``): figures include branches
    total: float | None = None  # 0..1
    files: dict[str, FileCoverage] = Field(default_factory=dict)
    critical_paths: dict[str, float] = Field(default_factory=dict)  # glob -> 0..1
    reason: str = ""


class FunctionMetric(Contract):
    path: str
    name: str
    lineno: int
    endline: int
    complexity: int
    rank: str
    length: int
    code_length: int | None = None  # lines of code (no docstring, comments, blanks); None: not measured


class FileMetric(Contract):
    path: str
    blob_sha: str = ""
    loc: int = 0
    sloc: int = 0
    comments: int = 0
    mi: float = 100.0
    mi_rank: str = "A"
    functions: list[FunctionMetric] = Field(default_factory=list)
    error: str = ""
    markers: list[str] = Field(default_factory=list)  # "12: TODO handle unicode" (TODO/FIXME/XXX/HACK)


class ComplexityReport(Contract):
    files: dict[str, FileMetric] = Field(default_factory=dict)
    mean_complexity: float = 0.0
    max_complexity: int = 0
    mean_mi: float = 100.0
    files_over_limit: list[str] = Field(default_factory=list)  # "path: 512 lines > 400"
    functions_over_limit: list[str] = Field(default_factory=list)  # "path:line name: ..."


class GitState(Contract):
    sha: str
    branch: str = ""
    dirty: bool = False
    churn: dict[str, int] = Field(default_factory=dict)  # path -> commits touching it recently


TicketKind = Literal["regression", "bug", "forge", "epic", "improvement"]
TicketSource = Literal["local", "github", "seed", "scout", "webhook"]

# Plan priority: regressions on main > bugs > forge tickets > roadmap epics > improvements.
TICKET_PRIORITY: dict[str, int] = {"regression": 0, "bug": 1, "forge": 2, "epic": 3, "improvement": 4}

# Where a ticket stands in the store (``tickets.status``): one vocabulary for intake, plan and decide.
TicketStatus = Literal["open", "queued", "in_progress", "done", "rejected", "deferred"]
QUEUED: TicketStatus = "queued"  # intake claimed it; a cycle is starting
# Not being worked on: a poll may start these (deferred/rejected only after a person relabels them).
WAITING_STATUSES: frozenset[str] = frozenset({"open", "deferred", "rejected"})


class Ticket(Contract):
    id: str  # stable: "local-3", "gh-12", "epic-schema-v1", "scout-cov-pkg/mod.py"
    title: str
    body: str = ""
    kind: TicketKind = "forge"
    source: TicketSource = "local"
    source_ref: str = ""  # issue number, file path, URL
    labels: list[str] = Field(default_factory=list)
    scope: list[str] = Field(default_factory=list)  # paths or globs the ticket is about
    evidence: str = ""  # why the scout proposes it
    score: float = 0.0  # within a kind, higher first

    @property
    def rank(self) -> tuple[int, float, str]:
        return (TICKET_PRIORITY[self.kind], -self.score, self.id)

    def is_fix(self, fix_label: str) -> bool:
        """Fix work, the only kind red mode admits: a regression or bug, or labelled with the seed's fix label."""
        return self.kind in ("regression", "bug") or fix_label in self.labels


class Snapshot(Contract):
    """What the repository looks like at one commit, under one seed."""

    repo: str
    commit: str
    seed_hash: str
    taken_at: datetime = Field(default_factory=utcnow)
    health: Literal["green", "red", "unknown"] = "unknown"
    tests: TestRun
    coverage: CoverageReport
    complexity: ComplexityReport
    git: GitState
    candidates: list[Ticket] = Field(default_factory=list)
    open_tickets: list[Ticket] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)  # reasons something could not be measured


# --- plan / act / critique ------------------------------------------------------------


ChangeKind = Literal["feature", "fix", "refactor", "tests", "docs", "chore"]


class Plan(Contract):
    ticket: Ticket
    summary: str = ""
    acceptance_criteria: list[str] = Field(default_factory=list)
    scope: list[str] = Field(default_factory=list)  # paths the change may touch
    tests_to_add: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    snapshot_commit: str = ""
    seed_hash: str = ""
    kind: ChangeKind = "feature"  # what the change is; feature/fix need a FAIL_TO_PASS test


class EditBlock(Contract):
    path: str
    kind: Literal["replace", "create", "delete"] = "replace"
    search: str = ""
    replace: str = ""


class Change(Contract):
    """A candidate change: a branch in its own worktree, on top of ``base_sha``."""

    ticket_id: str
    branch: str
    worktree: str
    base_sha: str
    head_sha: str = ""
    diff: str = ""
    files_changed: list[str] = Field(default_factory=list)
    lines_added: int = 0
    lines_removed: int = 0
    rounds: int = 0
    outcome: Literal["ok", "no_change", "budget_exhausted", "failed"] = "ok"
    reason: str = ""
    notes: list[str] = Field(default_factory=list)


class ReviewComment(Contract):
    path: str = ""
    line: int | None = None
    severity: Literal["blocker", "major", "minor", "nit"] = "minor"
    body: str
    author: str = ""  # forge login of a person's comment ("" for the model reviewer)
    author_association: str = ""  # the forge's word for who they are: OWNER, MEMBER, NONE...


class Review(Contract):
    verdict: Literal["approve", "request_changes", "comment"]
    summary: str = ""
    comments: list[ReviewComment] = Field(default_factory=list)
    rubric: dict[str, int] = Field(default_factory=dict)  # correctness/tests/style/design/security 1..5
    round: int = 0
    head_sha: str = ""


# --- test / decide / log --------------------------------------------------------------


class Evaluation(Contract):
    """The change measured: tests, coverage and complexity at its head."""

    head_sha: str
    base_sha: str
    tests: TestRun
    coverage: CoverageReport
    complexity: ComplexityReport  # changed files only
    diff_coverage: float | None = None  # covered share of added executable lines
    fail_to_pass: list[str] | None = None  # changed tests failing on the base, passing here (None: not run)
    problems: list[str] = Field(default_factory=list)


Severity = Literal["block", "warn", "needs_approval"]


class GateResult(Contract):
    name: str
    passed: bool
    severity: Severity = "block"
    message: str
    evidence: list[str] = Field(default_factory=list)  # "path:line: detail"
    # Set by a gate whose findings are mostly fixable when one finding is not (a path that
    # escapes the tree, a symlink or submodule): no fix round; the candidate ends here.
    ends_candidate: bool = False


class Reward(Contract):
    components: dict[str, float] = Field(default_factory=dict)  # weighted contributions
    deltas: dict[str, float] = Field(default_factory=dict)  # raw differences
    weights: dict[str, float] = Field(default_factory=dict)
    total: float = 0.0


Outcome = Literal["merged", "pr_opened", "awaiting_human", "rejected", "deferred", "no_op", "failed"]


class Decision(Contract):
    cycle_id: str
    ticket_id: str
    outcome: Outcome
    reason: str
    gates: list[GateResult] = Field(default_factory=list)
    reward: Reward = Field(default_factory=Reward)
    base_sha: str = ""
    head_sha: str = ""
    branch: str = ""
    advisory: str = ""  # the maintainer model's summary: advice, never the decision
    approval_id: int | None = None
    approval_action: str = ""  # the person's answer at the checkpoint: approve|reject|request_changes|timeout
    approval_by: str = ""  # who gave it
    decided_at: datetime = Field(default_factory=utcnow)

    @property
    def decided_by(self) -> str:
        """Who decided: "approved by alice", "rejected by alice", "timed out", or "" (the gates alone)."""
        if not self.approval_action:
            return ""
        verb = {"approve": "approved", "reject": "rejected", "request_changes": "changes requested",
                "timeout": "approval timed out"}.get(self.approval_action, self.approval_action)
        return f"{verb} by {self.approval_by}" if self.approval_by and self.approval_action != "timeout" else verb

    @property
    def blocking_failures(self) -> list[GateResult]:
        return [g for g in self.gates if not g.passed and g.severity == "block"]

    @property
    def needs_approval(self) -> bool:
        return any(not g.passed and g.severity == "needs_approval" for g in self.gates)


class CycleReport(Contract):
    cycle_id: str
    project: str
    ticket: Ticket | None
    decision: Decision | None
    coverage_before: float | None = None
    coverage_after: float | None = None
    tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True
    started_at: datetime
    finished_at: datetime
    change_url: str = ""
    flow_run_id: str = ""
