import pytest

from ledgerly import Money, UnbalancedError


def test_post_balanced(ledger):
    ledger.post("sale", {"cash": Money("5"), "revenue": Money("-5")})
    assert ledger.balances()["cash"] == Money("5")


def test_post_unbalanced_raises(ledger):
    with pytest.raises(UnbalancedError):
        ledger.post("oops", {"cash": Money("5"), "revenue": Money("-4")})
    assert ledger.transactions == []
