"""The maintainer: an advisory summary for the human reader. Advice only, never the decision."""

from __future__ import annotations

from germinate.agents.prompting import ask_role, clip
from germinate.llm import Gateway
from germinate.models import GateResult, Plan, Reward
from germinate.seed import Seed

MAX_DIFF_CHARS = 20_000
MAX_ADVICE_CHARS = 4_000


def advise(
    gw: Gateway, seed: Seed, plan: Plan, diff: str, gates: list[GateResult], reward: Reward
) -> str:
    """A short plain-text summary of the change and its evidence for the cycle report."""
    text = ask_role(
        gw,
        "maintainer",
        None,
        ticket_id=plan.ticket.id,
        seed=seed,
        plan=plan,
        diff=clip(diff, MAX_DIFF_CHARS, "diff"),
        gates=gates,
        reward=reward,
    )
    return clip(str(text).strip(), MAX_ADVICE_CHARS, "advice")
