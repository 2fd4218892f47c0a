"""SQLite persistence for ledgers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ledgerly.accounts import Ledger


def save(ledger: Ledger, path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("create table if not exists legs (memo text, account text, amount text, currency text)")
        for tx in ledger.transactions:
            for account, money in tx.legs.items():
                db.execute("insert into legs values (?, ?, ?, ?)", (tx.memo, account, str(money.amount), money.currency))
