"""Evidence the tested interpreter cannot simply rewrite: cross-checks of a test run.

The junit file and the exit status come from the process that ran the change's code, so a
``conftest.py`` can rewrite both. Two checks come from outside that process:

- ``check_collection``: a separate ``pytest --collect-only`` run must collect exactly the test ids
  the report names (a hook that hides, renames or invents results is caught);
- ``infrastructure_guard``: when a change touches test infrastructure (``conftest.py``, pytest or
  coverage configuration, ``*.pth``, ``sitecustomize.py``), the base's infrastructure and the
  base's unchanged test files run again against the head's code, and a test that passes with the
  change's infrastructure but fails with the base's is a forged (or infrastructure-made) pass.

What code inside the tested interpreter could still forge is listed in docs/security.md.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from germinate.environments.tree import export_commit
from germinate.process import log_tail

if TYPE_CHECKING:
    from germinate.environments import Environment
    from germinate.metrics.environment import TargetEnv
    from germinate.metrics.testrun import PreparedCommand
    from germinate.models import TestCase

COLLECT_TIMEOUT_S = 300.0
INFRASTRUCTURE = frozenset({"conftest.py", "pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml", ".coveragerc",
                            "noxfile.py", "sitecustomize.py", "usercustomize.py"})
TEST_FILE = re.compile(r"^(test_.*|.*_test)\.py$")
SHOWN = 5


def junit_id(nodeid: str) -> str:
    """The id ``parse_junit`` gives a pytest node id (pytest's own junit name mangling)."""
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return f"{'.'.join(names[:-1])}::{names[-1]}" if len(names) > 1 else names[0]


def collected_ids(log: Path) -> list[str]:
    """Node ids printed by ``pytest --collect-only --verbosity=-1``."""
    text = log.read_bytes().decode("utf-8", errors="replace") if log.exists() else ""
    return [line.strip() for line in text.splitlines() if "::" in line and not line.startswith(" ")]


def _listing(ids: set[str]) -> str:
    shown = sorted(ids)[:SHOWN]
    return ", ".join(shown) + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")


def collect(prepared: PreparedCommand, tree: Path, env: TargetEnv, proc_env: dict[str, str],
            sandbox: Environment, workdir: Path, timeout: float) -> tuple[int | None, list[str], str]:
    """A separate ``pytest --collect-only`` on ``tree`` (read-only): (exit code, node ids, log tail).

    ``tree`` must be a pristine copy the test run never touches, so that the run cannot change
    what the collection sees; then the two can run side by side.
    """
    log = workdir / "collect.log"
    argv = [str(env.python), "-m", "pytest", *prepared.pytest_args, "--collect-only", "--verbosity=-1",
            "-p", "no:cacheprovider"]
    result = sandbox.run(argv, cwd=tree, env=proc_env, timeout=min(timeout, COLLECT_TIMEOUT_S), log=log,
                         readable=[*env.readable(), tree])
    return result.exit_code, collected_ids(log), log_tail(log, lines=3)


def compare_collection(collection: tuple[int | None, list[str], str], cases: list[TestCase]) -> str:
    """'' when the separate collection found exactly the reported test ids, else the reason."""
    code, node_ids, tail = collection
    if code != 0:
        return (f"evidence check: a separate collection run failed (exit {code}) where the test run "
                f"reported results: {tail}")
    collected = {junit_id(n) for n in node_ids}
    reported = {c.id for c in cases}
    missing, invented = collected - reported, reported - collected
    if not missing and not invented:
        return ""
    parts = []
    if missing:
        parts.append(f"{len(missing)} collected test(s) missing from the report ({_listing(missing)})")
    if invented:
        parts.append(f"{len(invented)} reported test(s) a separate collection does not find ({_listing(invented)})")
    return ("evidence check: the test report does not match a separate collection run: " + "; ".join(parts) +
            ". Something in the tested process rewrote its results (look at conftest.py and pytest hooks)")


def _infrastructure(tree: Path) -> dict[str, bytes]:
    return {p.relative_to(tree).as_posix(): p.read_bytes() for p in tree.rglob("*")
            if p.is_file() and not p.is_symlink() and (p.name in INFRASTRUCTURE or p.suffix == ".pth")}


def guard_tree(git_dir: Path, base_sha: str, head_sha: str, dest: Path) -> Path | None:
    """The head's code with the base's test infrastructure and only the base's unchanged test files.

    ``None`` when the change does not touch test infrastructure (the guard would be the same run).
    """
    base = export_commit(git_dir, base_sha, dest / "base")
    guard = export_commit(git_dir, head_sha, dest / "guard")
    base_infra, head_infra = _infrastructure(base), _infrastructure(guard)
    if base_infra == head_infra:
        shutil.rmtree(base)
        shutil.rmtree(guard)
        return None
    for path in set(head_infra) - set(base_infra):
        (guard / path).unlink()
    for path, content in base_infra.items():
        (guard / path).parent.mkdir(parents=True, exist_ok=True)
        (guard / path).write_bytes(content)
    for test in guard.rglob("*.py"):
        if TEST_FILE.match(test.name) and not test.is_symlink():
            original = base / test.relative_to(guard)
            if not original.is_file() or original.read_bytes() != test.read_bytes():
                test.unlink()  # a changed or new test may rightly need the change's infrastructure
    shutil.rmtree(base)
    return guard


def forged_passes(head_cases: list[TestCase], guard_cases: list[TestCase]) -> list[str]:
    """Ids that pass in the head's run but fail or error with the base's infrastructure."""
    head = {c.id: c.outcome for c in head_cases}
    return sorted(c.id for c in guard_cases if c.outcome in ("failed", "error") and head.get(c.id) == "passed")
