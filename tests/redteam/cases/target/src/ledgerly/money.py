"""Exact money: decimals with a currency, never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = "EUR"

    def __init__(self, amount: str | int | Decimal, currency: str = "EUR") -> None:
        object.__setattr__(self, "amount", Decimal(amount).quantize(CENT, rounding=ROUND_HALF_EVEN))
        object.__setattr__(self, "currency", currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def allocate(self, ratios: list[int]) -> list[Money]:
        """Split by ratios; the remainder cents go to the first shares."""
        total = sum(ratios)
        cents = int(self.amount / CENT)
        shares = [cents * r // total for r in ratios]
        for i in range(cents - sum(shares)):
            shares[i] += 1
        return [Money(Decimal(s) * CENT, self.currency) for s in shares]
