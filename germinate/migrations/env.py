"""Alembic environment: runs against the connection ``germinate.migrations.upgrade`` hands in."""

from alembic import context

from germinate.store import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # pragma: no cover - only when run by the alembic CLI
    engine = config.attributes.get("engine")
    from sqlalchemy import create_engine

    engine = engine or create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
