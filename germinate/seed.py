"""The seed: a pydantic model of ``seed.yaml``.

The seed is the genome of a target repository: scope and non-goals, architecture and module
contracts, coding rules, quality gates, what automation may touch, budgets and a roadmap.
Every section is optional except ``project.name``; every default is documented in
``docs/seed-reference.md``. Keys starting with ``x-`` are free extensions and are ignored.

Loading (``load_seed``) reports every problem at once, each with ``file:line:column``, the
key path, what was expected and how to fix it; unknown keys get a "did you mean" hint.
"""

from __future__ import annotations

import fnmatch
import hashlib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


class Section(BaseModel):
    """Base of every seed section: unknown keys are errors (typos must not pass silently)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _check_glob(pattern: str) -> str:
    if not pattern or not pattern.strip():
        raise ValueError("a path glob must not be empty")
    if pattern.startswith("/") or pattern.startswith("~"):
        raise ValueError(f"{pattern!r} is absolute: globs are relative to the repository root")
    if ".." in Path(pattern).parts:
        raise ValueError(f"{pattern!r} escapes the repository with '..'")
    if pattern.count("[") != pattern.count("]"):
        raise ValueError(f"{pattern!r} has an unbalanced '[' ']' character class")
    try:
        fnmatch.translate(pattern)
    except Exception as exc:  # pragma: no cover - translate rarely raises
        raise ValueError(f"{pattern!r} is not a valid glob: {exc}") from exc
    return pattern


def _check_globs(patterns: list[str]) -> list[str]:
    return [_check_glob(p) for p in patterns]


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
    repo: RepoLayout = Field(default_factory=RepoLayout)


class Persona(Section):
    id: str
    description: str = ""


class Domain(Section):
    problem_statement: str = ""
    non_goals: list[str] = Field(default_factory=list)
    personas: list[Persona] = Field(default_factory=list)


# --- architecture and standards -------------------------------------------------------


class ModuleContract(Section):
    path: str
    responsibilities: list[str] = Field(default_factory=list)
    public_api: list[str] = Field(default_factory=list)

    _v_path = field_validator("path")(classmethod(lambda cls, v: _check_glob(v)))


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
    style: CodeStyle = Field(default_factory=CodeStyle)
    patterns: Patterns = Field(default_factory=Patterns)
    documentation: Documentation = Field(default_factory=Documentation)
    rules: list[str] = Field(default_factory=list, description="Free-text rules for the agents.")


# --- quality gates --------------------------------------------------------------------


class CriticalPath(Section):
    path: str
    minimum: float = Field(..., ge=0.0, le=1.0)

    _v_path = field_validator("path")(classmethod(lambda cls, v: _check_glob(v)))


class CoverageGate(Section):
    global_minimum: float = Field(0.0, ge=0.0, le=1.0)
    critical_paths: list[CriticalPath] = Field(default_factory=list)
    no_decrease: bool = True
    tolerance: float = Field(0.001, ge=0.0, le=1.0)
    diff_minimum: float | None = Field(None, ge=0.0, le=1.0)


class Performance(Section):
    budgets: dict[str, float] = Field(default_factory=dict)


class DependencyPolicy(Section):
    allowlist_mode: bool = False
    allowlisted_packages: list[str] = Field(default_factory=list)


class SecretsPolicy(Section):
    management: str = ""
    rules: list[str] = Field(default_factory=list)
    scan: bool = True
    entropy_threshold: float = Field(4.5, gt=0.0)
    allow_patterns: list[str] = Field(default_factory=list)


class Security(Section):
    dependency_policy: DependencyPolicy = Field(default_factory=DependencyPolicy)
    secrets: SecretsPolicy = Field(default_factory=SecretsPolicy)


class QualityGates(Section):
    ci_required_checks: list[str] = Field(default_factory=list)
    coverage: CoverageGate = Field(default_factory=CoverageGate)
    performance: Performance = Field(default_factory=Performance)
    security: Security = Field(default_factory=Security)


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


class DependencyConstraints(Section):
    max_new_dependencies_per_pr: int = Field(1, ge=0)
    require_issue_link_for_new_dependency: bool = False


class ForbiddenImport(Section):
    from_: str = Field(..., alias="from")
    to: str

    _v_globs = field_validator("from_", "to")(classmethod(lambda cls, v: _check_glob(v)))


class ModuleConstraints(Section):
    forbidden_imports: list[ForbiddenImport] = Field(default_factory=list)


class Constraints(Section):
    repo: RepoConstraints = Field(default_factory=RepoConstraints)
    dependencies: DependencyConstraints = Field(default_factory=DependencyConstraints)
    modules: ModuleConstraints = Field(default_factory=ModuleConstraints)


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
    correctness: Correctness = Field(default_factory=Correctness)
    regression_detection: RegressionDetection = Field(default_factory=RegressionDetection)
    reward_signals: list[str] = Field(default_factory=list)
    reward_weights: RewardWeights = Field(default_factory=RewardWeights)


# --- automation contract --------------------------------------------------------------


class AiAccess(Section):
    read_paths: list[str] = Field(default_factory=lambda: ["**"])
    write_paths: list[str] = Field(default_factory=lambda: ["**"])
    disallowed_writes: list[str] = Field(default_factory=list)

    _v_globs = field_validator("read_paths", "write_paths", "disallowed_writes")(
        classmethod(lambda cls, v: _check_globs(v))
    )

    def effective_disallowed(self) -> list[str]:
        """The seed's disallowed writes plus the ones Germinate always enforces."""
        return list(dict.fromkeys([*ALWAYS_DISALLOWED_WRITES, *self.disallowed_writes]))


class TaskLabels(Section):
    auto_managed_labels: list[str] = Field(default_factory=lambda: ["ai-task"])


class MergePolicy(Section):
    allow_auto_merge: bool = False
    require_human_review_from: list[str] = Field(default_factory=list)


class AutomationContract(Section):
    ai_access: AiAccess = Field(default_factory=AiAccess)
    task_labels: TaskLabels = Field(default_factory=TaskLabels)
    merge_policy: MergePolicy = Field(default_factory=MergePolicy)


# --- Germinate's own sections ---------------------------------------------------------


class ModelPrice(Section):
    input_per_mtok: float = Field(..., ge=0.0, description="Dollars per million input tokens.")
    output_per_mtok: float = Field(..., ge=0.0, description="Dollars per million output tokens.")


class Models(Section):
    default: str = Field("openai/gpt-4o-mini", description="Model for roles not set below.")
    architect: str | None = None
    implementer: str | None = None
    tester: str | None = None
    reviewer: str | None = None
    maintainer: str | None = None
    fallbacks: list[str] = Field(default_factory=list)
    prices: dict[str, ModelPrice] = Field(default_factory=dict)
    timeout_seconds: float = Field(120.0, gt=0)
    max_retries: int = Field(2, ge=0)
    temperature: float = Field(0.2, ge=0.0, le=2.0)

    def for_role(self, role: str) -> str:
        """The model configured for ``role`` (environment overrides are the gateway's job)."""
        return getattr(self, role, None) or self.default


class Budget(Section):
    dollars: float | None = Field(None, ge=0.0)
    tokens: int | None = Field(None, ge=0)
    wall_minutes: float | None = Field(None, gt=0.0)


class RunBudget(Budget):
    max_cycles: int | None = Field(None, ge=1)


class Budgets(Section):
    per_cycle: Budget = Field(default_factory=lambda: Budget(dollars=1.0, tokens=200_000, wall_minutes=30))
    per_run: RunBudget = Field(
        default_factory=lambda: RunBudget(dollars=10.0, tokens=2_000_000, wall_minutes=480, max_cycles=10)
    )


class ChangeBudget(Section):
    max_lines_changed: int = Field(400, gt=0)
    max_files_touched: int = Field(10, gt=0)


class Execution(Section):
    test_command: str = "python -m pytest -q"
    setup_command: str | None = Field(
        None, description="Installs the target into its venv; default pip install -e . (+ test extras)."
    )
    test_timeout_seconds: float = Field(900.0, gt=0)
    max_parallel: int = Field(1, ge=1)
    max_review_rounds: int = Field(2, ge=0)
    max_fix_rounds: int = Field(2, ge=0)
    max_edit_retries: int = Field(3, ge=0)
    change_budget: ChangeBudget = Field(default_factory=ChangeBudget)


class Checkpoints(Section):
    new_dependency: bool = True
    seed_changes: bool = True
    security_critical_paths: list[str] = Field(default_factory=list)
    always: bool = False
    approval_timeout_minutes: float = Field(60 * 24, gt=0)

    _v_globs = field_validator("security_critical_paths")(classmethod(lambda cls, v: _check_globs(v)))


class Labels(Section):
    freeze: str = "needs-human-review"
    red_mode: str = "red-mode"
    fix: str = "bug"


class Schedule(Section):
    cron: str | None = None
    timezone: str = "UTC"

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from croniter import croniter

        if not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a cron expression; e.g. '0 */6 * * *' (every 6 hours)")
        return value


class ForgeConfig(Section):
    kind: Literal["local", "github"] = "local"
    repo: str | None = Field(None, description="owner/name on GitHub.")
    api_url: str = "https://api.github.com"
    tickets_dir: str | None = Field(None, description="LocalForge ticket folder (default: state dir).")

    @model_validator(mode="after")
    def _github_needs_repo(self) -> ForgeConfig:
        if self.kind == "github" and (not self.repo or self.repo.count("/") != 1):
            raise ValueError("forge.kind 'github' needs forge.repo as 'owner/name'")
        return self


class Reporting(Section):
    growth_log: str = "AUTOGEN_LOG.md"
    capabilities: str = "docs/CAPABILITIES.md"


class Seed(Section):
    """The whole ``seed.yaml``."""

    version: int = 1
    project: Project
    domain: Domain = Field(default_factory=Domain)
    architecture: Architecture = Field(default_factory=Architecture)
    coding_standards: CodingStandards = Field(default_factory=CodingStandards)
    quality_gates: QualityGates = Field(default_factory=QualityGates)
    growth_objectives: GrowthObjectives = Field(default_factory=GrowthObjectives)
    constraints: Constraints = Field(default_factory=Constraints)
    evaluation: Evaluation = Field(default_factory=Evaluation)
    automation_contract: AutomationContract = Field(default_factory=AutomationContract)
    models: Models = Field(default_factory=Models)
    budgets: Budgets = Field(default_factory=Budgets)
    execution: Execution = Field(default_factory=Execution)
    checkpoints: Checkpoints = Field(default_factory=Checkpoints)
    labels: Labels = Field(default_factory=Labels)
    schedule: Schedule = Field(default_factory=Schedule)
    forge: ForgeConfig = Field(default_factory=ForgeConfig)
    reporting: Reporting = Field(default_factory=Reporting)

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


def load_seed(path: Path | str) -> LoadedSeed:
    """Read and validate a seed file; raise ``SeedError`` listing every problem."""
    from germinate.seed_loader import load_seed_file

    return load_seed_file(Path(path))


def find_seed(repo: Path | str) -> Path:
    """The seed of a repository: ``seed.yaml`` at its root."""
    return Path(repo) / SEED_FILENAME
