"""New third-party packages: against the seed's allowlist, at most N per change, only from the
package index (no direct URLs, VCS links or extra indexes), with an issue link when the seed
asks. Read from ``pyproject.toml`` (PEP 621, dependency groups, Poetry), ``requirements*.txt``
and ``setup.cfg``, base against head. Whether a new package needs a person is the
checkpoints gate's call.
"""

from __future__ import annotations

import configparser
import posixpath
import re
import tomllib
from typing import Any

from germinate.models import GateResult
from germinate.policy.context import GateContext, gate

DEPENDENCIES = "dependencies"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_INDEX_OPTIONS = re.compile(r"^\s*(-i\b|--index-url|--extra-index-url|-f\b|--find-links|--trusted-host)")
_DIRECT = re.compile(r"(git\+|hg\+|svn\+|bzr\+|https?://|file:|\s@\s)")


def normalise_name(name: str) -> str:
    """PEP 503 name: ``Foo_Bar.baz`` and ``foo-bar-baz`` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def is_dependency_file(path: str) -> bool:
    name = posixpath.basename(path)
    return name in ("pyproject.toml", "setup.cfg") or (
        name.endswith(".txt") and ("requirements" in name or "/requirements" in f"/{path}"))


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


def _setup_cfg_specs(text: str) -> list[str]:
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    raw = parser.get("options", "install_requires", fallback="")
    return [line for line in raw.splitlines() if line.strip()]


def dependency_specs(path: str, text: str) -> list[str]:
    """The requirement strings a dependency file declares (options lines included)."""
    name = posixpath.basename(path)
    if name == "pyproject.toml":
        return _pyproject_specs(text)
    if name == "setup.cfg":
        return _setup_cfg_specs(text)
    lines = [line.split(" #")[0].strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _names(specs: list[str]) -> dict[str, str]:
    out = {}
    for spec in specs:
        match = _NAME.match(spec)
        if match and not spec.lstrip().startswith("-"):
            out[normalise_name(match.group(1))] = spec
    return out


def declared(ctx: GateContext, side: str) -> tuple[dict[str, str], list[str]]:
    """({package: spec}, [all specs]) over the changed dependency files on one side."""
    names: dict[str, str] = {}
    specs: list[str] = []
    for change in ctx.changes.files:
        path = change.path if side == "head" else (change.old_path or change.path)
        if not is_dependency_file(path) or (side == "head" and change.status == "deleted") or (
                side == "base" and change.status == "added"):
            continue
        text = ctx.text("head" if side == "head" else "base", path)
        found = dependency_specs(path, text or "")
        specs += found
        names.update(_names(found))
    return names, specs


def new_dependencies(ctx: GateContext) -> dict[str, str]:
    """Packages the head declares that the base did not: ``{name: spec}``."""
    head, _ = declared(ctx, "head")
    base, _ = declared(ctx, "base")
    return {name: spec for name, spec in head.items() if name not in base}


def check_dependencies(ctx: GateContext) -> GateResult:
    sec = ctx.seed.quality_gates.security.dependency_policy
    limits = ctx.seed.constraints.dependencies
    new = new_dependencies(ctx)
    _, head_specs = declared(ctx, "head")
    _, base_specs = declared(ctx, "base")
    block = []
    for spec in sorted(set(head_specs) - set(base_specs)):
        if _INDEX_OPTIONS.match(spec):
            block.append(f"(dependencies): adds a package source '{spec}'; only the configured index may be used")
        elif _DIRECT.search(spec):
            block.append(f"(dependencies): '{spec}' is not from the package index (direct URL / VCS / path)")
    allowed = {normalise_name(p) for p in sec.allowlisted_packages}
    if sec.allowlist_mode:
        block += [f"(dependencies): new package '{name}' is not in quality_gates.security."
                  "dependency_policy.allowlisted_packages" for name in sorted(new) if name not in allowed]
    if len(new) > limits.max_new_dependencies_per_pr:
        block.append(f"(dependencies): {len(new)} new packages ({', '.join(sorted(new))}) > "
                     f"constraints.dependencies.max_new_dependencies_per_pr {limits.max_new_dependencies_per_pr}")
    if new and limits.require_issue_link_for_new_dependency and not (ctx.ticket and ctx.ticket.source_ref):
        block.append("(dependencies): a new dependency needs a linked issue "
                     "(constraints.dependencies.require_issue_link_for_new_dependency)")
    ok = f"new packages: {', '.join(sorted(new))}" if new else "no new dependencies"
    return gate(DEPENDENCIES, ok=ok, block=block, what="dependency policy")
