"""How much code context one agent prompt gets: sized from the model's input window.

Half the window goes to code (the in-scope files, then the ranked map of the rest), the
other half stays for the instructions, the feedback, the conversation's tool results and the
reply. ``models.max_context_tokens`` in the seed caps it (cost: every turn resends it).
"""

from __future__ import annotations

CONTEXT_SHARE = 0.5
UNKNOWN_MODEL_CONTEXT = 16_000  # a model litellm has no window for (local, scripted)
MIN_CONTEXT = 2_000


def context_tokens(window: int | None, cap: int | None = None) -> int:
    """The code-context budget for a model with input ``window`` tokens, at most ``cap``."""
    budget = int(window * CONTEXT_SHARE) if window else UNKNOWN_MODEL_CONTEXT
    if cap is not None:
        budget = min(budget, cap)
    return max(MIN_CONTEXT, budget)
