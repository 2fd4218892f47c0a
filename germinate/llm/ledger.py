"""The ledger: one ``agent_runs`` row per model call, and spend totals read back from it.

Totals are read from the store (not kept in memory) so that budgets survive restarts: a
cycle resumed in a new process sees what the crashed one already spent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, or_, select, text, update
from sqlalchemy.orm import Session

from germinate.store import AgentRunRow, Store

OUTCOMES = ("pending", "ok", "invalid", "repaired", "error", "timeout", "budget", "interrupted")
# Outcomes of a call whose reply came back (it can be replayed on resume instead of asked again).
ANSWERED = ("ok", "invalid", "repaired")


@dataclass(frozen=True)
class Spend:
    """Tokens and dollars spent; ``cost_known`` is False if any call's price was unknown."""

    tokens: int = 0
    dollars: float = 0.0
    cost_known: bool = True
    calls: int = 0

    def __add__(self, other: Spend) -> Spend:
        return Spend(
            tokens=self.tokens + other.tokens,
            dollars=self.dollars + other.dollars,
            cost_known=self.cost_known and other.cost_known,
            calls=self.calls + other.calls,
        )


@dataclass
class LedgerEntry:
    """What one call cost and produced, as written to ``agent_runs``."""

    project: str
    role: str
    model: str
    prompt_sha256: str
    outcome: str
    cycle_id: str | None = None
    ticket_id: str | None = None
    run_id: str | None = None
    template_sha256: str = ""
    response_sha256: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True
    latency_ms: float = 0.0
    error: str = ""
    output_known: bool = True
    finish_reason: str = ""  # why the reply ended ("length": cut off); "" without a reply

    def spend(self) -> Spend:
        return Spend(self.tokens_in + self.tokens_out, self.cost_usd, self.cost_known, 1)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prompt_sha256(messages: list[dict[str, Any]]) -> str:
    """SHA-256 of the messages as canonical JSON: the same prompt always hashes the same."""
    return sha256_text(json.dumps(messages, sort_keys=True, ensure_ascii=False, default=str))


def archive_texts(
    directory: Path, entry: LedgerEntry, messages: list[dict[str, Any]], reply: str | None
) -> None:
    """Keep the prompt (JSON) and the reply (text) under their ledger hashes, written once."""
    directory.mkdir(parents=True, exist_ok=True)
    prompt_file = directory / f"{entry.prompt_sha256}.json"
    if not prompt_file.exists():
        prompt_file.write_text(json.dumps(messages, indent=1, ensure_ascii=False, default=str))
    if reply is not None and entry.response_sha256:
        reply_file = directory / f"{entry.response_sha256}.txt"
        if not reply_file.exists():
            reply_file.write_text(reply, encoding="utf-8")


def write_entry(store: Store, entry: LedgerEntry) -> int:
    """Append one row to the ledger; returns its id."""
    row = _row(entry)
    with store.session() as session:
        session.add(row)
        session.flush()
        return int(row.id)


def _row(entry: LedgerEntry) -> AgentRunRow:
    return AgentRunRow(
        project=entry.project,
        cycle_id=entry.cycle_id,
        ticket_id=entry.ticket_id,
        run_id=entry.run_id,
        role=entry.role,
        model=entry.model,
        template_sha256=entry.template_sha256,
        prompt_sha256=entry.prompt_sha256,
        response_sha256=entry.response_sha256,
        tokens_in=entry.tokens_in,
        tokens_out=entry.tokens_out,
        cost_usd=entry.cost_usd,
        cost_known=entry.cost_known,
        latency_ms=entry.latency_ms,
        outcome=entry.outcome,
        error=entry.error[:4000],
        output_known=entry.output_known,
        finish_reason=entry.finish_reason,
    )


def reserve_entry(store: Store, entry: LedgerEntry, check: Callable[[Session], None], *,
                  sized: list[LedgerEntry] | None = None) -> int:
    """Write ``entry`` (a ``pending`` row holding the call's most possible spend) after ``check``
    passed (``check`` may append the entry to write, sized, to ``sized``), atomically: parallel cycles cannot both pass a budget check on the same remainder.

    SQLite transactions take the write lock up front; on PostgreSQL a transaction-scoped
    advisory lock per project serialises the reservations.
    """
    with store.session() as session:
        if session.get_bind().dialect.name == "postgresql":
            key = int(hashlib.sha256(entry.project.encode()).hexdigest()[:15], 16)
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        check(session)
        row = _row(sized[-1] if sized else entry)
        session.add(row)
        session.flush()
        return int(row.id)


def complete_entry(store: Store, row_id: int, entry: LedgerEntry) -> None:
    """Replace a pending row's reservation with what the call really did."""
    with store.session() as session:
        row = session.get(AgentRunRow, row_id)
        if row is None:  # the row is gone (a cleared ledger): keep the record anyway
            session.add(_row(entry))
            return
        fresh = _row(entry)
        for column in ("response_sha256", "prompt_sha256", "tokens_in", "tokens_out", "cost_usd",
                       "cost_known", "latency_ms", "outcome", "error", "output_known", "finish_reason"):
            setattr(row, column, getattr(fresh, column))


def interrupt_pending(store: Store, project: str, cycle_id: str) -> int:
    """Pending rows a killed process left: ``interrupted``, their reservation kept as the spend
    (the reply's size is unknown). Returns how many."""
    with store.session() as session:
        done = session.execute(
            update(AgentRunRow)
            .where(AgentRunRow.project == project, AgentRunRow.cycle_id == cycle_id,
                   AgentRunRow.outcome == "pending")
            .values(outcome="interrupted", output_known=False,
                    error="the process making this call died before the reply was recorded; "
                          "tokens_out is the most the call could have used")
        )
    return int(done.rowcount)  # type: ignore[attr-defined]


def answered_calls(store: Store, project: str, cycle_id: str, model: str, prompt: str) -> list[AgentRunRow]:
    """The answered calls of a cycle with exactly this model and prompt hash, oldest first."""
    query = select(AgentRunRow).where(
        AgentRunRow.project == project, AgentRunRow.cycle_id == cycle_id, AgentRunRow.model == model,
        AgentRunRow.prompt_sha256 == prompt, AgentRunRow.outcome.in_(ANSWERED),
    )
    with store.session() as session:
        return list(session.scalars(query.order_by(AgentRunRow.id)))


def _known_as_int(column: Any) -> Any:
    """1 for a known price, 0 for unknown: PostgreSQL has no ``min(boolean)``, every backend
    has ``min(integer)`` (the smallest is 0 as soon as one price is unknown)."""
    return case((column, 1), else_=0)


def spend_from_ledger(
    store: Store, project: str, *, cycle_id: str | None = None, run_id: str | None = None
) -> Spend:
    """Totals of the ledger rows of ``project``: all of them, or one cycle's, or one run's."""
    query = select(
        func.coalesce(func.sum(AgentRunRow.tokens_in + AgentRunRow.tokens_out), 0),
        func.coalesce(func.sum(AgentRunRow.cost_usd), 0.0),
        func.coalesce(func.min(_known_as_int(AgentRunRow.cost_known)), 1),
        func.count(AgentRunRow.id),
    ).where(AgentRunRow.project == project)
    if cycle_id is not None:
        query = query.where(AgentRunRow.cycle_id == cycle_id)
    if run_id is not None:
        query = query.where(AgentRunRow.run_id == run_id)
    with store.session() as session:
        tokens, dollars, known, calls = session.execute(query).one()
    return Spend(int(tokens), float(dollars), bool(known), int(calls))


def _totals(condition: Any) -> list[Any]:
    tokens = AgentRunRow.tokens_in + AgentRunRow.tokens_out
    return [
        func.coalesce(func.sum(case((condition, tokens), else_=0)), 0),
        func.coalesce(func.sum(case((condition, AgentRunRow.cost_usd), else_=0.0)), 0.0),
        func.coalesce(func.min(case((condition, _known_as_int(AgentRunRow.cost_known)), else_=1)), 1),
        func.coalesce(func.sum(case((condition, 1), else_=0)), 0),
    ]


def cycle_and_run_spend(
    store: Store | Session, project: str, cycle_id: str, run_id: str
) -> tuple[Spend, Spend]:
    """A cycle's and a run's totals in one query (the budget check runs before every call);
    given a session, read inside that transaction."""
    in_cycle = AgentRunRow.cycle_id == cycle_id
    in_run = AgentRunRow.run_id == run_id
    query = select(*_totals(in_cycle), *_totals(in_run)).where(
        AgentRunRow.project == project, or_(in_cycle, in_run)
    )
    if isinstance(store, Session):
        row = store.execute(query).one()
    else:
        with store.session() as session:
            row = session.execute(query).one()
    spends = [
        Spend(int(row[i]), float(row[i + 1]), bool(row[i + 2]), int(row[i + 3])) for i in (0, 4)
    ]
    return spends[0], spends[1]


def ledger_rows(store: Store, project: str, cycle_id: str | None = None) -> list[AgentRunRow]:
    """The ledger rows of a project (or one cycle), oldest first."""
    query = select(AgentRunRow).where(AgentRunRow.project == project)
    if cycle_id is not None:
        query = query.where(AgentRunRow.cycle_id == cycle_id)
    with store.session() as session:
        return list(session.scalars(query.order_by(AgentRunRow.id)))
