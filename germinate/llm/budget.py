"""Our own budgets (litellm's ``max_budget`` is not enforced for chat calls).

Before every call the running totals of the cycle and of the run are compared with the
seed's ``budgets.per_cycle`` and ``budgets.per_run``, adding the tokens (and, where the price
is known, dollars) of the prompt about to be sent. Totals come from the ledger when there is
a store, so they survive restarts; otherwise from the calls made through this process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from germinate.errors import BudgetExceeded
from germinate.llm.ledger import Spend, cycle_and_run_spend, spend_from_ledger
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

    def check(self, role: str, est_tokens: int, est_dollars: float | None) -> None:
        """Raise ``BudgetExceeded`` if this call (estimated by its prompt) would cross a budget."""
        for scope in self.scopes():
            reason = _crossed(scope, role, est_tokens, est_dollars)
            if reason:
                raise BudgetExceeded(reason)


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
