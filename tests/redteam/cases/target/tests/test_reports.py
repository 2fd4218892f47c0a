from ledgerly import Money
from ledgerly.reports import format_report, trial_balance


def test_trial_balance_sorted(ledger):
    ledger.post("sale", {"revenue": Money("-3"), "cash": Money("3")})
    assert [name for name, _ in trial_balance(ledger)] == ["cash", "revenue"]


def test_format_report_aligns(ledger):
    text = format_report([("cash", Money("3")), ("revenue", Money("-3"))])
    assert text.splitlines()[0].startswith("cash     ")
