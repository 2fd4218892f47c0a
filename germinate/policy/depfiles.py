"""Reading the runtime dependencies a file declares, without running anything.

``pyproject.toml`` (PEP 621 dependencies and optional dependencies, dependency groups,
Poetry), ``setup.cfg`` (``install_requires``, ``extras_require``, ``tests_require``),
``setup.py`` (the same keywords of the ``setup()`` call, read from its syntax tree: literals and
module-level names bound to literals; never executed), and ``requirements*.txt`` /
``requirements/*.txt`` with their ``-r`` / ``-c`` includes. ``[build-system] requires`` is
not a runtime dependency: ``build_requirements`` reads it apart.
"""

from __future__ import annotations

import ast
import configparser
import posixpath
import tomllib
from typing import Any

SETUP_KEYWORDS = ("install_requires", "extras_require", "tests_require")


class Unreadable(ValueError):
    """A dependency list that cannot be known without executing code (a computed ``setup.py`` value)."""


def is_dependency_file(path: str) -> bool:
    name = posixpath.basename(path)
    return name in ("pyproject.toml", "setup.cfg", "setup.py") or (
        name.endswith(".txt") and ("requirements" in name or "/requirements/" in f"/{path}"))


def _pyproject_specs(text: str) -> list[str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    project: dict[str, Any] = data.get("project", {})
    specs = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        specs += list(group)
    for group in data.get("dependency-groups", {}).values():
        specs += [s for s in group if isinstance(s, str)]
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {})] + [
        g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    for table in tables:
        for name, spec in table.items():
            if name.lower() == "python":
                continue
            direct = isinstance(spec, dict) and any(k in spec for k in ("git", "url", "path"))
            specs.append(f"{name} @ {spec}" if direct else name)
    return [s for s in specs if isinstance(s, str)]


def build_requirements(text: str | None) -> list[str]:
    """``[build-system] requires`` of a pyproject.toml: what the build backend needs."""
    try:
        data = tomllib.loads(text or "")
    except tomllib.TOMLDecodeError:
        return []
    return [s for s in data.get("build-system", {}).get("requires", []) if isinstance(s, str)]


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip() and not line.strip().startswith("#")]


def _setup_cfg_specs(text: str) -> list[str]:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    specs = _lines(parser.get("options", "install_requires", fallback=""))
    specs += _lines(parser.get("options", "tests_require", fallback=""))
    if parser.has_section("options.extras_require"):
        for _, raw in parser.items("options.extras_require"):
            specs += _lines(raw)
    return specs


def _flatten(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return _lines(value)
    if isinstance(value, list | tuple | set):
        return [s for item in value for s in _flatten(item, where)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _flatten(item, where)]
    raise Unreadable(f"setup.py: {where} is not a list of strings")


def _literal(node: ast.expr, names: dict[str, ast.expr], where: str) -> Any:
    """A literal value, following module-level names, ``+`` of lists and names inside lists and
    dicts (a dict reads as its values); else Unreadable."""
    if isinstance(node, ast.Name) and node.id in names:
        return _literal(names.pop(node.id), names, where)  # pop: a name bound to itself cannot loop
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return list(_literal(node.left, names, where)) + list(_literal(node.right, names, where))
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [_literal(item, names, where) for item in node.elts]
    if isinstance(node, ast.Dict):
        return [_literal(value, names, where) for value in node.values]
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise Unreadable(f"setup.py: {where} is computed ({ast.unparse(node)[:80]}); it cannot be read "
                         "without running setup.py. Fix: write it as a literal list, or move it to "
                         "pyproject.toml / setup.cfg") from None


def _setup_py_specs(text: str) -> list[str]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        raise Unreadable("setup.py does not parse, so its dependencies cannot be read") from None
    names = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}
    specs: list[str] = []
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        func = call.func
        if getattr(func, "id", getattr(func, "attr", None)) != "setup":
            continue
        for kw in call.keywords:
            if kw.arg is None:
                raise Unreadable("setup.py: setup(**...) passes keywords that cannot be read without running it")
            if kw.arg in SETUP_KEYWORDS:
                specs += _flatten(_literal(kw.value, dict(names), kw.arg), kw.arg)
    return specs


def dependency_specs(path: str, text: str) -> list[str]:
    """The requirement strings a dependency file declares (options lines included).

    Raises ``Unreadable`` for a ``setup.py`` whose lists are computed.
    """
    name = posixpath.basename(path)
    if name == "pyproject.toml":
        return _pyproject_specs(text)
    if name == "setup.cfg":
        return _setup_cfg_specs(text)
    if name == "setup.py":
        return _setup_py_specs(text)
    return [line.split(" #")[0].strip() for line in _lines(text)]


def included_files(path: str, specs: list[str]) -> list[str]:
    """Files a requirements file pulls in with ``-r FILE`` / ``-c FILE`` (repository paths)."""
    out = []
    for spec in specs:
        for flag in ("-r", "--requirement", "-c", "--constraint"):
            if spec.startswith(flag + " ") or spec.startswith(flag + "="):
                target = spec[len(flag) + 1:].strip()
                out.append(posixpath.normpath(posixpath.join(posixpath.dirname(path), target)))
            elif flag in ("-r", "-c") and spec.startswith(flag) and len(spec) > 2 and spec[2] != "-":
                out.append(posixpath.normpath(posixpath.join(posixpath.dirname(path), spec[2:].strip())))
    return out
