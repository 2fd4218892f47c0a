"""The agent roles, Prefect-free: each takes a ``Gateway`` and returns a proposal.

architect -> ``plan_ticket``; tester + implementer -> ``implement`` (edit blocks in a
worktree); reviewer -> ``review_change``; maintainer -> ``advise``. The agents propose;
gates and recorded approvals decide.
"""

from germinate.agents.architect import PlanDraft, plan_ticket
from germinate.agents.editing import ImplementResult, edit_rounds
from germinate.agents.implementer import implement
from germinate.agents.maintainer import advise
from germinate.agents.prompting import Prompt, render, template_sha256
from germinate.agents.reviewer import ReviewDraft, review_change

__all__ = [
    "ImplementResult",
    "PlanDraft",
    "Prompt",
    "ReviewDraft",
    "advise",
    "edit_rounds",
    "implement",
    "plan_ticket",
    "render",
    "review_change",
    "template_sha256",
]
