"""Reports over a ledger."""

from __future__ import annotations

from ledgerly.accounts import Ledger
from ledgerly.money import Money


def trial_balance(ledger: Ledger) -> list[tuple[str, Money]]:
    """Every account and its balance, sorted by account name."""
    return sorted(ledger.balances().items())


def format_report(rows: list[tuple[str, Money]]) -> str:
    width = max((len(name) for name, _ in rows), default=0)
    return "\n".join(f"{name:<{width}}  {money.amount:>12} {money.currency}" for name, money in rows)
