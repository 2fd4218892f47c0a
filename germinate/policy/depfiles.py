"""Reading the dependencies a file declares, by who gets them, without running anything.

``pyproject.toml`` (PEP 621 dependencies and extras, dependency groups, Poetry, setuptools'
and hatch's dynamic dependencies read from requirement files), ``setup.cfg``
(``install_requires``, ``extras_require``, ``tests_require``, ``file:`` lists), ``setup.py``
(the same keywords of the ``setup()`` call, read from its syntax tree: literals and
module-level names bound to literals; never executed), ``Pipfile``, and ``requirements*.txt`` /
``requirements/*.txt`` with their ``-r`` / ``-c`` includes.

A file's packages are **runtime** (what an installed user gets: ``dependencies``,
``install_requires``, extras not named for developers) or **development** (``tests_require``,
extras named for tests/docs/dev/typing/lint, dependency groups, Poetry groups, Pipfile
``dev-packages``). Which requirement *files* are runtime is decided over the whole tree
(``germinate.policy.dependency_roles``). ``[build-system] requires`` is neither: ``build_requirements``
reads it apart.
"""

from __future__ import annotations

import ast
import configparser
import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

SETUP_KEYWORDS = ("install_requires", "extras_require", "tests_require")
PACKAGING_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile")
# Words that name a requirement file, extra or folder for developers, never for an installed user.
# Only unambiguous names: an extra is something a user can install, so when in doubt it is runtime
# (``format``, ``check``, ``types``, ``tools``, ``build``, ``release``, ``style`` are user-facing extras).
DEVELOPMENT_WORDS = frozenset({
    "test", "tests", "testing", "dev", "devel", "develop", "development", "doc", "docs", "documentation",
    "typing", "typecheck", "typechecks", "mypy", "pyright", "lint", "linting", "linters", "flake8", "ruff", "ci", "tox",
    "nox", "bench", "benchmark", "benchmarks", "coverage", "cov", "precommit",
})
# A requirement *file* is only installed when someone names it (a runtime file including it is
# runtime whatever its name), so its name may also say build or release tooling.
DEVELOPMENT_FILE_WORDS = DEVELOPMENT_WORDS | {"build", "packaging", "release", "publish", "style", "tools", "tooling"}


class Unreadable(ValueError):
    """A dependency list that cannot be known without executing code (a computed ``setup.py`` value)."""


def is_dependency_file(path: str) -> bool:
    name = posixpath.basename(path)
    return name in PACKAGING_FILES or (
        name.endswith(".txt") and ("requirements" in name or "/requirements/" in f"/{path}"))


@dataclass
class Declared:
    """What one packaging file declares, by who gets it: an installed user (runtime) or only a
    developer (tests, docs, tooling); and the requirement files it names for each."""

    runtime: list[str] = field(default_factory=list)
    development: list[str] = field(default_factory=list)
    runtime_files: list[str] = field(default_factory=list)  # relative to the declaring file's folder
    development_files: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # the project's own distribution name(s)
    dev_extras: dict[str, list[str]] = field(default_factory=dict)  # extra -> its packages, for self-installs
    dev_extra_files: dict[str, list[str]] = field(default_factory=dict)

    def add(self, extra: str, specs: list[str]) -> None:
        """An extra's (or optional group's) packages: development when its name says so."""
        if development_name(extra):
            self.dev_extras.setdefault(extra, []).extend(specs)
        (self.development if development_name(extra) else self.runtime).extend(specs)

    def add_files(self, extra: str, files: list[str]) -> None:
        if development_name(extra):
            self.dev_extra_files.setdefault(extra, []).extend(files)
        (self.development_files if development_name(extra) else self.runtime_files).extend(files)

    def name(self, value: Any) -> None:
        if isinstance(value, str) and value.strip():
            self.names.append(value.strip())


def development_name(name: str, words: frozenset[str] = DEVELOPMENT_WORDS) -> bool:
    """True for a name meant for developers: ``tests``, ``docs``, ``dev``, ``typing``, ``lint``..."""
    lowered = name.lower()
    return bool(set(re.split(r"[^a-z0-9]+", lowered)) & words) or "pre-commit" in lowered


def _strs(value: Any) -> list[str]:
    return [s for s in value if isinstance(s, str)] if isinstance(value, list) else []


def _files(ref: Any) -> list[str]:
    """``{file = "a.txt"}`` / ``{file = ["a.txt"]}`` / a list of paths / one path."""
    if isinstance(ref, dict):
        ref = ref.get("file", [])
    return [ref] if isinstance(ref, str) else _strs(ref)


def _table_specs(table: Any) -> list[str]:
    """Poetry / Pipfile tables: ``name = "*"`` or ``name = {git = ...}`` (a direct source shows)."""
    specs = []
    for name, spec in (table.items() if isinstance(table, dict) else []):
        if name.lower() == "python":
            continue
        direct = isinstance(spec, dict) and any(k in spec for k in ("git", "url", "path", "file"))
        specs.append(f"{name} @ {spec}" if direct else name)
    return specs


def _pyproject(text: str) -> Declared:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return Declared()
    out = Declared()
    project: dict[str, Any] = data.get("project", {})
    tool = data.get("tool", {})
    for value in (project.get("name"), tool.get("poetry", {}).get("name"),
                  tool.get("flit", {}).get("metadata", {}).get("dist-name"),
                  tool.get("flit", {}).get("metadata", {}).get("module")):
        out.name(value)
    out.runtime += _strs(project.get("dependencies"))
    for extra, group in project.get("optional-dependencies", {}).items():
        out.add(extra, _strs(group))
    for group in data.get("dependency-groups", {}).values():  # never installed for a user
        out.development += _strs(group)
    poetry = tool.get("poetry", {})
    out.runtime += _table_specs(poetry.get("dependencies"))
    out.development += _table_specs(poetry.get("dev-dependencies"))
    for group in poetry.get("group", {}).values():
        out.development += _table_specs(group.get("dependencies"))
    dynamic = tool.get("setuptools", {}).get("dynamic", {})
    out.runtime_files += _files(dynamic.get("dependencies"))
    for extra, ref in (dynamic.get("optional-dependencies") or {}).items():
        out.add_files(extra, _files(ref))
    flit = tool.get("flit", {}).get("metadata", {})  # flit before PEP 621
    out.runtime += _strs(flit.get("requires"))
    for extra, group in (flit.get("requires-extra") or {}).items():
        out.add(extra, _strs(group))
    hook = tool.get("hatch", {}).get("metadata", {}).get("hooks", {}).get("requirements_txt", {})
    out.runtime_files += _files(hook.get("files"))
    for extra, ref in (hook.get("optional-dependencies") or {}).items():
        out.add_files(extra, _files(ref))
    return out


def _pipfile(text: str) -> Declared:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return Declared()
    return Declared(runtime=_table_specs(data.get("packages")), development=_table_specs(data.get("dev-packages")))


def build_requirements(text: str | None) -> list[str]:
    """``[build-system] requires`` of a pyproject.toml: what the build backend needs."""
    try:
        data = tomllib.loads(text or "")
    except tomllib.TOMLDecodeError:
        return []
    return [s for s in data.get("build-system", {}).get("requires", []) if isinstance(s, str)]


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip() and not line.strip().startswith("#")]


class _SetupConfig(configparser.RawConfigParser):
    """setuptools reads ``install-requires`` as ``install_requires``."""

    def optionxform(self, optionstr: str) -> str:
        return optionstr.lower().replace("-", "_")


def _setup_cfg(text: str) -> Declared:
    parser = _SetupConfig()
    try:
        parser.read_string(text)
    except configparser.Error:
        return Declared()
    out = Declared()
    out.name(parser.get("metadata", "name", fallback=None))
    install = parser.get("options", "install_requires", fallback="")
    if install.strip().startswith("file:"):  # setuptools reads the list from requirement files
        out.runtime_files += install.strip()[5:].replace(",", " ").split()
    else:
        out.runtime += _lines(install)
    out.development += _lines(parser.get("options", "tests_require", fallback=""))
    if parser.has_section("options.extras_require"):
        for extra, raw in parser.items("options.extras_require"):
            if raw.strip().startswith("file:"):
                out.add_files(extra, raw.strip()[5:].replace(",", " ").split())
            else:
                out.add(extra, _lines(raw))
    return out


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


def _setup_py(text: str) -> Declared:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        raise Unreadable("setup.py does not parse, so its dependencies cannot be read") from None
    names = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}
    out = Declared()
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        func = call.func
        if getattr(func, "id", getattr(func, "attr", None)) != "setup":
            continue
        for kw in call.keywords:
            if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                out.name(kw.value.value)
            if kw.arg is None:
                raise Unreadable("setup.py: setup(**...) passes keywords that cannot be read without running it")
            if kw.arg == "extras_require":
                _setup_py_extras(out, kw.value, dict(names))
            elif kw.arg in SETUP_KEYWORDS:
                specs = _flatten(_literal(kw.value, dict(names), kw.arg), kw.arg)
                (out.runtime if kw.arg == "install_requires" else out.development).extend(specs)
    return out


def _setup_py_extras(out: Declared, node: ast.expr, names: dict[str, ast.expr]) -> None:
    """``extras_require``: by extra when its keys are literal, else all of it counts as runtime."""
    while isinstance(node, ast.Name) and node.id in names:
        node = names.pop(node.id)
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
        for key, value in zip(node.keys, node.values, strict=True):
            extra = str(key.value) if isinstance(key, ast.Constant) else ""
            out.add(extra, _flatten(_literal(value, dict(names), "extras_require"), "extras_require"))
        return
    out.runtime += _flatten(_literal(node, names, "extras_require"), "extras_require")


_NOT_REQUIREMENTS = ("readme", "license", "licence", "changes", "changelog", "history", "authors", "notice")


def setup_py_files(text: str) -> list[str]:
    """Files a ``setup.py`` names in string literals that look like requirement lists (``.txt``,
    ``.in``, or "requirements" in the name): when its lists are computed, it may read them."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or "\n" in node.value:
            continue
        name = posixpath.basename(node.value.strip()).lower()
        if name.startswith(_NOT_REQUIREMENTS) or not name:
            continue
        if name.endswith((".txt", ".in")) or "requirements" in name:
            out.append(node.value.strip())
    return list(dict.fromkeys(out))


def declarations(path: str, text: str) -> Declared:
    """What a packaging file (pyproject.toml, setup.cfg, setup.py, Pipfile) declares, by role.

    Raises ``Unreadable`` for a ``setup.py`` whose lists are computed.
    """
    name = posixpath.basename(path)
    if name == "pyproject.toml":
        return _pyproject(text)
    if name == "setup.cfg":
        return _setup_cfg(text)
    if name == "setup.py":
        return _setup_py(text)
    if name == "Pipfile":
        return _pipfile(text)
    return Declared()


_COMMENT = re.compile(r"(^|\s+)#.*$")
_INCLUDE = re.compile(r"^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?<=-r)|(?<=-c))(?!-)(\S.*)$")


def requirement_lines(text: str) -> list[str]:
    """A requirements file's lines as pip reads them: backslash continuations joined, comments
    and blanks left out (options such as ``-r`` kept)."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        if raw.endswith("\\") and not _COMMENT.search(raw[:-1]):
            pending += raw[:-1]
            continue
        logical.append(pending + raw)
        pending = ""
    if pending:
        logical.append(pending)
    out = [_COMMENT.sub("", line).strip() for line in logical]
    return [line for line in out if line]


def dependency_specs(path: str, text: str) -> list[str]:
    """Every requirement string a dependency file declares, runtime and development alike."""
    if posixpath.basename(path) in PACKAGING_FILES:
        found = declarations(path, text)
        return found.runtime + found.development
    return requirement_lines(text)


def included_files(path: str, specs: list[str]) -> list[str]:
    """Files a requirements file pulls in with ``-r FILE`` / ``-c FILE`` (repository paths)."""
    out = []
    for spec in specs:
        if match := _INCLUDE.match(spec):
            target = match.group(1).strip()
            out.append(posixpath.normpath(posixpath.join(posixpath.dirname(path), target)))
    return out
