"""What a repository declares it needs: runtime packages, and what its test suite needs.

Runtime packages are read by ``germinate.policy.dependency_roles`` (the dependency gate's
classification, so ``init``'s allowlist agrees with the gate). ``test_setup`` finds how the test
suite's own dependencies are declared (extras, dependency groups, requirements files, tox, nox, hatch, Poetry groups, ``setup.py``
``tests_require``) and turns it into one ``setup_command``. Nothing is executed.
"""

from __future__ import annotations

import ast
import configparser
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEST_GROUPS = ("test", "tests", "testing", "dev")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_TEST_REQUIREMENTS = re.compile(r"(^|/)(requirements[-_/]?(tests?|testing|dev)|(tests?|dev)[-_]requirements)"
                                r"\.(txt|in)$")


def normalize(name: str) -> str:
    """A distribution name as PyPI compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> str | None:
    """The distribution a requirement line names; None for options, URLs and blanks."""
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith(("-", "git+", "http:", "https:", "file:", ".")):
        return None
    match = _NAME.match(line)
    return normalize(match.group(1)) if match else None


def _names(lines: list[str] | str) -> list[str]:
    items = lines.splitlines() if isinstance(lines, str) else lines
    return [n for n in map(requirement_name, items) if n]


def read_ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return configparser.ConfigParser(interpolation=None)
    return parser


def setup_py_lists(repo: Path) -> dict[str, list[str]]:
    """String lists passed to ``setup()`` keywords (``install_requires``, ``tests_require``,
    ``extras_require`` entries as ``extras:NAME``), read from ``setup.py``'s syntax tree."""
    path = repo / "setup.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    out: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg in ("install_requires", "tests_require") and isinstance(kw.value, ast.List | ast.Tuple):
                out[kw.arg] = [e.value for e in kw.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            elif kw.arg == "extras_require" and isinstance(kw.value, ast.Dict):
                for key, value in zip(kw.value.keys, kw.value.values, strict=True):
                    if (isinstance(key, ast.Constant) and isinstance(key.value, str)
                            and isinstance(value, ast.List | ast.Tuple)):
                        out[f"extras:{key.value}"] = [e.value for e in value.elts if isinstance(e, ast.Constant)
                                                      and isinstance(e.value, str)]
    return out


@dataclass(frozen=True)
class TestSetup:
    """How to install what the test suite needs, and where that was read."""

    command: str
    sources: list[str] = field(default_factory=list)


def test_setup(repo: Path, pyproject: dict[str, Any]) -> TestSetup:
    """One ``setup_command`` installing the project and its test dependencies."""
    installable = (repo / "pyproject.toml").is_file() or (repo / "setup.py").is_file()
    extras, files, packages, sources = _test_declarations(repo, pyproject)
    parts = ["python -m pip install"]
    if installable:
        parts.append(f"-e '.[{','.join(extras)}]'" if extras else "-e .")
    parts += [f"-r {f}" for f in files]
    parts += [_shell_word(p) for p in dict.fromkeys(packages)]
    if len(parts) == 1:
        return TestSetup("", sources)
    if installable and vcs_versioned(pyproject):
        # Tests run in a copy without .git; Germinate passes the version from git describe and writes
        # the version file there itself (environments/generated.py), so the command stays the project's.
        sources.append("version from git: given to the sandbox by Germinate")
    return TestSetup(" ".join(parts), sources)


def vcs_versioned(pyproject: dict[str, Any]) -> bool:
    """True if the build takes the version from git (setuptools-scm, hatch-vcs and kin)."""
    requires = " ".join(pyproject.get("build-system", {}).get("requires", [])).lower()
    tool = pyproject.get("tool", {})
    return (any(name in requires for name in ("setuptools_scm", "setuptools-scm", "hatch-vcs", "hatch_vcs"))
            or "setuptools_scm" in tool or tool.get("hatch", {}).get("version", {}).get("source") == "vcs")


def _shell_word(spec: str) -> str:
    return shlex.quote(spec.strip())


def _test_declarations(repo: Path, pyproject: dict[str, Any]) -> tuple[list[str], list[str], list[str], list[str]]:
    """(extras, requirement files, loose packages, where each was found)."""
    extras: list[str] = []
    files: list[str] = []
    packages: list[str] = []
    sources: list[str] = []
    declared = list(pyproject.get("project", {}).get("optional-dependencies", {}))
    setup_py = setup_py_lists(repo)
    declared += [k.removeprefix("extras:") for k in setup_py if k.startswith("extras:")]
    if (repo / "setup.cfg").is_file():
        cfg = read_ini(repo / "setup.cfg")
        if cfg.has_section("options.extras_require"):
            declared += list(cfg["options.extras_require"])
    extras = _preferred([e for e in TEST_GROUPS if e in declared])
    if extras:
        sources.append(f"extras {', '.join(extras)}")
    found = [req.relative_to(repo).as_posix() for req in sorted(
        [*repo.glob("*.txt"), *repo.glob("requirements/*.txt"), *repo.glob("requirements/*.in")])]
    found = [f for f in found if _TEST_REQUIREMENTS.search(f)
             and not (f.endswith(".in") and (repo / f).with_suffix(".txt").is_file())]
    # A tests file over a dev file: dev usually pulls in docs, typing and release tools as well.
    files = [f for f in found if "dev" not in f.rsplit("/", 1)[-1]] or found
    if files:
        sources += files
    tox_files, tox_packages, tox_extras = _tox(repo)
    if not files:
        files += [f for f in tox_files if (repo / f).is_file()]
    extras += [e for e in tox_extras if e not in extras and e in declared]
    for name, found in (("tox.ini", tox_packages), ("noxfile.py", _nox(repo)),
                        ("hatch", _hatch(pyproject)), ("poetry groups", _poetry_groups(pyproject)),
                        ("dependency-groups", _groups(pyproject)),
                        ("setup.py tests_require", setup_py.get("tests_require", []))):
        if found and not files:
            packages += found
            sources.append(name)
    return extras, files, packages, sources


def _tox(repo: Path) -> tuple[list[str], list[str], list[str]]:
    """(``-r`` files, packages, extras) of tox's ``[testenv]``."""
    path = repo / "tox.ini"
    if not path.is_file():
        return [], [], []
    cfg = read_ini(path)
    deps = cfg.get("testenv", "deps", fallback="").splitlines()
    files = [d.strip()[2:].strip() for d in deps if d.strip().startswith("-r")]
    packages = [d.strip() for d in deps if d.strip() and not d.strip().startswith(("-", "{", "#"))
                and requirement_name(d)]
    extras = [e.strip() for e in re.split(r"[,\s]+", cfg.get("testenv", "extras", fallback="")) if e.strip()]
    return files, packages, extras


def _nox(repo: Path) -> list[str]:
    """String arguments of ``session.install(...)`` in ``noxfile.py`` (not ``-e``/``.``)."""
    try:
        tree = ast.parse((repo / "noxfile.py").read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "install":
            out += [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                    and requirement_name(a.value)]
    return out


def _preferred(groups: list[str]) -> list[str]:
    """Test groups over ``dev``, which usually pulls in docs, typing and release tools too."""
    return [g for g in groups if g != "dev"] or groups


def _hatch(pyproject: dict[str, Any]) -> list[str]:
    envs = pyproject.get("tool", {}).get("hatch", {}).get("envs", {})
    return [d for name in ("test", "tests", "default") for d in envs.get(name, {}).get("dependencies", [])]


def _poetry_groups(pyproject: dict[str, Any]) -> list[str]:
    poetry = pyproject.get("tool", {}).get("poetry", {})
    groups = poetry.get("group", {})
    deps = dict(poetry.get("dev-dependencies", {}))
    for name in _preferred([g for g in TEST_GROUPS if g in groups]):
        deps.update(groups.get(name, {}).get("dependencies", {}))
    return [n for n in deps if n.lower() != "python"]


def _groups(pyproject: dict[str, Any]) -> list[str]:
    groups = pyproject.get("dependency-groups", {})
    return [d for name in _preferred([g for g in TEST_GROUPS if g in groups])
            for d in groups[name] if isinstance(d, str)]
