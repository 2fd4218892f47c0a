"""Alembic environment: runs against the connection ``germinate.migrations.upgrade`` hands in."""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from germinate.store import Base, DateTime


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes our UTC ``DateTime`` as the plain column type it stores."""
    if type_ == "type" and isinstance(obj, DateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run(connection: Any) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


config = context.config
connection = config.attributes.get("connection")

if connection is None:  # pragma: no cover - only when run by the alembic CLI
    from sqlalchemy import create_engine

    engine = config.attributes.get("engine") or create_engine(str(config.get_main_option("sqlalchemy.url")))
    with engine.begin() as conn:
        run(conn)
else:
    run(connection)

