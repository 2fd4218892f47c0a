"""Request handlers: parse input, call the core, shape output."""

from __future__ import annotations

from ledgerly.accounts import Ledger
from ledgerly.money import Money
from ledgerly.reports import trial_balance


def post_sale(ledger: Ledger, amount: str) -> dict[str, str]:
    ledger.post("sale", {"cash": Money(amount), "revenue": -Money(amount)})
    return {"status": "ok"}


def get_balances(ledger: Ledger) -> list[dict[str, str]]:
    return [{"account": a, "amount": str(m.amount)} for a, m in trial_balance(ledger)]
