"""``germinate init [REPO]``: write a commented starter seed.yaml for a Python repository."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init",
        help="inspect a Python repository and write a commented starter seed.yaml",
        description="Inspect REPO (packages, src layout, tests, pytest config, dependency files, "
        "default branch) and write seed.yaml at its root. Refuses to overwrite without --force.",
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
    print(f"  dependencies  {len(facts.dependencies)} allowlisted from {', '.join(facts.dependency_files) or '-'}")
    print(f"  branch        {facts.default_branch}")
    print(f"next: fill in domain and modules, then 'germinate validate {path}'")
    return 0
