"""A backtest's scores: per ticket and per run; stored as JSON, shown as markdown with one chart.

Runs are kept under ``<GERMINATE_HOME>/backtests/<project>/`` so that two of them (two
models, two seeds, before and after a prompt change) are read side by side: the report of a
run compares it with the previous run on the same repository.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

LANDED = ("merged", "pr_opened")
BAR_WIDTH = 24


class TicketScore(BaseModel):
    """One past commit replayed: what the cycle did and what it cost."""

    model_config = ConfigDict(frozen=True)

    sha: str
    subject: str
    outcome: str
    reason: str = ""
    kind: str = ""  # --oracle: the kind its plan gave the commit, read from the diff (tests, docs, feature...)
    hidden_tests: str = "not_run"  # pass | fail | not_run (the commit's own tests on the result)
    hidden_detail: str = ""
    tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True
    seconds: float = 0.0
    rounds: int = 0
    gates_fired: list[str] = Field(default_factory=list)
    linked: list[str] = Field(default_factory=list)  # issues the message links: "#12 fetched", "#13 failed: ..."

    @property
    def landed(self) -> bool:
        return self.outcome in LANDED


class BacktestRun(BaseModel):
    """Every ticket of one ``germinate backtest`` and the totals a person compares."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    project: str
    repo: str
    label: str = ""
    model: str = ""
    oracle: bool = False
    started_at: datetime
    tickets: list[TicketScore] = Field(default_factory=list)

    @property
    def land_rate(self) -> float | None:
        return sum(t.landed for t in self.tickets) / len(self.tickets) if self.tickets else None

    @property
    def hidden_pass_rate(self) -> float | None:
        ran = [t for t in self.tickets if t.hidden_tests != "not_run"]
        return sum(t.hidden_tests == "pass" for t in ran) / len(ran) if ran else None

    def per_ticket(self, what: str) -> float:
        values = [float(getattr(t, what)) for t in self.tickets]
        return sum(values) / len(values) if values else 0.0

    def summary(self) -> dict[str, object]:
        """The figures ``--json`` prints besides every ticket."""
        return {"land_rate": self.land_rate, "hidden_pass_rate": self.hidden_pass_rate,
                "tickets": len(self.tickets), "cost_per_ticket_usd": self.per_ticket("cost_usd"),
                "tokens_per_ticket": self.per_ticket("tokens"), "seconds_per_ticket": self.per_ticket("seconds"),
                "cost_known": all(t.cost_known for t in self.tickets),
                "gate_refusals": sorted({g for t in self.tickets for g in t.gates_fired})}


def runs_dir(project: str) -> Path:
    from germinate.home import germinate_home

    return germinate_home() / "backtests" / project


def save(run: BacktestRun) -> Path:
    """Write the run as JSON (its figures included) and return the file."""
    folder = runs_dir(run.project)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run.run_id}.json"
    data = {**json.loads(run.model_dump_json()), "summary": run.summary()}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def previous_run(run: BacktestRun) -> BacktestRun | None:
    """The latest stored run of the same project before ``run`` (None: the first one)."""
    folder = runs_dir(run.project)
    older = sorted(p for p in folder.glob("*.json") if p.stem < run.run_id) if folder.is_dir() else []
    if not older:
        return None
    data = json.loads(older[-1].read_text(encoding="utf-8"))
    data.pop("summary", None)
    return BacktestRun.model_validate(data)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _money(run: BacktestRun, value: float) -> str:
    known = all(t.cost_known for t in run.tickets)
    return f"${value:.4f}" if known else f"${value:.4f} (some costs unknown)"


def chart(run: BacktestRun) -> str:
    """The one chart: per ticket, landed or not and its cost as a bar; the land rate on top."""
    top = max((t.cost_usd for t in run.tickets), default=0.0)
    lines = [f"land rate {sum(t.landed for t in run.tickets)}/{len(run.tickets)} ({_pct(run.land_rate)})"
             f"   cost per ticket (bar = share of the most expensive, ${top:.4f})"]
    for t in run.tickets:
        width = round(BAR_WIDTH * t.cost_usd / top) if top > 0 else 0
        mark = "landed " if t.landed else "refused"
        lines.append(f"{t.sha[:10]}  {mark}  {'#' * width}{'.' * (BAR_WIDTH - width)} ${t.cost_usd:.4f}")
    return "```\n" + "\n".join(lines) + "\n```"


def markdown(run: BacktestRun, previous: BacktestRun | None = None) -> str:
    """The report: figures, the chart, one row per ticket, and the previous run side by side."""
    mode = "oracle (the true commits as the model's answers)" if run.oracle else f"model {run.model or 'from the seed'}"
    out = [f"# Backtest of {run.project}: {len(run.tickets)} past commit(s)", "",
           f"Run `{run.run_id}`{f' ({run.label})' if run.label else ''}, {mode}; repository `{run.repo}`.", "",
           f"- landed through every gate: **{_pct(run.land_rate)}**",
           f"- the commit's own tests pass on the result: **{_pct(run.hidden_pass_rate)}**",
           f"- per ticket: {_money(run, run.per_ticket('cost_usd'))}, {run.per_ticket('tokens'):.0f} tokens, "
           f"{run.per_ticket('seconds'):.1f} s, {run.per_ticket('rounds'):.1f} round(s)", "", chart(run), "",
           "| commit | subject | outcome | hidden tests | gates that refused | rounds | tokens | cost | s |",
           "|---|---|---|---|---|---|---|---|---|"]
    for t in run.tickets:
        subject = t.subject.replace("|", "\\|")[:60]
        out.append(f"| `{t.sha[:10]}` | {subject} | {t.outcome} | {t.hidden_tests} | "
                   f"{', '.join(t.gates_fired) or '-'} | {t.rounds} | {t.tokens} | ${t.cost_usd:.4f} | {t.seconds:.1f} |")
    refused = [t for t in run.tickets if not t.landed]
    if refused:
        out += ["", "## Why the others did not land", ""]
        out += [f"- `{t.sha[:10]}` {t.outcome}: {t.reason[:400]}" for t in refused]
    links = [(t, record) for t in run.tickets for record in t.linked]
    if links:
        out += ["", "## Linked issues (added to the tickets as quoted text)", ""]
        out += [f"- `{t.sha[:10]}` {record}" for t, record in links]
    if previous is not None:
        out += ["", "## Side by side with the previous run", "",
                "| run | mode | land rate | hidden tests pass | cost/ticket | tokens/ticket | s/ticket |",
                "|---|---|---|---|---|---|---|"]
        for r in (previous, run):
            out.append(f"| `{r.run_id}` {r.label} | {'oracle' if r.oracle else r.model or 'seed'} | "
                       f"{_pct(r.land_rate)} | {_pct(r.hidden_pass_rate)} | ${r.per_ticket('cost_usd'):.4f} | "
                       f"{r.per_ticket('tokens'):.0f} | {r.per_ticket('seconds'):.1f} |")
    return "\n".join(out) + "\n"


def new_run_id(now: datetime | None = None) -> str:
    """Sortable, readable: ``20261130T012233Z``."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
