"""Checkpoints: changes the seed says a person must approve (``checkpoints``): a new
dependency, a seed change, a security-critical path, or every change (``always``).
These yield ``needs_approval``; an approval on record turns them into a pass.
"""

from __future__ import annotations

from germinate.globs import first_match, glob_match
from germinate.models import GateResult
from germinate.policy.context import GateContext, gate
from germinate.policy.dependencies import new_dependencies

APPROVAL = "approval"


def check_approval(ctx: GateContext) -> GateResult:
    cp = ctx.seed.checkpoints
    need = []
    if cp.always:
        need.append("(seed): checkpoints.always: every change needs a person's approval")
    if cp.new_dependency:
        need += [f"(dependencies): new package '{name}' (checkpoints.new_dependency)"
                 for name in sorted(new_dependencies(ctx))]
    for change in ctx.changes.files:
        for path in change.paths():
            if cp.seed_changes and glob_match(path, "seed.yaml", ignore_case=True):
                need.append(f"{path}: the seed changes (checkpoints.seed_changes)")
            hit = first_match(path, cp.security_critical_paths)
            if hit:
                need.append(f"{path}: security-critical path '{hit}' (checkpoints.security_critical_paths)")
    return gate(APPROVAL, ok="nothing here needs a person's approval", approval=need,
                what="needs a person's approval")
