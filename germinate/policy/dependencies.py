"""New third-party packages: against the seed's allowlist, at most N per change, only from the
package index (no direct URLs, VCS links or extra indexes), with an issue link when the seed
asks. Read statically (``germinate.policy.depfiles``) from ``pyproject.toml``, ``setup.cfg``,
``setup.py`` (its syntax tree, never run) and ``requirements*.txt`` with their includes, base
against head. A runtime package outside ``allowlisted_packages`` (with ``allowlist_mode``) gets
what ``dependency_policy.outside_allowlist`` says (``block`` by default, or ``needs_approval``);
a package source other than the index blocks; ``[build-system] requires``
is not a runtime dependency, but a new build requirement runs at install time and needs a person.
Whether every new package needs a person is the checkpoints gate's call.
"""

from __future__ import annotations

import posixpath
import re

from germinate.diff import FileChange
from germinate.models import GateResult
from germinate.policy.context import GateContext, Side, gate
from germinate.policy.depfiles import (
    Unreadable,
    build_requirements,
    dependency_specs,
    included_files,
    is_dependency_file,
)

DEPENDENCIES = "dependencies"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_INDEX_OPTIONS = re.compile(r"^\s*(-i\b|--index-url|--extra-index-url|-f\b|--find-links|--trusted-host)")
_DIRECT = re.compile(r"(git\+|hg\+|svn\+|bzr\+|https?://|file:|\s@\s)")
__all__ = ["DEPENDENCIES", "check_dependencies", "declared", "dependency_specs", "is_dependency_file",
           "new_dependencies", "normalise_name"]


def normalise_name(name: str) -> str:
    """PEP 503 name: ``Foo_Bar.baz`` and ``foo-bar-baz`` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(specs: list[str]) -> dict[str, str]:
    out = {}
    for spec in specs:
        match = _NAME.match(spec)
        if match and not spec.lstrip().startswith("-"):
            out[normalise_name(match.group(1))] = spec
    return out


def _side_path(change: FileChange, side: Side) -> str | None:
    """The path of ``change`` on one side, or None when the file does not exist there."""
    if side == "head":
        return None if change.status == "deleted" else change.path
    return None if change.status == "added" else (change.old_path or change.path)


def _dependency_paths(ctx: GateContext, side: Side) -> list[str]:
    """Changed dependency files on one side, plus files their ``-r``/``-c`` lines pull in."""
    changed = [p for c in ctx.changes.files if (p := _side_path(c, side)) is not None]
    included: set[str] = set()
    requirement_files = [p for p in dict.fromkeys(ctx.base_paths() + changed)
                         if p.endswith(".txt") and is_dependency_file(p)]
    ctx.prefetch(side, requirement_files)
    for path in requirement_files:
        try:
            included.update(included_files(path, dependency_specs(path, ctx.text(side, path) or "")))
        except Unreadable:
            continue
    return [p for p in dict.fromkeys(changed) if is_dependency_file(p) or p in included]


def read_declared(ctx: GateContext, side: Side) -> tuple[dict[str, str], list[str], list[str]]:
    """({package: spec}, [all specs], [why a file could not be read]) for one side."""
    names: dict[str, str] = {}
    specs: list[str] = []
    unreadable: list[str] = []
    for path in _dependency_paths(ctx, side):
        try:
            found = dependency_specs(path, ctx.text(side, path) or "")
        except Unreadable as exc:
            unreadable.append(f"{path}: {exc}")
            continue
        specs += found
        names.update(_names(found))
    return names, specs, unreadable


def declared(ctx: GateContext, side: str) -> tuple[dict[str, str], list[str]]:
    """({package: spec}, [all specs]) over the changed dependency files on one side."""
    names, specs, _ = read_declared(ctx, "head" if side == "head" else "base")
    return names, specs


def new_dependencies(ctx: GateContext) -> dict[str, str]:
    """Runtime packages the head declares that the base did not: ``{name: spec}``."""
    head, _ = declared(ctx, "head")
    base, _ = declared(ctx, "base")
    return {name: spec for name, spec in head.items() if name not in base}


def _new_build_requirements(ctx: GateContext) -> list[str]:
    out = []
    for change in ctx.changes.files:
        if posixpath.basename(change.path) != "pyproject.toml" or change.status == "deleted":
            continue
        base = set(_names(build_requirements(ctx.text("base", change.old_path or change.path))))
        head = _names(build_requirements(ctx.text("head", change.path)))
        out += [f"{change.path}: new build requirement '{spec}' ([build-system] requires: not a runtime "
                "dependency, but its code runs when the project is installed)"
                for name, spec in sorted(head.items()) if name not in base]
    return out


def check_dependencies(ctx: GateContext) -> GateResult:
    sec = ctx.seed.quality_gates.security.dependency_policy
    limits = ctx.seed.constraints.dependencies
    new = new_dependencies(ctx)
    _, head_specs, unreadable = read_declared(ctx, "head")
    _, base_specs, _ = read_declared(ctx, "base")
    block = []
    for spec in sorted(set(head_specs) - set(base_specs)):
        if _INDEX_OPTIONS.match(spec):
            block.append(f"(dependencies): adds a package source '{spec}'; only the configured index may be used")
        elif _DIRECT.search(spec):
            block.append(f"(dependencies): '{spec}' is not from the package index (direct URL / VCS / path)")
    if len(new) > limits.max_new_dependencies_per_pr:
        block.append(f"(dependencies): {len(new)} new packages ({', '.join(sorted(new))}) > "
                     f"constraints.dependencies.max_new_dependencies_per_pr {limits.max_new_dependencies_per_pr}")
    if new and limits.require_issue_link_for_new_dependency and not (ctx.ticket and ctx.ticket.source_ref):
        block.append("(dependencies): a new dependency needs a linked issue "
                     "(constraints.dependencies.require_issue_link_for_new_dependency)")
    allowed = {normalise_name(p) for p in sec.allowlisted_packages}
    outside = [f"(dependencies): new package '{name}' is not in quality_gates.security.dependency_policy."
               f"allowlisted_packages (outside_allowlist: {sec.outside_allowlist})" for name in sorted(new)
               if sec.allowlist_mode and name not in allowed]
    approval = outside if sec.outside_allowlist == "needs_approval" else []
    block += outside if sec.outside_allowlist == "block" else []
    approval += [f"{why} (a person must read it)" for why in unreadable]
    approval += _new_build_requirements(ctx)
    ok = f"new packages: {', '.join(sorted(new))}" if new else "no new dependencies"
    return gate(DEPENDENCIES, ok=ok, block=block, approval=approval, what="dependency policy")
