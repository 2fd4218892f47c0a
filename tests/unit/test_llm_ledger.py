"""Ledger totals: the one-query cycle-and-run totals agree with the per-scope totals."""

from __future__ import annotations

from pathlib import Path

from germinate.llm.ledger import (
    LedgerEntry,
    Spend,
    cycle_and_run_spend,
    spend_from_ledger,
    write_entry,
)
from germinate.store import Store


def entry(
    cycle: str, run: str, tokens: int, dollars: float, known: bool = True, project: str = "p"
) -> LedgerEntry:
    return LedgerEntry(
        project=project,
        role="architect",
        model="m",
        prompt_sha256="0" * 64,
        outcome="ok",
        cycle_id=cycle,
        run_id=run,
        tokens_in=tokens,
        tokens_out=1,
        cost_usd=dollars,
        cost_known=known,
    )


def test_cycle_and_run_totals_in_one_query_match_each_scope(tmp_path: Path) -> None:
    store = Store.open(url=f"sqlite:///{tmp_path / 's.db'}")
    for e in [
        entry("c1", "r1", 10, 0.5),
        entry("c1", "r1", 20, 0.25),
        entry("c2", "r1", 30, 0.0, known=False),
        entry("c3", "r2", 40, 1.0),
        entry("c1", "r1", 99, 9.0, project="other"),
    ]:
        write_entry(store, e)
    cycle, run = cycle_and_run_spend(store, "p", "c1", "r1")
    assert cycle == spend_from_ledger(store, "p", cycle_id="c1") == Spend(32, 0.75, True, 2)
    assert run == spend_from_ledger(store, "p", run_id="r1") == Spend(63, 0.75, False, 3)
    assert cycle_and_run_spend(store, "p", "none", "none") == (Spend(), Spend())
    assert spend_from_ledger(store, "p").tokens == 104  # the whole project
