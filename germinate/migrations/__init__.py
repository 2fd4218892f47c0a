"""Versioned schema migrations (alembic), run on every ``Store.open``.

Upgrading never loses data: each revision in ``versions/`` alters tables in place.
``tests/unit/test_store.py`` fails if the models and the newest revision disagree.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from germinate.errors import StoreError

HERE = Path(__file__).parent


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``; a clear ``StoreError`` if it cannot be reached."""
    try:
        with engine.begin() as conn:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except OperationalError as exc:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(
            f"cannot reach the state database at {url}: {exc.orig}. "
            "Fix: check GERMINATE_DATABASE_URL (host, port, credentials) or unset it to use SQLite"
        ) from None
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the state database: {exc}") from None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
