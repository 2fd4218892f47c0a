"""The seed: a pydantic model of ``seed.yaml``.

The seed is the genome of a target repository: scope and non-goals, architecture and module
contracts, coding rules, quality gates, what automation may touch, budgets and a roadmap.
Every section is optional except ``project.name``; every default is documented in
``docs/seed-reference.md``. Keys starting with ``x-`` are free extensions and are ignored.

Loading (``load_seed``) reports every problem at once, each with ``file:line:column``, the
key path, what was expected and how to fix it; unknown keys get a "did you mean" hint.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from germinate.seed.base import Glob, Section, _defaults
from germinate.seed.operations import (
    Budget,
    Budgets,
    ChangeBudget,
    Checkpoints,
    Execution,
    ForgeConfig,
    Labels,
    ModelPrice,
    Models,
    Reporting,
    RunBudget,
    Schedule,
)

# The whole model is importable from here (Germinate's own sections live in operations.py).
__all__ = [
    "ALWAYS_DISALLOWED_WRITES", "AiAccess", "AppRef", "Architecture", "AutomationContract",
    "Budget", "Budgets", "ChangeBudget", "Checkpoints", "CodeStyle", "CodingStandards",
    "Constraints", "Correctness", "CoverageGate", "CriticalPath", "DependencyConstraints",
    "DependencyPolicy", "Documentation", "Domain", "Epic", "Evaluation", "Execution", "FileTypes",
    "ForbiddenImport", "GatePolicy", "ForgeConfig", "Glob", "GrowthObjectives", "Labels", "LoadedSeed",
    "MergePolicy", "ModelPrice", "Models", "ModuleConstraints", "ModuleContract", "Owner",
    "Patterns", "Performance", "Persona", "Project", "QualityGates", "ROLES",
    "RegressionDetection", "RepoConstraints", "RepoLayout", "Reporting", "RewardWeights",
    "RunBudget", "SEED_FILENAME", "Schedule", "SecretsPolicy", "Section", "Security", "Seed",
    "TaskLabels", "find_seed", "seed_hash",
]

SEED_FILENAME = "seed.yaml"

# Paths automation may never write, whatever the seed says: the seed itself and CI config.
ALWAYS_DISALLOWED_WRITES: tuple[str, ...] = (
    "seed.yaml",
    ".github/workflows/**",
    ".gitlab-ci.yml",
    ".circleci/**",
    ".ci/**",
    "Jenkinsfile",
    "azure-pipelines.yml",
    ".pre-commit-config.yaml",
)

ROLES: tuple[str, ...] = ("architect", "implementer", "tester", "reviewer", "maintainer")


# --- project and domain ---------------------------------------------------------------


class Owner(Section):
    handle: str
    role: str = ""


class AppRef(Section):
    name: str
    path: str
    type: str = ""


class RepoLayout(Section):
    monorepo: bool = False
    package_manager: str = ""
    default_branch: str = Field("main", description="Branch that growth lands on.")
    apps: list[AppRef] = Field(default_factory=list)
    packages: list[AppRef] = Field(default_factory=list)


class Project(Section):
    name: str = Field(..., description="Project name; used in run names and state folders.")
    codename: str = ""
    description: str = ""
    owners: list[Owner] = Field(default_factory=list)
    repo: RepoLayout = Field(default_factory=_defaults(RepoLayout))


class Persona(Section):
    id: str
    description: str = ""


class Domain(Section):
    problem_statement: str = ""
    non_goals: list[str] = Field(default_factory=list)
    personas: list[Persona] = Field(default_factory=list)


# --- architecture and standards -------------------------------------------------------


class ModuleContract(Section):
    path: Glob
    responsibilities: list[str] = Field(default_factory=list)
    public_api: list[str] = Field(default_factory=list)


class Architecture(Section):
    style: str = ""
    tech_stack: dict[str, Any] = Field(default_factory=dict)
    modules: dict[str, ModuleContract] = Field(default_factory=dict)


class CodeStyle(Section):
    formatter: str = ""
    linter: str = ""
    naming: dict[str, str] = Field(default_factory=dict)


class Patterns(Section):
    allowed: list[str] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)


class Documentation(Section):
    required_for: list[str] = Field(default_factory=list)
    format: str = ""


class CodingStandards(Section):
    language: str = "Python"
    tsconfig: dict[str, Any] = Field(default_factory=dict)
    style: CodeStyle = Field(default_factory=_defaults(CodeStyle))
    patterns: Patterns = Field(default_factory=_defaults(Patterns))
    documentation: Documentation = Field(default_factory=_defaults(Documentation))
    rules: list[str] = Field(default_factory=list, description="Free-text rules for the agents.")


# --- quality gates --------------------------------------------------------------------


class CriticalPath(Section):
    path: Glob
    minimum: float = Field(..., ge=0.0, le=1.0)


class CoverageGate(Section):
    global_minimum: float = Field(0.0, ge=0.0, le=1.0)
    critical_paths: list[CriticalPath] = Field(default_factory=list)
    no_decrease: bool = True
    tolerance: float = Field(0.001, ge=0.0, le=1.0)
    diff_minimum: float | None = Field(None, ge=0.0, le=1.0)


class Performance(Section):
    budgets: dict[str, float] = Field(default_factory=dict)


GatePolicy = Literal["block", "needs_approval", "allow"]
ProofKind = Literal["feature", "fix", "refactor", "tests", "docs", "chore"]
"""What a gate's finding does: stop the change, ask a person, or let it through."""


class DependencyPolicy(Section):
    allowlist_mode: bool = False
    allowlisted_packages: list[str] = Field(default_factory=list)
    outside_allowlist: GatePolicy = "block"


class SecretsPolicy(Section):
    management: str = ""
    rules: list[str] = Field(default_factory=list)
    scan: bool = True
    entropy_threshold: float = Field(4.5, gt=0.0)
    allow_patterns: list[str] = Field(default_factory=list)
    allow_paths: list[Glob] = Field(default_factory=list)


class Security(Section):
    dependency_policy: DependencyPolicy = Field(default_factory=_defaults(DependencyPolicy))
    secrets: SecretsPolicy = Field(default_factory=_defaults(SecretsPolicy))


class FileTypes(Section):
    binary: GatePolicy = "block"
    bytecode: GatePolicy = "block"
    symlinks: GatePolicy = "block"
    submodules: GatePolicy = "block"


class QualityGates(Section):
    ci_required_checks: list[str] = Field(default_factory=list)
    coverage: CoverageGate = Field(default_factory=_defaults(CoverageGate))
    performance: Performance = Field(default_factory=_defaults(Performance))
    security: Security = Field(default_factory=_defaults(Security))
    test_infrastructure: GatePolicy = "needs_approval"
    tests_removed: GatePolicy = "block"
    file_types: FileTypes = Field(default_factory=_defaults(FileTypes))
    ticket_proof_kinds: list[ProofKind] = Field(default_factory=lambda: list[ProofKind](["feature", "fix"]))


# --- growth objectives, constraints, evaluation ---------------------------------------


class Epic(Section):
    id: str
    title: str
    description: str = ""
    modules: list[str] = Field(default_factory=list)
    acceptance: list[str] = Field(default_factory=list)
    priority: int = 0


class GrowthObjectives(Section):
    roadmap_epics: list[Epic] = Field(default_factory=list)
    priorities: list[str] = Field(default_factory=list)


class RepoConstraints(Section):
    max_lines_per_file: int = Field(400, gt=0)
    max_function_length_loc: int = Field(60, gt=0)
    max_cyclomatic_complexity: int = Field(15, gt=0)
    over_limit_file_growth: int = Field(50, ge=0)
    over_limit_function_growth: int = Field(5, ge=0)
    over_limit_complexity_growth: int = Field(0, ge=0)
    function_length_counts: Literal["code", "lines"] = "code"


class DependencyConstraints(Section):
    max_new_dependencies_per_pr: int = Field(1, ge=0)
    require_issue_link_for_new_dependency: bool = False


class ForbiddenImport(Section):
    from_: Glob = Field(..., alias="from")
    to: Glob


class ModuleConstraints(Section):
    forbidden_imports: list[ForbiddenImport] = Field(default_factory=list)


class Constraints(Section):
    repo: RepoConstraints = Field(default_factory=_defaults(RepoConstraints))
    dependencies: DependencyConstraints = Field(default_factory=_defaults(DependencyConstraints))
    modules: ModuleConstraints = Field(default_factory=_defaults(ModuleConstraints))


class Correctness(Section):
    primary_sources: list[str] = Field(default_factory=list)
    invariants: list[str] = Field(default_factory=list)


class RegressionDetection(Section):
    mechanisms: list[str] = Field(default_factory=list)


class RewardWeights(Section):
    """Weights of the reward components (see ``germinate.metrics.reward``)."""

    coverage: float = 10.0
    critical_coverage: float = 10.0
    mean_complexity: float = 1.0
    max_complexity: float = 0.2
    maintainability: float = 0.1
    tests_added: float = 0.5
    files_over_limits: float = 1.0
    tests_failing: float = 5.0


class Evaluation(Section):
    correctness: Correctness = Field(default_factory=_defaults(Correctness))
    regression_detection: RegressionDetection = Field(default_factory=_defaults(RegressionDetection))
    reward_signals: list[str] = Field(default_factory=list)
    reward_weights: RewardWeights = Field(default_factory=_defaults(RewardWeights))


# --- automation contract --------------------------------------------------------------


class AiAccess(Section):
    read_paths: list[Glob] = Field(default_factory=lambda: ["**"])
    write_paths: list[Glob] = Field(default_factory=lambda: ["**"])
    disallowed_writes: list[Glob] = Field(default_factory=list)

    def effective_disallowed(self) -> list[str]:
        """The seed's disallowed writes plus the ones Germinate always enforces."""
        return list(dict.fromkeys([*ALWAYS_DISALLOWED_WRITES, *self.disallowed_writes]))


class TaskLabels(Section):
    auto_managed_labels: list[str] = Field(default_factory=lambda: ["ai-task"])


class MergePolicy(Section):
    allow_auto_merge: bool = False
    require_human_review_from: list[str] = Field(default_factory=list)
    trusted_reviewers: list[str] = Field(default_factory=list)


class AutomationContract(Section):
    ai_access: AiAccess = Field(default_factory=_defaults(AiAccess))
    task_labels: TaskLabels = Field(default_factory=_defaults(TaskLabels))
    merge_policy: MergePolicy = Field(default_factory=_defaults(MergePolicy))

class Seed(Section):
    """The whole ``seed.yaml``."""

    version: int = 1
    project: Project
    domain: Domain = Field(default_factory=_defaults(Domain))
    architecture: Architecture = Field(default_factory=_defaults(Architecture))
    coding_standards: CodingStandards = Field(default_factory=_defaults(CodingStandards))
    quality_gates: QualityGates = Field(default_factory=_defaults(QualityGates))
    growth_objectives: GrowthObjectives = Field(default_factory=_defaults(GrowthObjectives))
    constraints: Constraints = Field(default_factory=_defaults(Constraints))
    evaluation: Evaluation = Field(default_factory=_defaults(Evaluation))
    automation_contract: AutomationContract = Field(default_factory=_defaults(AutomationContract))
    models: Models = Field(default_factory=_defaults(Models))
    budgets: Budgets = Field(default_factory=_defaults(Budgets))
    execution: Execution = Field(default_factory=_defaults(Execution))
    checkpoints: Checkpoints = Field(default_factory=_defaults(Checkpoints))
    labels: Labels = Field(default_factory=_defaults(Labels))
    schedule: Schedule = Field(default_factory=_defaults(Schedule))
    forge: ForgeConfig = Field(default_factory=_defaults(ForgeConfig))
    reporting: Reporting = Field(default_factory=_defaults(Reporting))

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != 1:
            raise ValueError("only seed version 1 exists; set 'version: 1'")
        return value


class LoadedSeed(BaseModel):
    """A validated seed with where it came from and its content hash."""

    model_config = ConfigDict(frozen=True)

    seed: Seed
    path: Path
    sha256: str


def seed_hash(text: str | bytes) -> str:
    """SHA-256 of the seed file's bytes: part of every cache key and ledger row."""
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def find_seed(repo: Path | str) -> Path:
    """The seed of a repository: ``seed.yaml`` at its root."""
    return Path(repo) / SEED_FILENAME
