from decimal import Decimal

import pytest

from ledgerly.money import Money


def test_rounds_half_even():
    assert Money("0.125").amount == Decimal("0.12")
    assert Money("0.135").amount == Decimal("0.14")


def test_add_same_currency():
    assert Money("1.10") + Money("2.20") == Money("3.30")


def test_mixing_currencies_raises():
    with pytest.raises(ValueError, match="cannot mix"):
        Money("1", "EUR") + Money("1", "USD")


def test_allocate_remainder():
    shares = Money("10.00").allocate([1, 1, 1])
    assert shares == [Money("3.34"), Money("3.33"), Money("3.33")]
    assert sum(shares, Money(0)) == Money("10.00")
