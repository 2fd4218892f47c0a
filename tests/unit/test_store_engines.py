"""Store.open shares one engine per database and process, and migrates again a database
whose SQLite file was removed or replaced since."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from germinate.migrations import current_revision
from germinate.store import Store, TicketRow


def _add_ticket(store: Store, ticket_id: str) -> None:
    with store.session() as session:
        session.add(TicketRow(project="p", ticket_id=ticket_id, title="t", kind="bug", source="local"))


def _ticket_ids(store: Store) -> list[str]:
    with store.session() as session:
        return list(session.scalars(select(TicketRow.ticket_id).order_by(TicketRow.ticket_id)))


def test_one_engine_per_database_and_close_keeps_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    first = Store.open(url)
    _add_ticket(first, "t1")
    first.close()
    second = Store.open(url)
    assert second.engine is first.engine  # shared: no second connect and schema check
    assert _ticket_ids(second) == ["t1"]  # closing the first left the engine usable
    other = Store.open(f"sqlite:///{tmp_path / 'other.db'}")
    assert other.engine is not first.engine
    second.close()
    other.close()


def test_a_removed_database_file_is_made_and_migrated_again(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    url = f"sqlite:///{db}"
    store = Store.open(url)
    _add_ticket(store, "old")
    store.close()
    for path in tmp_path.glob("state.db*"):  # the file and its -wal/-shm companions
        path.unlink()

    reopened = Store.open(url)
    assert reopened.engine is not store.engine  # the old engine reached a file that is gone
    assert db.exists() and current_revision(reopened.engine) is not None  # migrated again
    assert _ticket_ids(reopened) == []
    _add_ticket(reopened, "new")
    assert _ticket_ids(Store.open(url)) == ["new"]
    reopened.close()


def test_a_replaced_database_file_is_not_served_by_the_old_engine(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    url = f"sqlite:///{db}"
    elsewhere = Store.open(f"sqlite:///{tmp_path / 'backup.db'}")
    _add_ticket(elsewhere, "from-backup")
    elsewhere.engine.dispose()
    store = Store.open(url)
    _add_ticket(store, "current")
    store.engine.dispose()
    for path in tmp_path.glob("state.db*"):
        path.unlink()
    (tmp_path / "backup.db").rename(db)  # a restore: same path, another file

    assert _ticket_ids(Store.open(url)) == ["from-backup"]


def test_in_memory_databases_are_never_shared() -> None:
    first, second = Store.open("sqlite://"), Store.open("sqlite://")
    assert first.engine is not second.engine
    _add_ticket(first, "t1")
    assert _ticket_ids(second) == []
    first.close()
    second.close()
