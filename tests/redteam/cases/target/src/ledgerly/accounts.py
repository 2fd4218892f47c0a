"""Accounts and the ledger: every transaction must balance to zero."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ledgerly.money import Money


class UnbalancedError(ValueError):
    """A transaction whose legs do not sum to zero."""


@dataclass
class Transaction:
    memo: str
    legs: dict[str, Money]


@dataclass
class Ledger:
    transactions: list[Transaction] = field(default_factory=list)

    def post(self, memo: str, legs: dict[str, Money]) -> Transaction:
        total = sum(legs.values(), Money(0))
        if total.amount != 0:
            raise UnbalancedError(f"{memo!r} is off by {total.amount}")
        tx = Transaction(memo, dict(legs))
        self.transactions.append(tx)
        return tx

    def balances(self) -> dict[str, Money]:
        out: dict[str, Money] = defaultdict(lambda: Money(0))
        for tx in self.transactions:
            for account, amount in tx.legs.items():
                out[account] = out[account] + amount
        return dict(out)
