"""The state store: tickets, cycles, the ledger of agent runs, metrics, gates, decisions,
approvals, change requests and the write log.

SQLite under the project's state folder by default (WAL, short transactions, so parallel
tickets and several workers can write); ``GERMINATE_DATABASE_URL`` selects PostgreSQL.
Every JSON payload is stored with its SHA-256 so a cycle can be explained from the store alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    true,
)
from sqlalchemy import DateTime as SADateTime
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from germinate.errors import StoreError
from germinate.home import project_home
from germinate.models import utcnow as _now


class DateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zones: SQLAlchemy stores the wall time and reads back a naive value,
    which cannot be compared with the aware values the code creates. This type stores UTC
    and always returns aware UTC datetimes (the column is ``TIMESTAMP WITH TIME ZONE``).
    """

    impl = SADateTime
    cache_ok = True

    def __init__(self, timezone: bool = True):
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sha256_json(data: Any) -> str:
    """SHA-256 of canonical JSON (sorted keys): the content hash stored beside payloads."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


class Base(DeclarativeBase):
    pass


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("project", "ticket_id", name="uq_ticket"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(200), index=True)
    ticket_id: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(30))
    source_ref: Mapped[str] = mapped_column(String(500), default="")
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(30), default="open")  # models.TicketStatus
    # Cycles started on this ticket, and why the last one did not settle it (a deferred ticket
    # comes back on later runs until ``attempts`` reaches the bound).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class CycleRow(Base):
    __tablename__ = "cycles"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project: Mapped[str] = mapped_column(String(200), index=True)
    ticket_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    flow_run_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(30), default="running")  # running|finished|crashed
    outcome: Mapped[str | None] = mapped_column(String(30), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    branch: Mapped[str] = mapped_column(String(300), default="")
    base_sha: Mapped[str] = mapped_column(String(64), default="")
    head_sha: Mapped[str] = mapped_column(String(64), default="")
    seed_hash: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class AgentRunRow(Base):
    """The ledger: one row per model call."""

    __tablename__ = "agent_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(200), index=True)
    cycle_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    ticket_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    role: Mapped[str] = mapped_column(String(30))
    model: Mapped[str] = mapped_column(String(200))
    template_sha256: Mapped[str] = mapped_column(String(64), default="")
    prompt_sha256: Mapped[str] = mapped_column(String(64))
    response_sha256: Mapped[str] = mapped_column(String(64), default="")
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    cost_known: Mapped[bool] = mapped_column(Boolean, default=True)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    outcome: Mapped[str] = mapped_column(String(40))  # pending|ok|invalid|repaired|error|timeout|budget|interrupted
    # False when the reply's size is not known (a timeout, a crash): tokens_out is then the most
    # the call could have produced (its max_tokens), not what it did.
    output_known: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Why the reply ended ("stop", "length": cut at the token limit, "tool_calls"; "": no reply
    # or not recorded): a replayed answer comes back with it.
    finish_reason: Mapped[str] = mapped_column(String(40), default="", server_default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class MetricSnapshotRow(Base):
    __tablename__ = "metric_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(200), index=True)
    commit_sha: Mapped[str] = mapped_column(String(64), index=True)
    seed_hash: Mapped[str] = mapped_column(String(64))
    cycle_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    health: Mapped[str] = mapped_column(String(20))
    coverage_total: Mapped[float | None] = mapped_column(Float, nullable=True)
    mean_complexity: Mapped[float] = mapped_column(Float, default=0.0)
    max_complexity: Mapped[int] = mapped_column(Integer, default=0)
    mean_mi: Mapped[float] = mapped_column(Float, default=0.0)
    tests_passed: Mapped[int] = mapped_column(Integer, default=0)
    tests_failed: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class GateResultRow(Base):
    __tablename__ = "gate_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    head_sha: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(100))
    passed: Mapped[bool] = mapped_column(Boolean)
    severity: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class DecisionRow(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[str] = mapped_column(String(64), index=True)
    ticket_id: Mapped[str] = mapped_column(String(300))
    outcome: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    reward_total: Mapped[float] = mapped_column(Float, default=0.0)
    head_sha: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ApprovalRow(Base):
    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[str] = mapped_column(String(64), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), nullable=True)
    flow_run_id: Mapped[str] = mapped_column(String(64), default="")
    head_sha: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(30))  # approve|reject|request_changes|timeout
    by: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    # What was approved: the patch id of the change's diff against its base (survives a clean rebase).
    patch_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class LeaseRow(Base):
    """Who works on a ticket right now: one row per (project, ticket) while a cycle runs."""

    __tablename__ = "leases"
    __table_args__ = (UniqueConstraint("project", "ticket_id", name="uq_lease_ticket"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(200))
    ticket_id: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(300))  # host:pid:token of the holding process
    cycle_id: Mapped[str] = mapped_column(String(64), default="")
    flow_run_id: Mapped[str] = mapped_column(String(64), default="")
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RunRow(Base):
    """When a run (a ``grow`` flow run, or a lone cycle's own run) started: its wall-clock budget
    (``budgets.per_run.wall_minutes``) counts from here, also inside its cycles."""

    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # The run's wall limit in minutes (the seed's, or the grow run's ``hours``); None: no limit.
    wall_minutes: Mapped[float | None] = mapped_column(Float, nullable=True)


class ChangeRequestRow(Base):
    __tablename__ = "change_requests"
    __table_args__ = (UniqueConstraint("project", "branch", name="uq_change_request_branch"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(200), index=True)
    ticket_id: Mapped[str] = mapped_column(String(300))
    forge: Mapped[str] = mapped_column(String(30))
    branch: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    draft: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(30), default="open")  # open|merged|closed
    external_id: Mapped[str] = mapped_column(String(100), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    head_sha: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class WriteRow(Base):
    """Every write the write gate performed (or refused)."""

    __tablename__ = "writes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # merge|push|open_pr|update_pr|comment|label|close_issue
    target: Mapped[str] = mapped_column(String(500))
    cycle_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    allowed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class WebhookDeliveryRow(Base):
    __tablename__ = "webhook_deliveries"

    delivery_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    event: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60), default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


def database_url(repo: Path | str | None = None) -> str:
    """``GERMINATE_DATABASE_URL``, else SQLite in the project's state folder (or the home)."""
    url = os.environ.get("GERMINATE_DATABASE_URL")
    if url:
        return url
    if repo is None:
        from germinate.home import germinate_home

        return f"sqlite:///{germinate_home() / 'germinate.db'}"
    return f"sqlite:///{project_home(repo) / 'state.db'}"


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off so that ``_sqlite_begin`` can
    # take the write lock up front: a deferred transaction that reads and then writes fails
    # at once with "database is locked" when another writer got in between (busy_timeout
    # does not help there). WAL lets readers run beside the one writer.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL cannot corrupt the file; a power cut may lose the last commits only.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _engine_url(url: str) -> str:
    """Use psycopg (3) for a bare ``postgresql://`` URL when psycopg2 is not installed."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"GERMINATE_DATABASE_URL {url!r} is not a database URL. "
            "Fix: use e.g. postgresql://user:password@host:5432/germinate, or unset it for SQLite"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        import importlib.util

        if importlib.util.find_spec("psycopg2") is None and importlib.util.find_spec("psycopg"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        if "connect_timeout" not in parsed.query:
            parsed = parsed.update_query_dict({"connect_timeout": "10"})
    return parsed.render_as_string(hide_password=False)


# Engines shared by ``Store.open``: (pid, url) -> (engine, identity of the database it opened).
_ENGINES: OrderedDict[tuple[int, str], tuple[Engine, object]] = OrderedDict()
_ENGINES_LOCK = threading.Lock()
MAX_SHARED_ENGINES = 4


def _database_identity(engine: Engine) -> object | None:
    """What shows a shared engine still reaches the database it was migrated for: the SQLite
    file's (device, inode), "server" for a database server; None: do not share (in memory, or
    the file is gone)."""
    if engine.dialect.name != "sqlite":
        return "server"
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    try:
        stat = Path(database).expanduser().stat()
    except OSError:
        return None  # removed: the next open makes (and migrates) it again
    return (stat.st_dev, stat.st_ino)


class Store:
    """A handle on the state database. Cheap to create; one per process and target is typical."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.engine: Engine = create_engine(_engine_url(url), pool_pre_ping=True)
        except (SQLAlchemyError, ImportError) as exc:
            raise StoreError(
                f"cannot use the state database URL {make_url(url).render_as_string(hide_password=True)}: "
                f"{exc}. Fix: install its driver (PostgreSQL: psycopg) or unset GERMINATE_DATABASE_URL"
            ) from None
        if self.engine.dialect.name == "sqlite":
            database = self.engine.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._shared = False

    @classmethod
    def open(cls, url: str | None = None, repo: Path | str | None = None) -> Store:
        """Open (and migrate to the newest schema) the store for ``repo`` or ``url``.

        One engine per database and process: every stage of a cycle opens the target's store,
        and a new engine each time meant connecting again, checking the schema revision again
        and, on close, a WAL checkpoint. Stores from here share the engine (``close`` leaves it
        open); the schema is checked when the engine is made, and made again if the SQLite
        file was replaced or removed since. In-memory databases are never shared.
        """
        from germinate.migrations import upgrade

        url = url or database_url(repo)
        key = (os.getpid(), url)
        with _ENGINES_LOCK:
            cached = _ENGINES.get(key)
            if cached is not None:
                engine, identity = cached
                if identity == _database_identity(engine):
                    _ENGINES.move_to_end(key)
                    return cls._sharing(url, engine)
                del _ENGINES[key]
                engine.dispose()
            store = cls(url)
            upgrade(store.engine, shown_url=store.url)
            identity = _database_identity(store.engine)
            if identity is not None:
                _ENGINES[key] = (store.engine, identity)
                store._shared = True
                while len(_ENGINES) > MAX_SHARED_ENGINES:
                    _, (oldest, _identity) = _ENGINES.popitem(last=False)
                    oldest.dispose()  # still usable by a store holding it: it reconnects
            return store

    @classmethod
    def _sharing(cls, url: str, engine: Engine) -> Store:
        store = cls.__new__(cls)
        store.url, store.engine, store._shared = url, engine, True
        store._sessions = sessionmaker(engine, expire_on_commit=False)
        return store

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A short transaction: commits on success, rolls back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        """Release the connections (an engine shared by ``Store.open`` stays for the next one)."""
        if not self._shared:
            self.engine.dispose()
