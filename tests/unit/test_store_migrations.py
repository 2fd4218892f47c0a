"""Migrations keep data: reopening, upgrading from every older revision, a realistic table
rebuild, and the developer path that writes the next revision."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Integer, MetaData, create_engine, func, select
from sqlalchemy.engine import Engine

from germinate.migrations import (
    alembic_config,
    current_revision,
    head_revision,
    new_revision,
    upgrade,
)
from germinate.store import Base, Store, TicketRow
from tests.unit.test_store import insert_every_table, sample_value


def _script_dir(engine: Engine) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(engine))


def _table_rows(engine: Engine, only: dict[str, set[str]] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows; with ``only``, just those tables and columns (what an older revision had)."""
    meta = MetaData()
    meta.reflect(engine)
    rows = {}
    with engine.connect() as conn:
        for name, t in meta.tables.items():
            if name == "alembic_version" or (only is not None and name not in only):
                continue
            columns = [c for c in t.columns if c.name != "note" and (only is None or c.name in only[name])]
            rows[name] = sorted(map(tuple, conn.execute(select(*columns))), key=repr)
    return rows


def _columns(engine: Engine) -> dict[str, set[str]]:
    meta = MetaData()
    meta.reflect(engine)
    return {name: {c.name for c in t.columns} for name, t in meta.tables.items()}


def test_reopening_keeps_rows_and_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    store = Store.open(url)
    insert_every_table(store)
    before = _table_rows(store.engine)
    store.close()
    again = Store.open(url)
    assert _table_rows(again.engine) == before
    assert current_revision(again.engine) == _script_dir(again.engine).get_current_head()


def test_every_older_revision_upgrades_without_losing_rows(tmp_path: Path) -> None:
    """For each revision before head: data written there survives ``upgrade head``."""
    engine = create_engine(f"sqlite:///{tmp_path / 'probe.db'}")
    revisions = [r.revision for r in reversed(list(_script_dir(engine).walk_revisions()))]
    engine.dispose()
    assert revisions and revisions[0] == "0001"
    for older in revisions[:-1]:
        store = Store(f"sqlite:///{tmp_path / f'at-{older}.db'}")
        upgrade(store.engine, older)
        _insert_reflected(store.engine)
        before, columns = _table_rows(store.engine), _columns(store.engine)
        upgrade(store.engine)
        assert _table_rows(store.engine, only=columns) == before


def _insert_reflected(engine: Engine) -> None:
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if table.name != "alembic_version":
                conn.execute(table.insert().values({c.name: sample_value(c, 1) for c in table.columns
                                                    if not c.foreign_keys}))


NEXT_REVISION = '''
"""test-only: add a column to tickets (SQLite rebuilds the whole table)"""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", recreate="always") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch.create_index("ix_tickets_status", ["status"])


def downgrade() -> None:
    with op.batch_alter_table("tickets", recreate="always") as batch:
        batch.drop_index("ix_tickets_status")
        batch.drop_column("note")
'''


def test_upgrade_that_rebuilds_a_table_keeps_its_rows(tmp_path: Path) -> None:
    """A realistic next revision (batch table rebuild on SQLite) applied to a populated db."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    store = Store.open(url)
    for n in range(3):
        insert_every_table(store, n)
    before = _table_rows(store.engine)

    scripts = tmp_path / "migrations"
    shutil.copytree(Path(alembic_config(store.engine).get_main_option("script_location") or ""), scripts,
                    ignore=shutil.ignore_patterns("__pycache__"))
    head = _script_dir(store.engine).get_current_head()
    (scripts / "versions" / "9999_test_next.py").write_text(NEXT_REVISION.format(head=head))
    with store.engine.begin() as conn:
        cfg = alembic_config(store.engine)
        cfg.set_main_option("script_location", str(scripts))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")

    assert current_revision(store.engine) == "9999"
    assert _table_rows(store.engine) == before
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(TicketRow.__table__)).scalar() == 3
    store.close()


def test_new_revision_captures_a_model_change(tmp_path: Path) -> None:
    """The developer path: change a model, autogenerate, and the revision creates it."""
    from sqlalchemy import Column, Table

    scripts = tmp_path / "migrations"
    shutil.copytree(Path(alembic_config(create_engine("sqlite://")).get_main_option("script_location") or ""),
                    scripts, ignore=shutil.ignore_patterns("__pycache__"))
    probe = Table("probe_table", Base.metadata, Column("id", Integer, primary_key=True))
    try:
        written = new_revision("add probe", where=scripts)
    finally:
        Base.metadata.remove(probe)
    assert len(written) == 1 and written[0].parent == scripts / "versions"
    text = written[0].read_text()
    assert "op.create_table('probe_table'" in text and f"down_revision: str | None = '{head_revision()}'" in text
