import pytest

from ledgerly import Ledger


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()
