"""New third-party packages: against the seed's allowlist, at most N per change, only from the
package index (no direct URLs, VCS links or extra indexes), with an issue link when the seed
asks. Read statically (``germinate.policy.depfiles``) from ``pyproject.toml``, ``setup.cfg``,
``setup.py`` (its syntax tree, never run), ``Pipfile`` and ``requirements*.txt`` with their
includes, over the whole tree, base against head. Only **runtime** packages (what an installed
user gets; ``germinate.policy.dependency_roles``) are held to the policy: a package added only to
a development file (tests, docs, tooling; not included by a runtime file) is reported as a
non-blocking ``warn`` finding. A runtime package outside ``allowlisted_packages`` (with ``allowlist_mode``) gets
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
from germinate.policy.dependency_roles import (
    TreeDependencies,
    classify,
    normalise_name,
    package_name,
)
from germinate.policy.depfiles import build_requirements, dependency_specs, is_dependency_file

DEPENDENCIES = "dependencies"
_INDEX_OPTIONS = re.compile(r"^\s*(-i\b|--index-url|--extra-index-url|-f\b|--find-links|--trusted-host)")
_DIRECT = re.compile(r"(git\+|hg\+|svn\+|bzr\+|https?://|file:|\s@\s)")
__all__ = ["DEPENDENCIES", "check_dependencies", "dependency_specs", "is_dependency_file", "new_dependencies",
           "normalise_name", "tree_dependencies"]


def _side_path(change: FileChange, side: Side) -> str | None:
    """The path of ``change`` on one side, or None when the file does not exist there."""
    if side == "head":
        return None if change.status == "deleted" else change.path
    return None if change.status == "added" else (change.old_path or change.path)


def _changed(ctx: GateContext, side: Side) -> list[str]:
    return [p for c in ctx.changes.files if (p := _side_path(c, side)) is not None]


def tree_dependencies(ctx: GateContext, side: Side) -> TreeDependencies:
    """Every dependency file of one side's tree, read and classified (runtime / development)."""
    paths = list(ctx.base_paths())
    if side == "head":
        gone = set(_changed(ctx, "base"))
        paths = [p for p in paths if p not in gone] + _changed(ctx, "head")
    paths = [p for p in dict.fromkeys(paths) if is_dependency_file(p)]
    ctx.prefetch(side, paths)
    return classify(paths, lambda path: ctx.text(side, path))


def new_dependencies(ctx: GateContext) -> dict[str, str]:
    """Runtime packages the head declares that the base did not: ``{name: spec (file)}``."""
    head, base = tree_dependencies(ctx, "head"), tree_dependencies(ctx, "base")
    return {name: spec for name, spec in head.runtime.items() if name not in base.runtime}


def _development_notes(head: TreeDependencies, base: TreeDependencies) -> list[str]:
    known = set(base.runtime) | set(base.development) | set(head.runtime)
    return [f"{path}: new development requirement '{name}' (tests, docs or tooling; not installed with the "
            "project, so not held to the runtime allowlist)"
            for name, path in sorted(head.development.items()) if name not in known]


def _new_build_requirements(ctx: GateContext) -> list[str]:
    out = []
    for change in ctx.changes.files:
        if posixpath.basename(change.path) != "pyproject.toml" or change.status == "deleted":
            continue
        base = {package_name(s) for s in build_requirements(ctx.text("base", change.old_path or change.path))}
        head = {package_name(s): s for s in build_requirements(ctx.text("head", change.path))}
        out += [f"{change.path}: new build requirement '{spec}' ([build-system] requires: not a runtime "
                "dependency, but its code runs when the project is installed)"
                for name, spec in sorted(head.items(), key=lambda item: item[1]) if name not in base]
    return out


def check_dependencies(ctx: GateContext) -> GateResult:
    sec = ctx.seed.quality_gates.security.dependency_policy
    limits = ctx.seed.constraints.dependencies
    head, base = tree_dependencies(ctx, "head"), tree_dependencies(ctx, "base")
    new = {name: spec for name, spec in head.runtime.items() if name not in base.runtime}
    block = []
    for spec in sorted(head.all_specs() - base.all_specs()):
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
               f"allowlisted_packages (outside_allowlist: {sec.outside_allowlist}; declared in {_where(spec)})"
               for name, spec in sorted(new.items()) if sec.allowlist_mode and name not in allowed]
    approval = outside if sec.outside_allowlist == "needs_approval" else []
    block += outside if sec.outside_allowlist == "block" else []
    changed = set(_changed(ctx, "head"))
    approval += [f"{path}: {why} (a person must read it)" for path, why in sorted(head.unreadable.items())
                 if path in changed]
    approval += _new_build_requirements(ctx)
    ok = f"new packages: {', '.join(sorted(new))}" if new else "no new dependencies"
    return gate(DEPENDENCIES, ok=ok, block=block, approval=approval, warn=_development_notes(head, base),
                what="dependency policy")


def _where(spec: str) -> str:
    return spec.rsplit(" (", 1)[-1].rstrip(")") if spec.endswith(")") else "?"
