"""Which packages of a tree an installed user gets, and which only a developer installs.

**Runtime**: what packaging metadata declares for users (``[project].dependencies``, extras not
named for developers, ``install_requires``, Poetry's main table, Pipfile ``packages``), the
requirement files that metadata reads (setuptools/hatch dynamic dependencies, ``file:`` in
setup.cfg), and every requirement file whose name does not say it is for developers (a top-level
``requirements.txt``, ``requirements/base.txt``, ``requirements/prod.txt``...).

**Development**: requirement files named for tests, docs, dev, typing, lint, CI, build tooling...
(``requirements/docs.txt``, ``requirements-dev.txt``, ``docs/requirements.txt``), extras with one
of those unambiguous names, ``tests_require``, dependency groups.

There is no hole: a file a runtime file includes (``-r`` / ``-c``) is runtime whatever its name,
so is a developer extra a runtime source installs (``.[test]``, ``project[test]``), and every
requirement list a ``setup.py`` with computed lists names; a package counts as runtime as soon as
any runtime source declares it.
"""

from __future__ import annotations

import os
import posixpath
import re
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from germinate.policy.depfiles import (
    DEVELOPMENT_FILE_WORDS,
    PACKAGING_FILES,
    Unreadable,
    declarations,
    development_name,
    included_files,
    is_dependency_file,
    requirement_lines,
    setup_py_files,
)

Reader = Callable[[str], "str | None"]
RUNTIME, DEVELOPMENT = "runtime", "development"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_NOT_SOURCE = {"node_modules", "venv", "env", "site-packages", "__pycache__", "build", "dist"}
_SELF = re.compile(r"^(?:(?:-e|--editable)(?:\s*=\s*|\s+))?([^\s\[;]+)\s*\[([^\]]*)\]")
_NOT_A_NAME = ("-", "git+", "hg+", "svn+", "bzr+", "http:", "https:", "file:", ".", "/")


@dataclass
class TreeDependencies:
    """The packages one tree declares: ``{normalised name: where}`` by role."""

    runtime: dict[str, str] = field(default_factory=dict)  # name -> "spec (path)"
    development: dict[str, str] = field(default_factory=dict)  # name -> path
    specs: dict[str, list[str]] = field(default_factory=dict)  # path -> every line it declares
    unreadable: dict[str, str] = field(default_factory=dict)  # path -> why
    roles: dict[str, str] = field(default_factory=dict)  # requirement file -> runtime | development

    def all_specs(self) -> set[str]:
        return {spec for specs in self.specs.values() for spec in specs}


def normalise_name(name: str) -> str:
    """PEP 503 name: ``Foo_Bar.baz`` and ``foo-bar-baz`` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def package_name(spec: str) -> str | None:
    """The distribution a requirement names; None for options, bare URLs and paths."""
    spec = spec.strip()
    match = _NAME.match(spec)
    if not match or spec.startswith(_NOT_A_NAME):
        return None
    return normalise_name(match.group(1))


def development_path(path: str) -> bool:
    """A requirement file for developers by its name or folder: ``requirements/docs.txt``,
    ``requirements-dev.txt``, ``tests/requirements.txt``..."""
    parts = path.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    return any(development_name(part, DEVELOPMENT_FILE_WORDS) for part in [*parts[:-1], stem])


def _inside(path: str) -> bool:
    return not path.startswith(("../", "/")) and path != ".."


@dataclass
class _DevExtras:
    """The project's own names and its development extras: installed for users when a runtime
    source asks for them (``.[test]`` in requirements.txt, ``all = ["project[test]"]``)."""

    names: set[str] = field(default_factory=lambda: {".", "./"})
    specs: dict[str, list[str]] = field(default_factory=dict)  # normalised extra -> its packages
    files: dict[str, list[str]] = field(default_factory=dict)  # normalised extra -> repository paths
    runtime: list[str] = field(default_factory=list)  # runtime specs the packaging metadata declares


def classify(paths: Iterable[str], read: Reader) -> TreeDependencies:
    """Read the dependency files among ``paths`` (and what they include) with ``read``."""
    out = TreeDependencies()
    roles: dict[str, str] = {}
    named: dict[str, str] = {}  # what packaging metadata says a requirement file is for
    extras = _DevExtras()
    for path in paths:
        if posixpath.basename(path) in PACKAGING_FILES:
            _read_packaging(out, named, path, read, extras)
        elif is_dependency_file(path):
            roles[path] = DEVELOPMENT if development_path(path) else RUNTIME
    roles.update(named)
    _follow_includes(out, roles, read)
    _self_installs(out, roles, read, extras)
    for path, role in sorted(roles.items()):
        for spec in out.specs.get(path, []):
            name = package_name(spec)
            if name and role == RUNTIME:
                out.runtime.setdefault(name, f"{spec} ({path})")
            elif name:
                out.development.setdefault(name, path)
    out.roles = roles
    return out


def _self_installs(out: TreeDependencies, roles: dict[str, str], read: Reader, extras: _DevExtras) -> None:
    """A development extra a runtime source installs (``.[test]``, ``-e .[test]``, ``project[test]``)
    is runtime: its packages and requirement files reach every user who installs that source."""
    done: set[str] = set()
    while True:
        specs = extras.runtime + [s for path, role in roles.items() if role == RUNTIME for s in out.specs.get(path, [])]
        wanted = {extra for spec in specs for extra in _own_extras(spec, extras.names)} - done
        wanted &= set(extras.specs) | set(extras.files)
        if not wanted:
            return
        for extra in sorted(wanted):
            done.add(extra)
            for spec in extras.specs.get(extra, []):
                extras.runtime.append(spec)
                if name := package_name(spec):
                    out.runtime.setdefault(name, f"{spec} (extra '{extra}', installed by a runtime file)")
            for path in extras.files.get(extra, []):
                roles[path] = RUNTIME
        _follow_includes(out, roles, read)


def _own_extras(spec: str, names: set[str]) -> list[str]:
    match = _SELF.match(spec)
    if not match or (match.group(1) not in (".", "./") and normalise_name(match.group(1)) not in names):
        return []
    return [normalise_name(e) for e in match.group(2).split(",") if e.strip()]


def _read_packaging(out: TreeDependencies, named: dict[str, str], path: str, read: Reader,
                    extras: _DevExtras) -> None:
    try:
        found = declarations(path, read(path) or "")
    except Unreadable as exc:
        out.unreadable[path] = str(exc)
        if posixpath.basename(path) == "setup.py":  # computed lists: any requirement file it names may be read
            for ref in setup_py_files(read(path) or ""):
                named[posixpath.normpath(posixpath.join(posixpath.dirname(path), ref))] = RUNTIME
        return
    out.specs[path] = found.runtime + found.development
    extras.names |= {normalise_name(n) for n in found.names}
    extras.runtime += found.runtime
    for extra, specs in found.dev_extras.items():
        extras.specs.setdefault(normalise_name(extra), []).extend(specs)
    for extra, refs in found.dev_extra_files.items():
        extras.files.setdefault(normalise_name(extra), []).extend(
            posixpath.normpath(posixpath.join(posixpath.dirname(path), ref)) for ref in refs)
    for spec in found.runtime:
        if name := package_name(spec):
            out.runtime.setdefault(name, f"{spec} ({path})")
    for spec in found.development:
        if name := package_name(spec):
            out.development.setdefault(name, path)
    folder = posixpath.dirname(path)
    for ref in found.development_files:
        named.setdefault(posixpath.normpath(posixpath.join(folder, ref)), DEVELOPMENT)
    for ref in found.runtime_files:  # a file installed for users is runtime, whatever else names it
        named[posixpath.normpath(posixpath.join(folder, ref))] = RUNTIME


def _follow_includes(out: TreeDependencies, roles: dict[str, str], read: Reader) -> None:
    """Read every requirement file once per role it ends with; what a runtime file includes is runtime."""
    done: dict[str, str] = {}
    pending = sorted(roles, key=lambda p: roles[p] != RUNTIME)
    while pending:
        path = pending.pop(0)
        role = roles[path]
        if done.get(path) in (role, RUNTIME) or not _inside(path):
            continue
        done[path] = role
        text = read(path)
        if text is None:
            continue
        out.specs[path] = requirement_lines(text)
        for included in included_files(path, out.specs[path]):
            if role == RUNTIME and roles.get(included) != RUNTIME:
                roles[included] = RUNTIME
                pending.append(included)
            elif included not in roles:
                roles[included] = DEVELOPMENT
                pending.append(included)


def classify_checkout(root: Path) -> TreeDependencies:
    """``classify`` on a folder on disk: the files git knows (tracked, or untracked and not
    ignored), or every file outside tool and virtualenv folders when it is not a repository."""
    proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                          capture_output=True, check=False)
    if proc.returncode == 0:
        paths = [p for p in proc.stdout.decode("utf-8", "replace").split("\0") if p]
    else:
        paths = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _NOT_SOURCE]
            rel = Path(folder).relative_to(root).as_posix()
            paths += [name if rel == "." else f"{rel}/{name}" for name in files]
    return classify(sorted(p for p in paths if is_dependency_file(p)), lambda path: _read(root, path))


def _read(root: Path, path: str) -> str | None:
    target = root / path
    if not _inside(path) or target.is_symlink() or not target.is_file():
        return None
    return target.read_text(encoding="utf-8", errors="replace")
