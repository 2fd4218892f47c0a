"""Spend totals read the same on SQLite and PostgreSQL, known and unknown prices included."""

from __future__ import annotations

import pytest

from germinate.llm.ledger import LedgerEntry, cycle_and_run_spend, spend_from_ledger, write_entry
from germinate.store import Store


@pytest.fixture
def store(database_url: str) -> Store:
    return Store.open(database_url)


def entry(cycle: str, run: str, *, known: bool, cost: float) -> LedgerEntry:
    return LedgerEntry(project="p", role="implementer", model="m", prompt_sha256="x" * 64, outcome="ok",
                       cycle_id=cycle, run_id=run, tokens_in=10, tokens_out=5, cost_usd=cost,
                       cost_known=known)


def test_totals_and_unknown_prices(store: Store) -> None:
    assert spend_from_ledger(store, "p").cost_known  # no rows: nothing unknown
    write_entry(store, entry("c1", "r1", known=True, cost=0.5))
    write_entry(store, entry("c2", "r1", known=False, cost=0.0))
    one = spend_from_ledger(store, "p", cycle_id="c1")
    assert (one.tokens, one.dollars, one.cost_known, one.calls) == (15, 0.5, True, 1)
    run = spend_from_ledger(store, "p", run_id="r1")
    assert (run.tokens, run.dollars, run.cost_known, run.calls) == (30, 0.5, False, 2)
    cycle, run2 = cycle_and_run_spend(store, "p", "c1", "r1")
    assert cycle.cost_known and not run2.cost_known and run2.calls == 2
