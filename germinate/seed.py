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
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

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
S = TypeVar("S", bound=BaseModel)


class Section(BaseModel):
    """Base of every seed section: unknown keys are errors (typos must not pass silently).

    A key left empty in YAML (``quality_gates:`` with nothing under it, or every child
    commented out) reads as ``null``; for a section, list or mapping that means "defaults".
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, field in cls.model_fields.items():
            key = name if name in out else field.alias
            if key in out and out[key] is None and _empty_value(field.annotation) is not None:
                out[key] = _empty_value(field.annotation)
        return out


def _empty_value(annotation: Any) -> dict[str, Any] | list[Any] | None:
    """What ``null`` stands for in a field of this type: {} for sections and maps, [] for lists."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {}
    origin = get_origin(annotation)
    if origin is dict:
        return {}
    if origin is list:
        return []
    return None


def _check_glob(pattern: str) -> str:
    if not pattern or not pattern.strip():
        raise ValueError("a path glob must not be empty")
    if "\\" in pattern:
        raise ValueError(f"{pattern!r} uses '\\'; globs use '/' as the separator, e.g. 'src/**/*.py'")
    if pattern.startswith("/") or pattern.startswith("~"):
        raise ValueError(f"{pattern!r} is absolute: globs are relative to the repository root")
    parts = pattern.split("/")
    if ".." in parts:
        raise ValueError(f"{pattern!r} escapes the repository with '..'")
    for part in parts:
        if "**" in part and part != "**":
            raise ValueError(
                f"{pattern!r}: '**' must be a whole path component; e.g. 'src/**/*.py', not 'src/**.py'"
            )
    if pattern.count("[") != pattern.count("]"):
        raise ValueError(f"{pattern!r} has an unbalanced '[' ']' character class")
    if "[]" in pattern or "[!]" in pattern:
        raise ValueError(f"{pattern!r} has an empty '[]' character class")
    return pattern


def _defaults(cls: type[S]) -> Callable[[], S]:
    """Default factory of a section: the section with every key at its default."""
    return lambda: cls.model_validate({})


Glob = Annotated[str, AfterValidator(_check_glob)]
"""A path glob relative to the repository root (``*`` within a folder, ``**`` across folders)."""


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
    dependency_policy: DependencyPolicy = Field(default_factory=_defaults(DependencyPolicy))
    secrets: SecretsPolicy = Field(default_factory=_defaults(SecretsPolicy))


class QualityGates(Section):
    ci_required_checks: list[str] = Field(default_factory=list)
    coverage: CoverageGate = Field(default_factory=_defaults(CoverageGate))
    performance: Performance = Field(default_factory=_defaults(Performance))
    security: Security = Field(default_factory=_defaults(Security))


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


class AutomationContract(Section):
    ai_access: AiAccess = Field(default_factory=_defaults(AiAccess))
    task_labels: TaskLabels = Field(default_factory=_defaults(TaskLabels))
    merge_policy: MergePolicy = Field(default_factory=_defaults(MergePolicy))


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
    change_budget: ChangeBudget = Field(default_factory=_defaults(ChangeBudget))


class Checkpoints(Section):
    new_dependency: bool = True
    seed_changes: bool = True
    security_critical_paths: list[Glob] = Field(default_factory=list)
    always: bool = False
    approval_timeout_minutes: float = Field(60 * 24, gt=0)


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


def load_seed(path: Path | str) -> LoadedSeed:
    """Read and validate a seed file; raise ``SeedError`` listing every problem."""
    from germinate.seed_loader import load_seed_file

    return load_seed_file(Path(path))


def find_seed(repo: Path | str) -> Path:
    """The seed of a repository: ``seed.yaml`` at its root."""
    return Path(repo) / SEED_FILENAME
