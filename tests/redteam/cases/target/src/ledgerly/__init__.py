"""Double-entry bookkeeping for small shops."""

from ledgerly.accounts import Ledger, UnbalancedError
from ledgerly.money import Money

__all__ = ["Ledger", "Money", "UnbalancedError"]
