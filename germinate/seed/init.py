"""``germinate init``: inspect a Python repository and write a commented starter seed.

The starter is deliberately conservative: writes only to the packages and tests found,
dependency allowlist on (seeded with what the project already uses), no auto-merge,
coverage may not decrease. Every section says what to fill in; the result validates.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from germinate.errors import ConfigError, SeedError
from germinate.seed.fit import FittedLimits, Worst, fit_limits
from germinate.seed.loader import parse_seed_text
from germinate.seed.model import SEED_FILENAME
from germinate.seed.project_deps import normalize, read_ini, test_setup
from germinate.workspace import run_git

SKIP_DIRS = {".git", ".venv", "venv", "env", ".tox", ".nox", "build", "dist", "node_modules", "docs",
             "site-packages", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "examples"}
NOT_MODULES = {"setup.py", "conftest.py", "noxfile.py", "tasks.py", "manage.py", "fabfile.py"}
DEPENDENCY_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile", "poetry.lock", "uv.lock",
                    "requirements.in")


@dataclass(frozen=True)
class RepoFacts:
    """What ``inspect_repo`` found: the inputs of the starter seed."""

    name: str
    description: str = ""
    packages: list[str] = field(default_factory=list)  # package folders or module files, repo-relative
    src_layout: bool = False
    tests_dir: str | None = None
    pytest_config: str | None = None  # the file holding pytest settings
    dependency_files: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)  # runtime distribution names, normalized
    package_manager: str = "pip"
    default_branch: str | None = "main"  # None: not a git repository
    setup_command: str = ""
    setup_sources: list[str] = field(default_factory=list)
    limits: FittedLimits = field(default_factory=lambda: FittedLimits(400, 60, 15))
    docs: list[str] = field(default_factory=list)  # write paths for prose: docs/**, README.md...


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _find_packages(repo: Path) -> tuple[list[str], bool]:
    src = repo / "src"
    root = src if src.is_dir() and any(src.glob("*/__init__.py")) else repo
    found: list[str] = []
    for child in sorted(root.iterdir()):
        if child.name in SKIP_DIRS or child.name.startswith(".") or child.name in ("tests", "test"):
            continue
        is_package = child.is_dir() and (child / "__init__.py").exists()
        is_module = child.suffix == ".py" and child.name not in NOT_MODULES and not child.name.startswith("test")
        if is_package or is_module:
            found.append(child.relative_to(repo).as_posix())
    return found, root == src


def _find_pytest_config(repo: Path, pyproject: dict[str, Any]) -> str | None:
    if (repo / "pytest.ini").exists():
        return "pytest.ini"
    if "pytest" in pyproject.get("tool", {}):
        return "pyproject.toml"
    for name, section in (("setup.cfg", "tool:pytest"), ("tox.ini", "pytest")):
        if (repo / name).exists() and read_ini(repo / name).has_section(section):
            return name
    return None


def _dependency_files(repo: Path) -> list[str]:
    files = [name for name in DEPENDENCY_FILES if (repo / name).exists()]
    reqs = sorted(repo.glob("requirements*.txt")) + sorted(repo.glob("requirements/*.txt"))
    return files + [r.relative_to(repo).as_posix() for r in reqs] + (["tox.ini"] if (repo / "tox.ini").exists() else [])


def _default_branch(repo: Path) -> str | None:
    """The branch growth lands on; None when ``repo`` is not a git repository."""
    inside = run_git(repo, "rev-parse", "--show-toplevel", check=False).strip()
    if not inside or Path(inside).resolve() != repo:
        return None
    remote = run_git(repo, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD", check=False).strip()
    if remote:
        return remote.split("/", 1)[-1]
    current = run_git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False).strip()
    for candidate in ("main", "master"):
        if run_git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{candidate}", check=False).strip():
            return candidate
    return current or "main"


def inspect_repo(repo: Path | str) -> RepoFacts:
    """Read a Python repository's layout, test setup and dependencies (nothing is executed)."""
    path = Path(repo).resolve()
    if not path.is_dir():
        raise ConfigError(f"{repo} is not a directory. Fix: pass the repository's root folder")
    pyproject = _read_toml(path / "pyproject.toml")
    project = pyproject.get("project", {}) or pyproject.get("tool", {}).get("poetry", {})
    packages, src_layout = _find_packages(path)
    tests_dir = next((d for d in ("tests", "test") if (path / d).is_dir()), None)
    setup = test_setup(path, pyproject)
    tool = pyproject.get("tool", {})
    manager = ("poetry" if "poetry" in tool or (path / "poetry.lock").exists()
               else "uv" if (path / "uv.lock").exists()
               else "pipenv" if (path / "Pipfile").exists() else "pip")
    return RepoFacts(
        name=str(project.get("name") or path.name), description=str(project.get("description") or ""),
        packages=packages, src_layout=src_layout, tests_dir=tests_dir,
        pytest_config=_find_pytest_config(path, pyproject), dependency_files=_dependency_files(path),
        dependencies=_runtime_packages(path, str(project.get("name") or "")), package_manager=manager,
        default_branch=_default_branch(path), setup_command=setup.command, setup_sources=setup.sources,
        limits=fit_limits(path), docs=_docs(path),
    )


def _runtime_packages(repo: Path, own: str) -> list[str]:
    """What an installed user gets, classified as the dependency gate does (own name left out)."""
    from germinate.policy.dependency_roles import classify_checkout

    return sorted(set(classify_checkout(repo).runtime) - {normalize(own)})


def _docs(repo: Path) -> list[str]:
    folders = [f"{d}/**" for d in ("docs", "doc") if (repo / d).is_dir()]
    return folders + sorted(p.name for p in repo.iterdir()
                            if p.is_file() and p.suffix.lower() in (".md", ".rst") and p.name != "seed.yaml")


def _q(value: str) -> str:
    """A YAML-safe scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _items(values: list[str], indent: int, empty_hint: str = "") -> str:
    pad = " " * indent
    if not values:
        return f" []{f'  # {empty_hint}' if empty_hint else ''}"
    return "".join(f"\n{pad}- {_q(v)}" for v in values)


def _module_key(path: str) -> str:
    return Path(path).stem if path.endswith(".py") else Path(path).name


def _modules_block(facts: RepoFacts) -> str:
    if not facts.packages:
        return "  modules: {}  # no package found; add one per folder: {name: {path: ..., responsibilities: [...]}}\n"
    out = "  modules:\n"
    for path in facts.packages:
        out += (f"    {_q(_module_key(path))}:\n      path: {_q(path)}\n"
                "      responsibilities: []  # what this module is for, one line each\n"
                "      public_api: []        # names other modules may use, e.g. \"load(path)\"\n")
    return out


def _write_paths(facts: RepoFacts) -> list[str]:
    """Code, tests and prose (docs folder, top-level README/changelog): build, packaging and CI
    configuration stay outside, so a change to them needs a person."""
    paths = [p if p.endswith(".py") else f"{p}/**" for p in facts.packages]
    if facts.tests_dir:
        paths.append(f"{facts.tests_dir}/**")
    return (paths or ["**/*.py"]) + facts.docs


# The starter seed; ``{{`` / ``}}`` are literal braces (YAML flow mappings in comments and values).
STARTER = """\
# seed.yaml: what Germinate may grow in this repository, and how.
# Written by 'germinate init'; every key is described in docs/seed-reference.md.
# Check it with 'germinate validate'. Keys starting with 'x-' are yours (ignored).
version: 1

project:
  name: {name}
  description: {description}
  repo:
    package_manager: {package_manager}
    default_branch: {default_branch}  # growth lands here (through the write gate only)

domain:
  problem_statement: ""  # one paragraph: what problem this project solves, for whom
  non_goals: []          # what it must never become, e.g. "A web framework"
  personas: []           # who uses it: - {{id: maintainer, description: "..."}}

architecture:
  style: ""  # e.g. "library", "functional core, imperative shell"
{modules}
coding_standards:
  language: "Python"
  rules: []  # free-text rules the agents must follow, e.g. "Type hints on every function"

quality_gates:
  ci_required_checks: []
  coverage:
    global_minimum: 0.0  # fraction 0..1; raise it once 'germinate sense' shows the current figure
    critical_paths: []   # - {{path: "{first_package}", minimum: 0.9}}
    no_decrease: true    # a change may not lower total coverage
  security:
    dependency_policy:
      # A new runtime package outside this list blocks the change; one on the list still
      # pauses for a person (checkpoints.new_dependency). Written from the runtime
      # dependencies only, as the gate reads them: not build backends, nor test, docs or dev
      # requirement files, extras or groups (a new package there is a non-blocking finding).
      allowlist_mode: true
      outside_allowlist: block  # or needs_approval: a person decides instead
      allowlisted_packages:{allowlist}
    secrets:
      allow_paths: []  # test fixtures where only known key shapes block, e.g. "tests/fixtures/**"

constraints:
  repo:
    # Fitted to this repository: its worst case today plus 10% (never below 400/60/15).
    # Crossing a limit blocks; a file or function already over it may grow by the allowance.
    max_lines_per_file: {max_file}  # {worst_file}
    max_function_length_loc: {max_function}  # code only, not docstrings/comments; {worst_function}
    max_cyclomatic_complexity: {max_complexity}  # {worst_complexity}
    over_limit_file_growth: 50
    over_limit_function_growth: 5
  dependencies:
    max_new_dependencies_per_pr: 1
  modules:
    forbidden_imports: []  # - {{from: "pkg/core/**", to: "pkg/cli/**"}}

growth_objectives:
  roadmap_epics: []  # - {{id: "e1", title: "...", description: "...", acceptance: ["..."]}}
  priorities: []

automation_contract:
  ai_access:
    read_paths: ["**"]
    write_paths:{write_paths}
    disallowed_writes: []  # seed.yaml and CI config are never writable, whatever this says
  merge_policy:
    allow_auto_merge: false  # true lets a change that passes every gate land without a human
    require_human_review_from: []

models:
  default: "openai/gpt-4o-mini"  # any litellm model; GERMINATE_MODEL overrides
  # architect: ...  implementer: ...  tester: ...  reviewer: ...  maintainer: ...

budgets:
  per_cycle: {{dollars: 1.0, tokens: 200000, wall_minutes: 30}}
  per_run: {{dollars: 10.0, tokens: 2000000, wall_minutes: 480, max_cycles: 10}}

execution:
  test_command: {test_command}  # pytest config: {pytest_config}
{setup_line}  max_parallel: 1
  change_budget: {{max_lines_changed: 400, max_files_touched: 10}}

checkpoints:
  new_dependency: true  # a change that adds a dependency needs a person's approval
  seed_changes: true
  security_critical_paths: []

schedule:
  cron: null  # e.g. "0 */6 * * *" for scheduled growth every 6 hours

forge:
  kind: "local"  # or "github" with repo: "owner/name"
"""


def render_seed(facts: RepoFacts) -> str:
    """The commented starter ``seed.yaml`` for ``facts``."""
    test_command = "python -m pytest -q"
    if facts.tests_dir and not facts.pytest_config:
        test_command += f" {facts.tests_dir}"
    return STARTER.format(
        name=_q(facts.name), description=_q(facts.description), package_manager=_q(facts.package_manager),
        default_branch=_q(facts.default_branch or "main"), modules=_modules_block(facts),
        first_package=(facts.packages or ["src"])[0],
        allowlist=_items(facts.dependencies, 8, "no dependencies declared yet"),
        write_paths=_items(_write_paths(facts), 6), test_command=_q(test_command),
        pytest_config=facts.pytest_config or "none found",
        setup_line=_setup_line(facts), max_file=facts.limits.max_lines_per_file,
        max_function=facts.limits.max_function_length_loc, max_complexity=facts.limits.max_cyclomatic_complexity,
        worst_file=_worst(facts.limits.worst_file, "lines"), worst_function=_worst(facts.limits.worst_function, "lines of code"),
        worst_complexity=_worst(facts.limits.worst_complexity, "complexity"),
    )


def _worst(worst: Worst | None, unit: str) -> str:
    return f"largest today: {worst.value} {unit}, {worst.where}" if worst else "no Python found"


def _setup_line(facts: RepoFacts) -> str:
    """``setup_command``: set when init found the test dependencies, else a commented example."""
    files = ", ".join(facts.dependency_files) or "none found"
    if facts.setup_command:
        return (f"  # installs the project and its test dependencies (from {', '.join(facts.setup_sources) or 'the project'})\n"
                f"  setup_command: {_q(facts.setup_command)}\n")
    return f"  # setup_command: \"python -m pip install -e .\"  # nothing to install found; dependency files: {files}\n"


def write_seed(repo: Path | str, *, force: bool = False) -> tuple[Path, RepoFacts]:
    """Write the starter seed at the repository root; refuse to overwrite unless ``force``."""
    facts = inspect_repo(repo)
    target = Path(repo).resolve() / SEED_FILENAME
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists. Fix: edit it, or pass --force to replace it "
                          "with a fresh starter")
    text = render_seed(facts)
    try:
        parse_seed_text(text, target)
    except SeedError as exc:  # a bug here, not the user's: say so instead of writing a bad seed
        raise ConfigError(f"the starter seed for {repo} does not validate (please report this):\n{exc}") from None
    target.write_text(text, encoding="utf-8")
    return target, facts
