"""Run the target's test command under coverage, in the sandbox, with a wall-clock timeout.

The command (``execution.test_command``, default ``python -m pytest -q``) runs in the target's
venv through the execution seam (``germinate.environments``): no network, the venv read-only,
only the copy of the commit and the output folder writable, everything it started gone at the
end. Python commands (``python -m X``, ``pytest ...``) run under ``coverage run``; pytest also
gets ``--junitxml`` (results per test id) and ``-p no:cacheprovider``. The junit file is written
by the tested interpreter, so it is checked against a collection in a separate process
(``crosscheck``). Problems with the target become a ``TestRun`` status and a reason, never an
exception.
"""

from __future__ import annotations

import os
import shlex
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from germinate.metrics.environment import TargetEnv
from germinate.models import TestCase, TestRun
from germinate.process import log_tail

if TYPE_CHECKING:
    from germinate.environments import Environment

# Product code only: tests are not what coverage is meant to measure.
DEFAULT_OMIT = ("tests/*", "test/*", "**/tests/*", "test_*.py", "**/test_*.py", "**/*_test.py",
                "conftest.py", "**/conftest.py", "setup.py", "noxfile.py")
COVERAGE_CONFIGS = (".coveragerc",)


@dataclass(frozen=True)
class PreparedCommand:
    argv: list[str]
    under_coverage: bool
    pytest: bool
    pytest_args: tuple[str, ...] = ()  # the user's own arguments after ``-m pytest``


def has_coverage_config(worktree: Path) -> bool:
    """True if the target configures coverage itself (then we do not pass --source/--omit)."""
    if (worktree / ".coveragerc").is_file():
        return True
    for name, marker in (("pyproject.toml", "[tool.coverage"), ("setup.cfg", "[coverage:"), ("tox.ini", "[coverage:")):
        path = worktree / name
        if path.is_file() and marker in path.read_text(encoding="utf-8", errors="replace"):
            return True
    return False


def has_pytest_cov(env: TargetEnv) -> bool:
    """True if the target venv has pytest-cov (whose ``--cov`` in addopts would fight ``coverage run``)."""
    return any(env.venv.glob("lib/python*/site-packages/pytest_cov"))


def prepare_command(command: str, worktree: Path, env: TargetEnv, data_file: Path, junit: Path) -> PreparedCommand:
    """The argv to run: Python commands wrapped in ``coverage run``; pytest given junit xml."""
    argv = shlex.split(command)
    if not argv:
        return PreparedCommand([], False, False)
    head = Path(argv[0]).name
    if head in ("python", "python3") and len(argv) >= 2:
        rest = argv[1:]
    elif head in ("pytest", "py.test"):
        rest = ["-m", "pytest", *argv[1:]]
    else:
        return PreparedCommand(argv, False, False)
    is_pytest = rest[:2] == ["-m", "pytest"]
    user_args = tuple(rest[2:]) if is_pytest else ()
    if is_pytest:
        rest = [*rest, f"--junitxml={junit}", "-p", "no:cacheprovider"]
        if has_pytest_cov(env):
            rest.append("--no-cov")  # pytest-cov would start a second tracer under ours
    cov = [str(env.python), "-m", "coverage", "run", f"--data-file={data_file}"]
    if not has_coverage_config(worktree):
        omit = ",".join(str(worktree / p) for p in DEFAULT_OMIT)
        cov += [f"--source={worktree}", f"--omit={omit}"]
    return PreparedCommand([*cov, *rest], True, is_pytest, user_args)


MAX_DETAILS_CHARS = 4000  # the end of a traceback: where the failing line is


def parse_junit(path: Path) -> list[TestCase]:
    """Test cases from a pytest junit xml file (empty if missing or unreadable)."""
    if not path.is_file():
        return []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return []
    cases = []
    for case in root.iter("testcase"):
        name = case.get("name", "")
        klass = case.get("classname", "")
        outcome, message, details = "passed", "", ""
        for child, kind in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
            node = case.find(child)
            if node is not None:
                outcome, message = kind, (node.get("message") or "")[:500]
                message += _import_error(node.text or "")
                details = (node.text or "")[-MAX_DETAILS_CHARS:] if kind != "skipped" else ""
                break
        cases.append(TestCase(id=f"{klass}::{name}" if klass else name, outcome=outcome,  # type: ignore[arg-type]
                              duration_s=float(case.get("time") or 0.0), message=message, details=details))
    return cases


def _import_error(text: str) -> str:
    """The ``ImportError`` line of a traceback (a collection error's message alone says nothing)."""
    lines = [ln.strip() for ln in text.splitlines() if "ModuleNotFoundError" in ln or "ImportError" in ln]
    return f": {lines[-1].lstrip('E ').strip()[:300]}" if lines else ""


PYTEST_NO_RESULTS = {
    1: "pytest exited with 1 without reporting results",
    2: "pytest was interrupted before running tests (exit 2)",
    3: "pytest hit an internal error (exit 3)",
    4: "pytest was called wrongly (exit 4: usage error, e.g. a path that does not exist)",
}


def _status(code: int, cases: list[TestCase], prepared: PreparedCommand, tail: str) -> tuple[str, str]:
    """Map exit code + junit cases to a TestRun status and reason."""
    if code != 0 and not cases:
        missing = [line.strip() for line in tail.splitlines() if "No module named" in line]
        if missing:
            return "error", f"the test command could not start: {missing[0]}. Fix: set execution.test_command"
    if prepared.pytest and not cases:
        if code in (0, 5):
            return "no_tests", "pytest collected no tests"
        return "error", PYTEST_NO_RESULTS.get(code, f"the test command exited with {code} without running tests")
    if any(c.outcome in ("failed", "error") for c in cases):
        return "failed", ""
    return ("failed", f"the test command exited with {code}") if code != 0 else ("ok", "")


def run_tests(command: str, worktree: Path, env: TargetEnv, *, timeout: float, workdir: Path,
              sandbox: Environment | None = None, passthrough: Iterable[str] = ()) -> tuple[TestRun, Path | None]:
    """Run the test command on ``worktree`` (a throwaway copy) in ``sandbox``: the ``TestRun`` and the
    coverage data file (if measured). Only ``worktree`` and ``workdir/out`` are writable."""
    from germinate.metrics.crosscheck import collect, compare_collection

    out = workdir / "out"
    out.mkdir(parents=True, exist_ok=True)
    data_file, junit, log = out / ".coverage", out / "junit.xml", workdir / "tests.log"
    prepared = prepare_command(command, worktree, env, data_file, junit)
    if not prepared.argv:
        return TestRun(command=command, status="error", reason="execution.test_command is empty"), None
    proc_env = target_env(env, worktree, passthrough)
    proc_env["COVERAGE_FILE"] = str(data_file)
    exe = prepared.argv[0]
    if shutil.which(exe, path=proc_env["PATH"]) is None and not Path(worktree, exe).is_file():
        return TestRun(command=command, status="error",
                       reason=f"test command not found: {exe!r}. Fix: set execution.test_command in seed.yaml"), None
    sandbox = sandbox or default_sandbox()
    with ThreadPoolExecutor(max_workers=1) as pool:
        collection = None
        if prepared.pytest:  # side by side, on a pristine copy the test run cannot touch
            pristine = workdir / "collect-tree"
            shutil.copytree(worktree, pristine, symlinks=True)
            collection = pool.submit(collect, prepared, pristine, env, target_env(env, pristine, passthrough),
                                     sandbox, workdir, timeout)
        result = sandbox.run(prepared.argv, cwd=worktree, env=proc_env, timeout=timeout, log=log,
                             writable=[worktree, out], readable=env.readable())
        collected = collection.result() if collection is not None else None
    code, duration = result.exit_code, result.seconds
    cases = parse_junit(junit)
    counts = {k: sum(c.outcome == k for c in cases) for k in ("passed", "failed", "error", "skipped")}
    common = dict(command=command, passed=counts["passed"], failed=counts["failed"], errors=counts["error"],
                  skipped=counts["skipped"], duration_s=round(duration, 3), cases=cases, log_tail=log_tail(log))
    if code is None:
        run = TestRun(status="timeout", reason=f"the tests did not finish within {timeout:.0f}s and were killed. "
                      "Fix: find the hanging test, or raise execution.test_timeout_seconds", **common)  # type: ignore[arg-type]
        return run, None
    status, reason = _status(code, cases, prepared, common["log_tail"])  # type: ignore[arg-type]
    if collected is not None and cases and status in ("ok", "failed"):
        mismatch = compare_collection(collected, cases)
        if mismatch:
            status, reason = "error", mismatch
    run = TestRun(status=status, reason=reason, **common)  # type: ignore[arg-type]
    return run, data_file if prepared.under_coverage else None


def target_env(env: TargetEnv, tree: Path, passthrough: Iterable[str] = ()) -> dict[str, str]:
    """The allowlisted environment of a test run on ``tree``: its code first on the path."""
    proc_env = env.process_env(passthrough)
    proc_env["PYTHONDONTWRITEBYTECODE"] = "1"
    roots = [str(tree / "src")] if (tree / "src").is_dir() else []
    proc_env["PYTHONPATH"] = os.pathsep.join([*roots, str(tree)])  # the tree's code, not a stale install
    return proc_env


def default_sandbox() -> Environment:
    """The sandbox of a default seed (auto): for callers that do not pass one."""
    from germinate.environments.select import environment_for
    from germinate.seed import Execution

    return environment_for(Execution.model_validate({}))
