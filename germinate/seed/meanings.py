"""What each seed key means, for ``docs/seed-reference.md`` (see ``germinate.seed.reference``).

Kept beside the model so a new key without a meaning fails a test instead of going undocumented.
"""

from __future__ import annotations

SECTION_INTRO = """
The seed is `seed.yaml` at the root of the repository Germinate grows. It states scope and
non-goals, architecture and module contracts, coding rules, quality gates, what automation may
touch, budgets and a roadmap. Only `project.name` is required; every other key has the default
listed here. Unknown keys are errors (with a "did you mean"); keys starting with `x-` are free
extensions and are ignored. A key left empty (`domain:` with nothing under it) means its default.
Check a seed with `germinate validate`; write a starter with `germinate init`.

Gates read the project-side sections (`quality_gates`, `constraints`, `automation_contract`,
`checkpoints`, `labels`); agents read the descriptive ones (`domain`, `architecture`,
`coding_standards`, `growth_objectives`, `evaluation`) as context. Only gates decide what lands.
"""

MEANINGS: dict[str, str] = {
    "version": "Schema version of the seed; only `1` exists.",
    "project": "Who and what the project is.",
    "project.codename": "Short informal name, used in messages.",
    "project.description": "One-paragraph description given to the agents.",
    "project.owners": "People responsible for the project.",
    "project.owners[].handle": "Forge handle (e.g. GitHub login) of an owner.",
    "project.owners[].role": "What the owner is responsible for.",
    "project.repo": "Repository layout.",
    "project.repo.monorepo": "True if the repository holds several apps or packages.",
    "project.repo.package_manager": "Package manager in use (pip, poetry, uv, pnpm...), for the agents.",
    "project.repo.apps": "Deployable applications in the repository.",
    "project.repo.apps[].name": "Application name.",
    "project.repo.apps[].path": "Folder of the application, relative to the root.",
    "project.repo.apps[].type": "Kind of application (e.g. cli, service, nextjs).",
    "project.repo.packages": "Libraries in the repository.",
    "project.repo.packages[].name": "Package name.",
    "project.repo.packages[].path": "Folder of the package, relative to the root.",
    "project.repo.packages[].type": "Kind of package.",
    "domain": "The problem space, for the agents.",
    "domain.problem_statement": "What problem the project solves and for whom.",
    "domain.non_goals": "What the project must never become; the architect rejects tickets that drift there.",
    "domain.personas": "Who uses the project.",
    "domain.personas[].id": "Short identifier of a persona.",
    "domain.personas[].description": "Who the persona is and what they need.",
    "architecture": "Architecture and module contracts.",
    "architecture.style": "Architectural style (e.g. 'functional core, imperative shell').",
    "architecture.tech_stack": "Free-form description of languages, runtimes and services.",
    "architecture.modules": "Module contracts, by module name.",
    "architecture.modules.<name>.path": "Folder or file of the module (glob).",
    "architecture.modules.<name>.responsibilities": "What the module is for; changes should stay within it.",
    "architecture.modules.<name>.public_api": "Names other modules may use.",
    "coding_standards": "How code should be written; given to implementer and reviewer.",
    "coding_standards.language": "Main language of the repository.",
    "coding_standards.tsconfig": "TypeScript compiler options (informational, for TypeScript projects).",
    "coding_standards.style": "Formatting and naming.",
    "coding_standards.style.formatter": "Formatter the code follows (e.g. ruff format, black).",
    "coding_standards.style.linter": "Linter the code must pass (e.g. ruff).",
    "coding_standards.style.naming": "Naming conventions by kind of name (types, functions, constants).",
    "coding_standards.patterns": "Design patterns to follow and to avoid.",
    "coding_standards.patterns.allowed": "Patterns to use.",
    "coding_standards.patterns.forbidden": "Patterns the reviewer flags.",
    "coding_standards.documentation": "Documentation duties.",
    "coding_standards.documentation.required_for": "What must be documented (e.g. public functions).",
    "coding_standards.documentation.format": "Docstring format (e.g. Google, NumPy, TSDoc).",
    "quality_gates": "Deterministic checks a change must pass before it lands.",
    "quality_gates.ci_required_checks": "Names of forge CI checks that must be green before a merge.",
    "quality_gates.coverage": "Line-coverage gates.",
    "quality_gates.coverage.global_minimum": "Minimum total line coverage, a fraction 0..1 (0.8 = 80%).",
    "quality_gates.coverage.critical_paths": "Stricter minimums for critical folders.",
    "quality_gates.coverage.critical_paths[].path": "Folder or glob of the critical code.",
    "quality_gates.coverage.critical_paths[].minimum": "Minimum coverage of that path, a fraction 0..1.",
    "quality_gates.coverage.no_decrease": "Block a change that lowers total coverage by more than `tolerance`.",
    "quality_gates.coverage.tolerance": "Coverage drop (fraction) still accepted, to absorb rounding noise.",
    "quality_gates.coverage.diff_minimum": "Minimum coverage of the lines a change adds (fraction), or null for none.",
    "quality_gates.performance": "Performance budgets.",
    "quality_gates.performance.budgets": "Named budgets (e.g. `api_p95_ms: 1000`), for the agents and benchmarks.",
    "quality_gates.security": "Dependency and secrets policy.",
    "quality_gates.security.dependency_policy": "Which third-party packages may be added.",
    "quality_gates.security.dependency_policy.allowlist_mode": "If true, a new runtime dependency outside the allowlist is stopped as `outside_allowlist` says (blocks by default). Runtime dependencies are what an installed user gets, read statically from pyproject.toml, setup.cfg, setup.py, Pipfile and the requirement files not named for developers (plus whatever a runtime file includes); test/docs/dev/typing/lint files, extras and dependency groups are development requirements (a non-blocking finding), and `[build-system] requires` is neither. Direct URLs, VCS links and extra indexes always block.",
    "quality_gates.security.dependency_policy.allowlisted_packages": "Runtime packages a change may add without the allowlist stopping it (checkpoints.new_dependency may still ask a person).",
    "quality_gates.security.dependency_policy.outside_allowlist": "What a new package outside the allowlist does when `allowlist_mode` is on: `block` (default) or `needs_approval` (a person decides).",
    "quality_gates.security.secrets": "Secrets handling.",
    "quality_gates.security.secrets.management": "Where secrets live (informational).",
    "quality_gates.security.secrets.rules": "Free-text secrets rules for the agents.",
    "quality_gates.security.secrets.scan": "Scan added lines for secrets (keys, tokens, private keys) and block them.",
    "quality_gates.security.secrets.entropy_threshold": "Shannon entropy (bits per character) above which a long "
        "mixed-case token with digits in code looks like a secret (`#` comments and URLs are not scanned for entropy).",
    "quality_gates.security.secrets.allow_patterns": "Regular expressions of lines the secret scan accepts.",
    "quality_gates.security.secrets.allow_paths": "Globs of test-fixture files where only known token shapes "
        "(cloud/forge/API keys), private keys and credential files block; the entropy and "
        "`password = \"...\"` heuristics are off there.",
    "quality_gates.tests_removed": "What the `tests_kept` gate does when a change removes tests (a test deleted, renamed away, emptied, a test module deleted, or parametrised cases dropped): `block` (the default; in a cycle the implementer gets a fix round to restore them), `needs_approval` (a person decides: for teams that sometimes fold or retire tests on purpose, which the gate cannot tell from an agent deleting tests) or `allow` (reported as a warning). A renamed or moved test with the same body is never a removal.",
    "quality_gates.test_infrastructure": "What a change to test infrastructure does: `block`, `needs_approval` or `allow`. Test infrastructure is code that can rewrite test results: `conftest.py` anywhere, pytest/coverage/tox/nox configuration (`pytest.ini`, `tox.ini`, `noxfile.py`, `.coveragerc`, `[tool.pytest*]`/`[tool.coverage*]` in pyproject.toml, `[tool:pytest]`/`[coverage:*]` in setup.cfg), pytest plugins and `pytest11` entry points, `sitecustomize.py`/`usercustomize.py`/`*.pth`, and the files the test and setup commands name (a Makefile, a script).",
    "quality_gates.file_types": "What a change may add besides text files.",
    "quality_gates.file_types.binary": "A binary file added or changed: `block`, `needs_approval` or `allow` (no gate can read it).",
    "quality_gates.file_types.bytecode": "A compiled Python file (`.pyc`, `.pyo`, `__pycache__/`): `block`, `needs_approval` or `allow`.",
    "quality_gates.file_types.symlinks": "A symlink added or changed inside the repository: `block`, `needs_approval` or `allow`. A symlink that points outside the repository or at a protected path always blocks.",
    "quality_gates.file_types.submodules": "A git submodule (gitlink) added or moved: `block`, `needs_approval` or `allow` (its code comes from another repository no gate reads).",
    "growth_objectives": "Where the project should grow.",
    "growth_objectives.roadmap_epics": "Epics the architect turns into tickets when no bug or forge ticket waits.",
    "growth_objectives.roadmap_epics[].id": "Stable identifier of the epic.",
    "growth_objectives.roadmap_epics[].title": "One-line title.",
    "growth_objectives.roadmap_epics[].description": "What the epic delivers.",
    "growth_objectives.roadmap_epics[].modules": "Modules or folders the epic touches.",
    "growth_objectives.roadmap_epics[].acceptance": "Acceptance criteria, one per line.",
    "growth_objectives.roadmap_epics[].priority": "Higher is picked first among epics.",
    "growth_objectives.priorities": "Free-text priorities, in order, for the architect.",
    "constraints": "Hard limits on code shape and dependencies.",
    "constraints.repo": "Size and complexity limits.",
    "constraints.repo.max_lines_per_file": "A change may not take a Python file across this many lines; "
        "a file already over it may grow by at most `over_limit_file_growth` lines.",
    "constraints.repo.max_function_length_loc": "A change may not take a function across this length "
        "(see `function_length_counts`); one already over it may grow by at most `over_limit_function_growth`.",
    "constraints.repo.max_cyclomatic_complexity": "A change may not take a function's cyclomatic complexity (radon) "
        "across this; one already over it may rise by at most `over_limit_complexity_growth`.",
    "constraints.repo.over_limit_file_growth": "Lines a file that was already over `max_lines_per_file` at the base "
        "may grow by in one change.",
    "constraints.repo.over_limit_function_growth": "Length a function that was already over "
        "`max_function_length_loc` at the base may grow by in one change.",
    "constraints.repo.over_limit_complexity_growth": "Complexity a function that was already over "
        "`max_cyclomatic_complexity` at the base may rise by in one change.",
    "constraints.repo.function_length_counts": "`code`: a function's length counts lines of code, not its "
        "docstring, comments or blank lines; `lines`: every line from `def` to its end.",
    "constraints.dependencies": "Dependency limits.",
    "constraints.dependencies.max_new_dependencies_per_pr": "Most new packages one change may add.",
    "constraints.dependencies.require_issue_link_for_new_dependency": "A new dependency needs a linked ticket.",
    "constraints.modules": "Module boundaries.",
    "constraints.modules.forbidden_imports": "Import directions that are not allowed.",
    "constraints.modules.forbidden_imports[].from": "Code matching this glob...",
    "constraints.modules.forbidden_imports[].to": "...may not import code matching this glob.",
    "evaluation": "How a change is judged beyond the gates.",
    "evaluation.correctness": "What correct means.",
    "evaluation.correctness.primary_sources": "Sources of truth the agents consult.",
    "evaluation.correctness.invariants": "Invariants every change must keep; the reviewer checks them.",
    "evaluation.regression_detection": "How regressions are caught.",
    "evaluation.regression_detection.mechanisms": "Mechanisms in place (test suites, snapshots...).",
    "evaluation.reward_signals": "Free-text description of what counts as progress.",
    "evaluation.reward_weights": "Weights of the numeric reward computed from metrics before and after a change.",
    "evaluation.reward_weights.coverage": "Weight of the change in total coverage.",
    "evaluation.reward_weights.critical_coverage": "Weight of the change in critical-path coverage.",
    "evaluation.reward_weights.mean_complexity": "Weight (penalty) of a rise in mean cyclomatic complexity.",
    "evaluation.reward_weights.max_complexity": "Weight (penalty) of a rise in the maximum complexity.",
    "evaluation.reward_weights.maintainability": "Weight of the change in mean maintainability index.",
    "evaluation.reward_weights.tests_added": "Reward per test added.",
    "evaluation.reward_weights.files_over_limits": "Penalty per file over the size limits.",
    "evaluation.reward_weights.tests_failing": "Penalty per failing test.",
    "automation_contract": "What automation may read and write, and how changes merge.",
    "automation_contract.ai_access": "Path permissions for the agents.",
    "automation_contract.ai_access.read_paths": "Files the agents may read (repo map and context).",
    "automation_contract.ai_access.write_paths": "Files a change may touch; anything else blocks it.",
    "automation_contract.ai_access.disallowed_writes": "Files a change may never touch (added to the built-in list above).",
    "automation_contract.task_labels": "Forge labels Germinate manages.",
    "automation_contract.task_labels.auto_managed_labels": "Labels Germinate may add and remove on tickets and change requests.",
    "automation_contract.merge_policy": "How changes land.",
    "automation_contract.merge_policy.allow_auto_merge": "If true, a change that passes every gate lands without a human; otherwise it waits for approval.",
    "automation_contract.merge_policy.require_human_review_from": "Handles whose approval is required (on the forge).",
    "automation_contract.merge_policy.trusted_reviewers": "Forge logins whose reviews and comments may start a round and reach the implementer although the forge does not call them OWNER, MEMBER or COLLABORATOR (everyone in `require_human_review_from` is trusted too). Anyone else's feedback is recorded and ignored.",
    "models": "Which LLM plays each role (any litellm model string; `scripted/<file>` for tests).",
    "models.architect": "Model that plans tickets (default: `models.default`).",
    "models.implementer": "Model that writes edits.",
    "models.tester": "Model that writes tests.",
    "models.reviewer": "Model that reviews diffs.",
    "models.maintainer": "Model that writes advisory notes at the decision.",
    "models.fallbacks": "Models tried in order when a call to the role's model fails.",
    "models.prices": "Prices for models litellm does not know (local models), so budgets stay exact.",
    "models.timeout_seconds": "Timeout of one model call (lowered to the cycle's remaining wall time).",
    "models.max_output_tokens": "Most tokens one answer may have, by role (`implementer: 8000`) or "
    "`default` (4096 when unset); sent as `max_tokens`, lowered to the model's own limit and to what "
    "the budgets have left.",
    "models.max_retries": "Retries of a model call on transport errors.",
    "models.temperature": "Sampling temperature.",
    "quality_gates.ticket_proof_kinds": "Kinds of change (the plan's `kind`) that must come with a test that "
    "fails on the base and passes with the change (FAIL_TO_PASS); `[]` turns the proof off. A change whose "
    "product code keeps its syntax tree (only tests, docs, layout, docstrings) is `tests`/`docs`/`refactor` "
    "whatever the plan says; a bug ticket is always a fix; a `docs` or `tests` plan that changes code counts as "
    "a feature.",
    "models.max_context_tokens": "Cap on the code context of one agent prompt, in tokens (default: half the "
    "model's input window as litellm knows it, 16000 tokens for a model it does not know).",
    "models.max_tool_turns": "Turns of read-only tool calls (read a file or a range, search, list a folder) "
    "one editing conversation may use before editing; a model that asks for more is told to reply with "
    "edit blocks now (0: no tools are offered). Each turn is a ledgered model call.",
    "models.max_continuations": "Times a reply cut off at the output token limit (`finish_reason: length`) "
    "keeps its complete edit blocks and is asked for the rest; after that a cut reply is applied like any "
    "other, and its cut block goes back as a failed edit (0: never ask for the rest).",
    "budgets": "Spending limits; crossing one stops cleanly with the reason recorded.",
    "budgets.per_cycle": "Limits for one growth cycle (one ticket).",
    "budgets.per_cycle.dollars": "Most dollars one cycle may spend on models (null: no limit).",
    "budgets.per_cycle.tokens": "Most tokens one cycle may use (null: no limit).",
    "budgets.per_cycle.wall_minutes": "Most wall-clock minutes of one cycle (null: no limit).",
    "budgets.per_run": "Limits for one `grow` run (several cycles).",
    "budgets.per_run.dollars": "Most dollars one run may spend.",
    "budgets.per_run.tokens": "Most tokens one run may use.",
    "budgets.per_run.wall_minutes": "Most wall-clock minutes of one run, from its start: checked between cycles "
    "and inside them (each model call's timeout is capped by the time left).",
    "budgets.per_run.max_cycles": "Most cycles in one run.",
    "execution": "How the target is tested and how much work one cycle may do.",
    "execution.test_command": "Command that runs the target's tests (run under coverage in the target's venv).",
    "execution.test_timeout_seconds": "Wall-clock limit of one test run; the process group is killed after it.",
    "execution.max_parallel": "Tickets worked on at once.",
    "execution.max_review_rounds": "Review / revise rounds before a change is rejected.",
    "execution.max_fix_rounds": "Fix rounds: failing tests, or a blocking gate the implementer can fix (a write "
    "outside the write paths, a file too long, coverage, the ticket's proof...), go back with the evidence; what "
    "still fails after them is rejected. Nothing of the change runs while a static gate blocks.",
    "execution.max_edit_retries": "Times a failed edit goes back to the model with the reason.",
    "execution.change_budget": "Size limits of one change.",
    "execution.change_budget.max_lines_changed": "Most lines added plus removed in one change.",
    "execution.change_budget.max_files_touched": "Most files one change may touch.",
    "execution.sandbox": "Where target code runs: auto (bubblewrap, else docker/podman), bwrap, docker, or local "
                         "(no isolation, a warning on every run). With no usable sandbox and no opt-out, nothing runs.",
    "execution.env_passthrough": "Extra environment variable names passed into sandboxed runs. Without them a run "
                                 "gets only PATH, locale and the venv's own variables: no model keys, forge tokens "
                                 "or PREFECT_* settings.",
    "execution.docker_image": "Image of the docker kind; it must run the host's target venv (see docs/security.md).",
    "execution.memory_mb": "Address-space limit of each sandboxed process, in MiB (0: none).",
    "execution.max_processes": "Most processes a sandboxed run may have at once (0: no limit).",
    "execution.max_file_size_mb": "Largest file a sandboxed run may write, in MiB (0: no limit).",
    "checkpoints": "Which changes need a human's approval even when every gate passed.",
    "checkpoints.new_dependency": "A change that adds a dependency needs approval.",
    "checkpoints.seed_changes": "A change to the seed needs approval.",
    "checkpoints.security_critical_paths": "Globs of security-critical code; a change touching them needs approval.",
    "checkpoints.always": "Every change needs approval.",
    "checkpoints.approval_timeout_minutes": "How long a paused cycle waits for a human before it defers (branch and ticket stay).",
    "labels": "Forge labels humans set to steer Germinate.",
    "labels.freeze": "Label that stops every automated write while present.",
    "labels.red_mode": "Label on the repository meaning the default branch is broken: only fixes land.",
    "labels.fix": "Label that marks a ticket as a fix (admitted in red mode, picked first).",
    "schedule": "Scheduled growth.",
    "schedule.cron": "Cron expression of the scheduled growth deployment (null: none).",
    "schedule.timezone": "Time zone of the cron expression.",
    "forge": "Where tickets and change requests live.",
    "forge.kind": "`local` (tickets as files, merges in git) or `github`.",
    "forge.api_url": "GitHub API URL (GitHub Enterprise or a test server).",
    "reporting": "What Germinate writes into the target.",
    "reporting.growth_log": "Growth log file in the target (one entry per landed change).",
    "reporting.capabilities": "Capabilities document kept up to date in the target.",
}

EXAMPLE = """
version: 1
project:
  name: shop
  description: A small order-taking library.
  owners: [{handle: alice, role: maintainer}]
  repo: {package_manager: pip, default_branch: main}
domain:
  problem_statement: Take orders and compute totals for a small shop.
  non_goals: [A web framework]
  personas: [{id: clerk, description: Enters orders at the till.}]
architecture:
  style: functional core, imperative shell
  tech_stack: {language: Python 3.11}
  modules:
    orders:
      path: src/shop/orders
      responsibilities: [Validate and price orders]
      public_api: ["price(order)"]
coding_standards:
  style: {formatter: ruff format, linter: ruff, naming: {functions: snake_case}}
  patterns: {allowed: [pure functions], forbidden: [global state]}
  documentation: {required_for: [public functions], format: Google}
  rules: [Type hints on every function]
quality_gates:
  ci_required_checks: [test]
  coverage:
    global_minimum: 0.8
    critical_paths: [{path: src/shop/orders, minimum: 0.9}]
    no_decrease: true
    tolerance: 0.001
    diff_minimum: 0.7
  performance: {budgets: {price_p95_ms: 5}}
  security:
    dependency_policy: {allowlist_mode: true, allowlisted_packages: [pydantic]}
    secrets: {scan: true, entropy_threshold: 4.5, allow_patterns: ["EXAMPLE_[A-Z]+"]}
growth_objectives:
  roadmap_epics:
    - id: discounts
      title: Discount codes
      description: Percentage and fixed discounts.
      modules: [src/shop/orders]
      acceptance: [A 10% code lowers the total by 10%]
      priority: 1
  priorities: [Correct totals before new features]
constraints:
  repo: {max_lines_per_file: 400, max_function_length_loc: 60, max_cyclomatic_complexity: 15}
  dependencies: {max_new_dependencies_per_pr: 1, require_issue_link_for_new_dependency: false}
  modules:
    forbidden_imports: [{from: src/shop/orders/**, to: src/shop/cli/**}]
evaluation:
  correctness: {primary_sources: [docs/pricing.md], invariants: [Totals are never negative]}
  regression_detection: {mechanisms: [pytest suite]}
  reward_signals: [Higher coverage of orders]
  reward_weights: {coverage: 10, tests_added: 0.5}
automation_contract:
  ai_access:
    read_paths: ["**"]
    write_paths: [src/shop/**, tests/**]
    disallowed_writes: [src/shop/_version.py]
  task_labels: {auto_managed_labels: [ai-task]}
  merge_policy: {allow_auto_merge: false, require_human_review_from: [alice]}
models:
  default: openai/gpt-4o-mini
  reviewer: openai/gpt-4o
  fallbacks: [openai/gpt-4o-mini]
  prices: {ollama/qwen2.5-coder: {input_per_mtok: 0, output_per_mtok: 0}}
  timeout_seconds: 120
  max_retries: 2
  temperature: 0.2
budgets:
  per_cycle: {dollars: 1.0, tokens: 200000, wall_minutes: 30}
  per_run: {dollars: 10.0, tokens: 2000000, wall_minutes: 480, max_cycles: 10}
execution:
  test_command: python -m pytest -q
  setup_command: pip install -e .[test]
  test_timeout_seconds: 900
  max_parallel: 1
  max_review_rounds: 2
  max_fix_rounds: 2
  max_edit_retries: 3
  change_budget: {max_lines_changed: 400, max_files_touched: 10}
checkpoints:
  new_dependency: true
  seed_changes: true
  security_critical_paths: [src/shop/payments/**]
  always: false
  approval_timeout_minutes: 1440
labels: {freeze: needs-human-review, red_mode: red-mode, fix: bug}
schedule: {cron: "0 */6 * * *", timezone: UTC}
forge: {kind: github, repo: alice/shop, api_url: "https://api.github.com"}
reporting: {growth_log: AUTOGEN_LOG.md, capabilities: docs/CAPABILITIES.md}
x-notes: keys starting with x- are yours
"""
