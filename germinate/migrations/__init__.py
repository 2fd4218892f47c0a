"""Versioned schema migrations (alembic), run on every ``Store.open``.

Upgrading never loses data: each revision in ``versions/`` alters tables in place.
``tests/unit/test_store.py`` fails if the models and the newest revision disagree.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from germinate.errors import StoreError

HERE = Path(__file__).parent
MIGRATION_LOCK = 0x6765726D696E6174  # a PostgreSQL advisory lock key of Germinate's own ("germinat")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    # '%' must be doubled for alembic's ConfigParser (URL-encoded passwords contain it).
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


@functools.cache
def head_revision() -> str | None:
    """The newest revision in ``versions/``."""
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return ScriptDirectory.from_config(cfg).get_current_head()


def upgrade(engine: Engine, revision: str = "head", *, shown_url: str | None = None) -> None:
    """Bring the database to ``revision``; a clear ``StoreError`` if it cannot be reached.

    ``shown_url`` is the URL as the user wrote it (messages never show the password).
    """
    url = make_url(shown_url or engine.url).render_as_string(hide_password=True)
    try:
        conn = engine.connect()
    except OperationalError as exc:
        raise StoreError(
            f"cannot reach the state database at {url} ({_one_line(exc.orig)}). "
            "Fix: check GERMINATE_DATABASE_URL (host, port, credentials) or unset it to use SQLite"
        ) from None
    target = head_revision() if revision == "head" else revision
    try:
        with conn:
            # Already there (the common case): a plain read, without taking the write lock.
            if MigrationContext.configure(conn).get_current_revision() == target:
                conn.rollback()
                return
            conn.rollback()
    except SQLAlchemyError:
        pass  # let the locked path below report it
    try:
        conn = engine.connect()
        with conn, conn.begin():
            if conn.dialect.name == "postgresql":
                # SQLite's BEGIN takes the write lock; PostgreSQL runs concurrent DDL side by side
                # (two processes creating one table: a unique violation). One migrator at a time:
                # the next one waits here, then finds the revision it wanted already in place.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot migrate the state database at {url} to revision {revision} ({_one_line(exc)}). "
            "Fix: check that no older Germinate is writing to it, then retry"
        ) from None


def new_revision(message: str, where: Path = HERE) -> list[Path]:
    """Autogenerate the next revision from the models (for developers changing ``store.py``).

    Diffs the models against a scratch SQLite database at head and writes
    ``versions/<id>_<message>.py``; review it before committing.
    ``python -c "from germinate.migrations import new_revision; new_revision('add x')"``
    """
    import tempfile

    from sqlalchemy import create_engine

    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{scratch}/head.db")
        upgrade(engine)
        with engine.begin() as conn:
            cfg = alembic_config(engine)
            cfg.set_main_option("script_location", str(where))
            cfg.attributes["connection"] = conn
            scripts = command.revision(cfg, message=message, autogenerate=True)
        engine.dispose()
    items = scripts if isinstance(scripts, list) else [scripts]
    return [Path(s.path) for s in items if s is not None]


def _one_line(exc: object) -> str:
    """Drivers spread one error over several lines; the CLI shows one screen, one line each."""
    return " ".join(str(exc).split())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
