"""Our own budgets (litellm's ``max_budget`` is not enforced for chat calls).

Every call is bounded before it is sent: its ``max_tokens`` is the role's cap (the seed's
``models.max_output_tokens``, and the model's own output limit), shrunk to what is left of
``budgets.per_cycle`` and ``budgets.per_run`` after the prompt (tokens, and dollars where the
price is known). Too little left for a useful answer (``MIN_USEFUL_TOKENS``): the call is not
made (``BudgetExceeded``). The call's most possible spend (prompt + ``max_tokens``) is written
to the ledger as a ``pending`` row in the same transaction as the check (``reserve_entry``),
so parallel cycles cannot both spend the same remainder, and a process killed mid-call
leaves its spend on record. Totals come from the ledger when there is a store, so they
survive restarts; otherwise from the calls made through this process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from germinate.errors import BudgetExceeded
from germinate.llm.ledger import (
    LedgerEntry,
    Spend,
    cycle_and_run_spend,
    reserve_entry,
    spend_from_ledger,
    write_entry,
)
from germinate.seed import Budget, Budgets
from germinate.store import Store


@dataclass(frozen=True)
class Scope:
    """One budgeted scope: its name in messages, the seed key, its limit and what is spent."""

    name: str
    seed_key: str
    limit: Budget
    spent: Spend


class BudgetGuard:
    """Checks the per-cycle and per-run budgets before each call."""

    def __init__(
        self,
        budgets: Budgets,
        store: Store | None,
        project: str,
        *,
        cycle_id: str | None = None,
        run_id: str | None = None,
    ):
        self.budgets = budgets
        self.store = store
        self.project = project
        self.cycle_id = cycle_id
        self.run_id = run_id
        self._local = Spend()
        self._lock = threading.Lock()

    def record(self, spend: Spend) -> None:
        """Add a finished call to the in-process totals (used where the ledger cannot answer)."""
        with self._lock:
            self._local = self._local + spend

    @property
    def local(self) -> Spend:
        return self._local

    def cycle_spend(self) -> Spend:
        """What the cycle has spent: from the ledger if possible, else this process's calls."""
        if self.store is not None and self.cycle_id is not None:
            return spend_from_ledger(self.store, self.project, cycle_id=self.cycle_id)
        return self._local

    def run_spend(self, cycle: Spend | None = None) -> Spend:
        """What the run has spent (a run without an id is at least the cycle: ``cycle``)."""
        if self.store is not None and self.run_id is not None:
            return spend_from_ledger(self.store, self.project, run_id=self.run_id)
        if self.run_id is None:
            return cycle if cycle is not None else self.cycle_spend()
        return self._local

    def scopes(self) -> list[Scope]:
        """The budgeted scopes with what each has spent (one ledger query)."""
        if self.store is not None and self.cycle_id is not None and self.run_id is not None:
            cycle, run = cycle_and_run_spend(self.store, self.project, self.cycle_id, self.run_id)
        else:
            cycle = self.cycle_spend()
            run = self.run_spend(cycle)
        return [
            Scope("per-cycle", "budgets.per_cycle", self.budgets.per_cycle, cycle),
            Scope("per-run", "budgets.per_run", self.budgets.per_run, run),
        ]

    def reserve(self, entry: LedgerEntry, cap: int, cost: Cost) -> tuple[int | None, int]:
        """Size the call (``max_tokens``) to the budgets left and record its most possible spend
        as a pending ledger row; (row id or None without a store, max_tokens).

        ``entry`` carries the prompt's tokens in ``tokens_in``; ``cost(tokens_in, tokens_out)``
        prices a call. Raises ``BudgetExceeded`` (nothing recorded) when too little is left.
        """
        sized: list[LedgerEntry] = []

        def check(session: Session | None) -> None:
            if session is not None and self.cycle_id is not None and self.run_id is not None:
                cycle, run = cycle_and_run_spend(session, self.project, self.cycle_id, self.run_id)
                scopes = [Scope("per-cycle", "budgets.per_cycle", self.budgets.per_cycle, cycle),
                          Scope("per-run", "budgets.per_run", self.budgets.per_run, run)]
            else:
                scopes = self.scopes()
            max_tokens = call_size(scopes, entry.role, entry.tokens_in, cap, cost)
            dollars, known = cost(entry.tokens_in, max_tokens)
            sized.append(replace(entry, tokens_out=max_tokens, cost_usd=dollars, cost_known=known))

        if self.store is None:
            check(None)
            return None, sized[0].tokens_out
        if self.cycle_id is not None and self.run_id is not None:
            row_id = reserve_entry(self.store, entry, check, sized=sized)
            return row_id, sized[0].tokens_out
        check(None)
        return write_entry(self.store, sized[0]), sized[0].tokens_out

    def check(self, role: str, est_tokens: int, est_dollars: float | None) -> None:
        """Raise ``BudgetExceeded`` if this call (estimated by its prompt) would cross a budget."""
        for scope in self.scopes():
            reason = _crossed(scope, role, est_tokens, est_dollars)
            if reason:
                raise BudgetExceeded(reason)


# Prices a call: (tokens_in, tokens_out) -> (dollars, price known).
Cost = Callable[[int, int], tuple[float, bool]]
# Below this many output tokens an answer is not worth asking for: the call is not made.
MIN_USEFUL_TOKENS = 64


def call_size(scopes: list[Scope], role: str, prompt_tokens: int, cap: int, cost: Cost) -> int:
    """The ``max_tokens`` for a call: ``cap``, shrunk so prompt + answer fit every budget left."""
    size = cap
    base, known = cost(prompt_tokens, 0)
    per_token = (cost(prompt_tokens, 1000)[0] - base) / 1000 if known else 0.0
    for scope in scopes:
        limit, spent = scope.limit, scope.spent
        room = size
        if limit.tokens is not None:
            room = min(room, limit.tokens - spent.tokens - prompt_tokens)
        if limit.dollars is not None and known:
            left = limit.dollars - spent.dollars - base
            room = min(room, int(left / per_token) if per_token > 0 else (room if left >= 0 else 0))
        if room < min(MIN_USEFUL_TOKENS, cap):
            floor = min(MIN_USEFUL_TOKENS, cap)
            raise BudgetExceeded(
                _crossed(scope, role, prompt_tokens + floor, cost(prompt_tokens, floor)[0] if known else None)
                or f"{scope.name} budget: too little left for a {role} call ({room} output tokens); "
                f"raise {scope.seed_key} in seed.yaml"
            )
        size = room
    return size


def _crossed(scope: Scope, role: str, est_tokens: int, est_dollars: float | None) -> str:
    limit, spent = scope.limit, scope.spent
    if limit.tokens is not None and spent.tokens + est_tokens > limit.tokens:
        return (
            f"{scope.name} token budget reached: {spent.tokens:,} tokens spent + ~{est_tokens:,} "
            f"for this {role} call > {limit.tokens:,} ({scope.seed_key}.tokens in seed.yaml); "
            f"raise the budget or narrow the ticket"
        )
    if limit.dollars is not None and spent.dollars + (est_dollars or 0.0) > limit.dollars:
        unknown = "" if spent.cost_known else " (some calls had no known price and count as $0)"
        return (
            f"{scope.name} dollar budget reached: ${spent.dollars:.4f} spent{unknown} + "
            f"~${est_dollars or 0.0:.4f} for this {role} call > ${limit.dollars:.2f} "
            f"({scope.seed_key}.dollars in seed.yaml); raise the budget or use a cheaper model"
        )
    return ""
