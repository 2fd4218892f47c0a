"""Germinate's own seed sections: models, budgets, execution, checkpoints, labels, schedule,
forge and reporting. Re-exported by ``germinate.seed``; import them from there."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from germinate.seed.base import Glob, Section, _defaults


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
    max_output_tokens: dict[str, int] = Field(default_factory=dict)
    max_retries: int = Field(2, ge=0)
    temperature: float = Field(0.2, ge=0.0, le=2.0)
    max_context_tokens: int | None = Field(None, ge=2000)
    max_tool_turns: int = Field(6, ge=0, le=50)
    max_continuations: int = Field(3, ge=0, le=20)

    def output_cap(self, role: str) -> int:
        """Most tokens one answer of ``role`` may have: its entry in ``max_output_tokens``, else the
        ``default`` entry, else 4096 (the gateway lowers it to the model's limit and the budgets)."""
        return self.max_output_tokens.get(role) or self.max_output_tokens.get("default") or 4096

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
    sandbox: Literal["auto", "bwrap", "docker", "local"] = "auto"
    env_passthrough: list[str] = Field(default_factory=list)
    docker_image: str = "debian:bookworm-slim"
    memory_mb: int = Field(4096, ge=0)
    max_processes: int = Field(512, ge=0)
    max_file_size_mb: int = Field(1024, ge=0)


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
