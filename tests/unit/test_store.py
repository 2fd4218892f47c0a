"""The state store: every table round-trips, migrations match the models and keep data,
parallel writers do not lock each other out, and a bad database URL is one clear line."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    Integer,
    String,
    Text,
    create_engine,
    select,
)
from sqlalchemy import DateTime as SADateTime

from germinate.errors import StoreError
from germinate.migrations import current_revision, upgrade
from germinate.store import Base, DateTime, Store, TicketRow, database_url
from tests.postgres import PostgresCluster

STAMP = datetime(2026, 3, 4, 5, 6, 7, 123000, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()


def sample_value(column: Any, n: int) -> Any:
    """A distinctive value for a column of any of the store's types."""
    kind = column.type
    if isinstance(kind, DateTime | SADateTime):  # ours, or as reflected from an older revision
        return STAMP
    if isinstance(kind, JSON):
        return {"n": n, "list": [1, 2.5, "é", None], "nested": {"ok": True}}
    if isinstance(kind, Boolean):
        return n % 2 == 0
    if isinstance(kind, Integer):
        return 1000 + n
    if isinstance(kind, Float):
        return 0.125 + n
    if isinstance(kind, String | Text):
        return f"{column.name}-{n}-é"[: getattr(kind, "length", None) or 10_000]
    raise AssertionError(f"no sample for {column.name}: {kind!r}")


def insert_every_table(store: Store, n: int = 1) -> dict[str, dict[str, Any]]:
    """One row in every table with every column set; returns the values by table name."""
    written: dict[str, dict[str, Any]] = {}
    classes = {m.class_.__table__.name: m.class_ for m in Base.registry.mappers}
    for table in Base.metadata.sorted_tables:  # parents before children (foreign keys)
        values: dict[str, Any] = {}
        for column in table.columns:
            if column.foreign_keys:
                parent = next(iter(column.foreign_keys)).column.table.name
                values[column.name] = written[parent]["id"]
            elif column.primary_key and isinstance(column.type, Integer):
                continue
            else:
                values[column.name] = sample_value(column, n)
        row = classes[table.name](**{_attr(classes[table.name], k): v for k, v in values.items()})
        with store.session() as session:
            session.add(row)
            session.flush()
            values.update({c.name: getattr(row, _attr(type(row), c.name)) for c in table.primary_key.columns})
        written[table.name] = values
    return written


def _attr(cls: type, column_name: str) -> str:
    return next(a.key for a in cls.__mapper__.column_attrs if a.columns[0].name == column_name)  # type: ignore[attr-defined]


def test_every_table_round_trips(db_url: str) -> None:
    store = Store.open(db_url)
    written = insert_every_table(store)
    store.close()
    assert set(written) == set(Base.metadata.tables)

    reopened = Store.open(db_url)
    classes = {m.class_.__table__.name: m.class_ for m in Base.registry.mappers}
    with reopened.session() as session:
        for table, values in written.items():
            cls = classes[table]
            pk = tuple(values[c.name] for c in cls.__table__.primary_key.columns)
            row = session.get(cls, pk if len(pk) > 1 else pk[0])
            assert row is not None, table
            for column, expected in values.items():
                got = getattr(row, _attr(cls, column))
                assert got == expected, f"{table}.{column}: {got!r} != {expected!r}"
                if isinstance(expected, datetime):
                    assert got.tzinfo is not None, f"{table}.{column} lost its time zone"
    reopened.close()


def test_defaults_are_aware_utc(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}")
    with store.session() as session:
        session.add(TicketRow(project="p", ticket_id="t1", title="t", kind="bug", source="local"))
    with store.session() as session:
        row = session.scalars(select(TicketRow)).one()
        assert row.labels == [] and row.status == "open"
        assert row.created_at.tzinfo is not None
        assert abs((datetime.now(UTC) - row.created_at).total_seconds()) < 60


def test_default_location_is_under_germinate_home(tmp_path: Path, germinate_home: Path) -> None:
    repo = tmp_path / "target"
    repo.mkdir()
    url = database_url(repo)
    assert url.startswith(f"sqlite:///{germinate_home.resolve()}/projects/target-")
    assert str(repo) not in url.removeprefix(f"sqlite:///{germinate_home.resolve()}")
    store = Store.open(repo=repo)
    assert current_revision(store.engine) is not None
    store.close()


# --- migrations ---------------------------------------------------------------------------


def test_models_match_newest_migration(db_url: str) -> None:
    """Changing a model without a new alembic revision fails here (autogenerate finds a diff)."""
    engine = create_engine(Store(db_url).engine.url)
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], ("models and migrations disagree; write a revision with "
                        f"germinate.migrations.new_revision('what changed'): {diff}")


# --- concurrency and errors -----------------------------------------------------------------

WRITER = textwrap.dedent('''
    import sys
    from sqlalchemy import func, select
    from germinate.store import AgentRunRow, Store, TicketRow
    url, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = Store.open(url)
    for i in range(count):
        with store.session() as s:
            # read, then write in one transaction: the case that fails with "database is locked"
            # when another writer slips in between a deferred BEGIN and the first write
            s.scalar(select(func.count()).select_from(TicketRow))
            s.add(TicketRow(project="p", ticket_id=f"{worker}-{i}", title="t", kind="bug", source="local"))
            s.add(AgentRunRow(project="p", role="implementer", model="m", prompt_sha256="x", outcome="ok"))
    print("ok", worker)
''')


def test_concurrent_writers_on_one_sqlite_file(tmp_path: Path) -> None:
    """Several processes migrate and write one fresh SQLite file at once; every row lands."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    workers, count = 6, 25
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, str(w), str(count)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(workers)]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0 and out.startswith("ok"), err
        assert "locked" not in err
    store = Store.open(url)
    with store.session() as session:
        ids = set(session.scalars(select(TicketRow.ticket_id)))
    assert ids == {f"{w}-{i}" for w in range(workers) for i in range(count)}
    store.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_database_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GERMINATE_DATABASE_URL", f"postgresql://bob:s3cret@127.0.0.1:{_closed_port()}/state")
    with pytest.raises(StoreError) as info:
        Store.open()
    message = str(info.value)
    assert "\n" not in message
    assert "cannot reach the state database" in message and "GERMINATE_DATABASE_URL" in message
    assert "s3cret" not in message


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://host/x"])
def test_bad_database_url_is_a_store_error(url: str) -> None:
    with pytest.raises(StoreError) as info:
        Store.open(url)
    assert "\n" not in str(info.value)


def test_sqlite_url_in_a_new_folder_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GERMINATE_DATABASE_URL", f"sqlite:///{tmp_path / 'new' / 'dir' / 'state.db'}")
    store = Store.open()
    assert (tmp_path / "new" / "dir" / "state.db").exists()
    store.close()
