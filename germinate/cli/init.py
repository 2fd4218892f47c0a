"""``germinate init [REPO]``: write a commented starter seed.yaml for a Python repository."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init",
        help="inspect a Python repository and write a commented starter seed.yaml",
        description="Inspect REPO (packages, src layout, tests, pytest config, runtime and test "
        "dependencies from pyproject/setup.py/setup.cfg/requirements/tox/nox/hatch/poetry, default branch) "
        "and write seed.yaml at its root, with size limits fitted to the code it finds and a setup_command "
        "that installs the test dependencies. Refuses to overwrite without --force.",
    )
    p.add_argument("repo", nargs="?", default=".", help="repository root (default: .)")
    p.add_argument("--force", action="store_true", help="replace an existing seed.yaml")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from germinate.seed.init import write_seed

    path, facts = write_seed(args.repo, force=args.force)
    print(f"wrote {path}")
    print(f"  packages      {', '.join(facts.packages) or 'none found'}"
          f"{' (src layout)' if facts.src_layout else ''}")
    print(f"  tests         {facts.tests_dir or 'none found'}; pytest config: {facts.pytest_config or 'none'}")
    sources = f" (from {'; '.join(facts.setup_sources)})" if facts.setup_sources else ""
    print(f"  setup         {facts.setup_command or 'nothing to install found'}{sources}")
    print(f"  dependencies  {len(facts.dependencies)} runtime package(s) allowlisted "
          f"({', '.join(facts.dependencies) or 'none'}); files read: {', '.join(facts.dependency_files) or '-'}")
    limits = facts.limits
    print(f"  limits        {limits.max_lines_per_file} lines/file, {limits.max_function_length_loc} lines of code/"
          f"function, complexity {limits.max_cyclomatic_complexity} (fitted to this repository)")
    if facts.default_branch is None:
        print(f"  branch        none: {path.parent} is not a git repository")
        print(f"germinate init: warning: {path.parent} is not the root of a git repository; Germinate grows "
              "commits. Fix: 'git init -b main && git add -A && git commit -m initial' there, then commit "
              "seed.yaml", file=sys.stderr)
    else:
        print(f"  branch        {facts.default_branch}")
    print(f"next: fill in domain and modules, 'germinate validate {path}', commit seed.yaml, then 'germinate sense'")
    return 0
