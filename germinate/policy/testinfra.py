"""Test infrastructure: code and configuration that decide what a test run reports.

A change to these can make a broken change look green without touching a single test: a
``conftest.py`` hook that marks every report passed, a ``.pth`` file that patches the
interpreter at start-up, a coverage configuration that omits the new code, a Makefile the
test command runs. Such changes are judged here, by name and by the tables they touch, from
git objects (nothing runs), and get what ``quality_gates.test_infrastructure`` says:
``needs_approval`` by default, ``block`` or ``allow``.

Covered: ``conftest.py`` anywhere; ``pytest.ini``, ``tox.ini``, ``noxfile.py``, ``.coveragerc``;
``[tool.pytest*]``, ``[tool.coverage*]`` and ``pytest11`` entry points in ``pyproject.toml``;
``[tool:pytest]``, ``[pytest]``, ``[coverage:*]`` and ``pytest11`` in ``setup.cfg``; ``pytest11``
in ``setup.py``; ``sitecustomize.py``, ``usercustomize.py``, ``*.pth``; Python files that
define pytest hooks or ``pytest_plugins``, or that a ``conftest.py`` loads as a plugin; and the
files the seed's test and setup commands name (a Makefile and ``*.mk`` for ``make``, a script).
"""

from __future__ import annotations

import configparser
import posixpath
import re
import shlex
import tomllib
from typing import Any

from germinate.diff import FileChange
from germinate.models import GateResult
from germinate.policy.context import GateContext, gate

TEST_INFRASTRUCTURE = "test_infrastructure"
_BY_NAME = {
    "conftest.py": "conftest.py runs inside the test process and can rewrite its results",
    "pytest.ini": "pytest configuration", ".pytest.ini": "pytest configuration",
    "tox.ini": "tox / pytest configuration", "noxfile.py": "nox sessions (how the tests run)",
    ".coveragerc": "coverage configuration (what is measured)",
    "sitecustomize.py": "runs at every interpreter start-up", "usercustomize.py": "runs at every interpreter start-up",
}
_HOOK = re.compile(r"^\s*(?:async\s+)?def\s+pytest_\w+\s*\(|^\s*pytest_plugins\s*[:=]")
_MAKE = ("make", "gmake")
_INTERPRETERS = frozenset({"python", "python3", "bash", "sh", "zsh", "dash", "node", "perl", "ruby", "exec", "source",
                           "env", "xargs", "coverage", "run"})
_CONFIG_OPTIONS = frozenset({"-c", "--config-file", "-f", "--file", "--makefile", "--noxfile", "--rcfile", "-C"})
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&"})
_MAKEFILES = ("Makefile", "makefile", "GNUmakefile")


def _toml_tables(text: str | None) -> Any:
    """The test-related tables of a pyproject.toml; a marker when it does not parse."""
    if text is None:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return "unparsable"
    tool = data.get("tool", {})
    picked = {k: v for k, v in tool.items() if k.startswith(("pytest", "coverage"))}
    picked["entry-points"] = data.get("project", {}).get("entry-points", {}).get("pytest11")
    picked["poetry-plugins"] = tool.get("poetry", {}).get("plugins", {}).get("pytest11")
    return picked


def _cfg_sections(text: str | None) -> Any:
    if text is None:
        return None
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return "unparsable"
    picked: dict[str, Any] = {s: dict(parser[s]) for s in parser.sections()
                              if s in ("tool:pytest", "pytest") or s.startswith("coverage:")}
    picked["pytest11"] = parser.get("options.entry_points", "pytest11", fallback=None)
    return picked


def _table_change(ctx: GateContext, change: FileChange) -> str | None:
    """What a pyproject.toml / setup.cfg / setup.py change does to test configuration, if anything."""
    name = posixpath.basename(change.path)
    base = None if change.status == "added" else ctx.text("base", change.old_path or change.path)
    head = None if change.status == "deleted" else ctx.text("head", change.path)
    if name == "pyproject.toml" and _toml_tables(base) != _toml_tables(head):
        return "changes [tool.pytest*] / [tool.coverage*] / pytest11 entry points in pyproject.toml"
    if name == "setup.cfg" and _cfg_sections(base) != _cfg_sections(head):
        return "changes [tool:pytest] / [coverage:*] / pytest11 entry points in setup.cfg"
    lines = [text for _, text in change.added_lines + change.removed_lines]
    if name == "setup.py" and any("pytest11" in line for line in lines):
        return "changes the pytest11 entry points in setup.py (a pytest plugin)"
    return None


def _plugin_modules(ctx: GateContext) -> dict[str, str]:
    """``{path: conftest}`` of modules the base's conftest files load with ``pytest_plugins``."""
    found: dict[str, str] = {}
    conftests = [p for p in ctx.base_paths() if posixpath.basename(p) == "conftest.py"]
    ctx.prefetch("base", conftests)
    for conftest in conftests:
        tree = ctx.tree("base", conftest)
        for node in tree.body if tree is not None else []:
            targets = getattr(node, "targets", [getattr(node, "target", None)])
            if not any(getattr(t, "id", None) == "pytest_plugins" for t in targets):
                continue
            value = getattr(node, "value", None)
            items = getattr(value, "elts", [value])
            for item in items:
                module = getattr(item, "value", None)
                if isinstance(module, str):
                    stem = module.replace(".", "/")
                    for root in ("", "src/"):
                        found[f"{root}{stem}.py"] = conftest
                        found[f"{root}{stem}/__init__.py"] = conftest
    return found


def command_files(command: str | None) -> tuple[set[str], bool]:
    """Repository files a shell command runs, and whether it runs ``make``.

    A file counts when it is the program (``./run-tests.sh``), what an interpreter runs
    (``python tools/check.py``, ``bash ci/test.sh``) or a configuration option names
    (``pytest -c ci.ini``, ``make -f tests.mk``); a test file given to pytest as an argument
    is a test, not infrastructure.
    """
    if not command:
        return set(), False
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    files: set[str] = set()
    make = False
    program = True  # the next word that is not VAR=value is a program
    previous = ""
    for word in words:
        if " " in word:  # bash -c "make test": look inside
            inner, inner_make = command_files(word)
            files |= inner
            make = make or inner_make
        elif program and "=" in word and not word.startswith(("-", "/", ".")):
            continue  # FOO=1 ./test.sh
        else:
            runs = program or posixpath.basename(previous) in _INTERPRETERS or previous in _CONFIG_OPTIONS
            if program and (word in _MAKE or word.endswith("/make")):
                make = True
            if runs and not word.startswith("-") and ("/" in word or "." in word):
                files.add(posixpath.normpath(word.removeprefix("./")))
            program = word in _SEPARATORS
        previous = word
    return files, make


def _reasons(ctx: GateContext, change: FileChange, named: set[str], make: bool,
             plugins: dict[str, str]) -> list[str]:
    reasons: list[str] = []
    for path in change.paths():
        name = posixpath.basename(path)
        folded = name.lower()  # CONFTEST.py is conftest.py on a case-insensitive checkout
        if folded in _BY_NAME:
            reasons.append(_BY_NAME[folded])
        elif folded.endswith(".pth"):
            reasons.append("a .pth file runs at every interpreter start-up")
        if path in named:
            reasons.append("the seed's test or setup command runs this file")
        if make and (name in _MAKEFILES or name.endswith(".mk")):
            reasons.append("the seed's test or setup command runs make, which reads this file")
        if path in plugins:
            reasons.append(f"loaded as a pytest plugin by {plugins[path]}")
    table = _table_change(ctx, change)
    if table:
        reasons.append(table)
    if change.path.endswith(".py") and not reasons:
        lines = [text for _, text in change.added_lines + change.removed_lines]
        if any(_HOOK.match(line) for line in lines):
            reasons.append("defines or removes pytest hooks / pytest_plugins (a plugin)")
    return reasons


def check_test_infrastructure(ctx: GateContext) -> GateResult:
    policy = ctx.seed.quality_gates.test_infrastructure
    execution = ctx.seed.execution
    named_test, make_test = command_files(execution.test_command)
    named_setup, make_setup = command_files(execution.setup_command)
    plugins = _plugin_modules(ctx) if ctx.changes.files else {}
    findings = []
    for change in ctx.changes.files:
        reasons = _reasons(ctx, change, named_test | named_setup, make_test or make_setup, plugins)
        if reasons:
            findings.append(f"{change.path} ({change.status}): {'; '.join(dict.fromkeys(reasons))}")
    if policy == "allow" or not findings:
        ok = (f"{len(findings)} test-infrastructure change(s), allowed by quality_gates.test_infrastructure"
              if findings else "no test infrastructure changed")
        return gate(TEST_INFRASTRUCTURE, ok=ok)
    key = f"quality_gates.test_infrastructure: {policy}"
    return gate(TEST_INFRASTRUCTURE, ok="", block=findings if policy == "block" else None,
                approval=findings if policy == "needs_approval" else None,
                what=f"changes test infrastructure ({key})")
