"""Budgets bounded to one call, over real HTTP (litellm's ``openai/`` provider against the
loopback fake that counts requests): every request carries ``max_tokens`` sized to what is
left; parallel cycles reserve atomically; a timeout records what it may have cost; a
``kill -9`` mid-call loses no spend and a resume repeats no answered call."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from germinate.errors import BudgetExceeded
from germinate.llm import Gateway, LLMError, ledger_rows
from germinate.seed import Seed
from germinate.store import Store
from tests.fakes.openai_server import FakeOpenAI, Reply

PROMPT = [{"role": "system", "content": "You plan."}, {"role": "user", "content": "Plan ticket local-1."}]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        yield server


def seed(budgets: dict[str, Any] | None = None, **models: Any) -> Seed:
    data: dict[str, Any] = {"project": {"name": "demo"},
                            "models": {"default": "openai/gpt-4o-mini", "max_retries": 0, **models}}
    if budgets:
        data["budgets"] = budgets
    return Seed.model_validate(data)


def test_every_request_carries_max_tokens_sized_to_the_budget_left(fake: FakeOpenAI, store: Store) -> None:
    budgets = {"per_cycle": {"tokens": 1300}, "per_run": {"tokens": 100_000}}
    gw = Gateway(seed(budgets, max_output_tokens={"reviewer": 700}), store, project="demo", cycle_id="c1",
                 run_id="r1")
    fake.enqueue(Reply(content="one", prompt_tokens=20, completion_tokens=700),
                 Reply(content="two", prompt_tokens=20, completion_tokens=500))
    gw.call("reviewer", PROMPT, None)
    gw.call("reviewer", PROMPT + [{"role": "user", "content": "again"}], None)
    first, second = (r["max_tokens"] for r in fake.requests)
    assert first == 700  # the role's cap from the seed
    assert 1300 - 720 - 60 <= second <= 1300 - 720 - 5  # what the cycle has left after the prompt
    with pytest.raises(BudgetExceeded, match="per-cycle token budget"):
        gw.call("reviewer", PROMPT, None)  # too little left for a useful answer: not sent
    assert len(fake.requests) == 2
    assert sum(r.tokens_in + r.tokens_out for r in ledger_rows(store, "demo")) <= 1300


def test_parallel_cycles_reserve_the_run_budget_atomically(fake: FakeOpenAI, store: Store) -> None:
    fake.default = Reply(content="slow answer", prompt_tokens=20, completion_tokens=1000, delay=1.0)
    budgets = {"per_cycle": {"tokens": 100_000}, "per_run": {"tokens": 2100}}
    outcomes: list[str] = []

    def cycle(n: int) -> None:
        gw = Gateway(seed(budgets, max_output_tokens={"default": 1000}), store, project="demo",
                     cycle_id=f"c{n}", run_id="run")
        try:
            gw.call("implementer", PROMPT, None)
            outcomes.append("answered")
        except BudgetExceeded:
            outcomes.append("refused")

    threads = [threading.Thread(target=cycle, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["answered", "answered", "refused"]  # without reservations all 3 went
    assert len(fake.requests) == 2
    assert sum(r.tokens_in + r.tokens_out for r in ledger_rows(store, "demo")) <= 2100


def test_a_timeout_records_what_the_call_may_have_cost(fake: FakeOpenAI, store: Store) -> None:
    fake.enqueue(Reply(content="late", delay=3.0))
    gw = Gateway(seed(timeout_seconds=0.5, max_output_tokens={"default": 300}), store, project="demo",
                 cycle_id="c1", run_id="r1")
    with pytest.raises(LLMError, match="Timeout"):
        gw.call("tester", PROMPT, None)
    (row,) = ledger_rows(store, "demo")
    assert row.outcome == "timeout" and row.latency_ms >= 400
    assert row.tokens_in > 0 and row.tokens_out == 300 and row.output_known is False
    assert row.cost_usd > 0  # priced at the most it could have been


SCRIPT = """
import sys
from pathlib import Path
from germinate.llm import Gateway
from germinate.llm.ledger import interrupt_pending
from germinate.seed import Seed
from germinate.store import Store

store = Store.open(url=sys.argv[1])
interrupt_pending(store, "demo", "c1")  # what a resumed cycle does first (it holds the lease)
seed = Seed.model_validate({"project": {"name": "demo"},
                            "models": {"default": "openai/gpt-4o-mini", "max_retries": 0}})
gw = Gateway(seed, store, project="demo", cycle_id="c1", run_id="r1", archive_dir=Path(sys.argv[2]))
print(gw.call("architect", [{"role": "user", "content": "Plan ticket local-1."}], None), flush=True)
cut = gw.converse("implementer", [{"role": "user", "content": "Write the code."}])
print(cut.finish_reason, repr(cut.text), flush=True)
print(gw.call("tester", [{"role": "user", "content": "Write the tests."}], None), flush=True)
"""
CUT = "a.py\n<<<<<<< SEARCH\nx"  # an edit block cut at the token limit


@pytest.mark.slow
def test_kill_9_mid_call_loses_no_spend_and_repeats_no_answered_call(
        fake: FakeOpenAI, tmp_path: Path, database_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    args = [sys.executable, "-c", SCRIPT, database_url, str(tmp_path / "llm")]
    fake.enqueue(Reply(content="the plan", prompt_tokens=30, completion_tokens=40),
                 Reply(content=CUT, prompt_tokens=20, completion_tokens=64, finish_reason="length"),
                 Reply(content="never seen", delay=60))
    proc = subprocess.Popen(args, env=env, cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while len(fake.requests) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=30)
    assert len(fake.requests) == 3, err
    store = Store.open(url=database_url)
    rows = ledger_rows(store, "demo")
    assert [(r.role, r.outcome, r.finish_reason) for r in rows] == [
        ("architect", "ok", "stop"), ("implementer", "ok", "length"), ("tester", "pending", "")]
    assert rows[2].tokens_in > 0 and rows[2].tokens_out > 0  # the call in flight is on record

    fake.enqueue(Reply(content="the tests", prompt_tokens=30, completion_tokens=50))
    again = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    # the answered calls were replayed, not sent again; the cut reply is still cut
    assert again.stdout.split("\n")[:3] == ["the plan", f"length {CUT!r}", "the tests"]
    assert len(fake.requests) == 4
    rows = ledger_rows(store, "demo")
    assert [(r.role, r.outcome) for r in rows] == [("architect", "ok"), ("implementer", "ok"),
                                                   ("tester", "interrupted"), ("tester", "ok")]
    assert rows[2].output_known is False and rows[2].cost_usd > 0  # its spend kept, marked at most


def test_the_cycle_wall_time_caps_a_hanging_call_and_stops_the_next(fake: FakeOpenAI, store: Store) -> None:
    from germinate.llm.transport import litellm_module

    litellm_module()  # its first import takes seconds: not part of the cycle's time
    fake.default = Reply(content="too late", delay=30.0)
    budgets = {"per_cycle": {"wall_minutes": 0.1}}  # 6 s for the whole cycle
    gw = Gateway(seed(budgets, timeout_seconds=120), store, project="demo", cycle_id="c1", run_id="r1")
    started = time.monotonic()
    # the call cut by the time left ends with the real reason, the time budget, not "no model answered"
    with pytest.raises(BudgetExceeded, match=r"per-cycle time budget.*wall_minutes.*timed out at"):
        gw.call("implementer", PROMPT, None)
    assert time.monotonic() - started < 20  # the 120 s timeout was lowered to the time left
    with pytest.raises(BudgetExceeded, match=r"per-cycle time budget.*wall_minutes"):
        gw.call("implementer", PROMPT, None)
    assert len(fake.requests) == 1
    assert [r.outcome for r in ledger_rows(store, "demo")] == ["timeout", "budget", "budget"]


def test_the_run_wall_time_reaches_inside_a_cycle_caps_a_hanging_call_and_stops_the_next(
        fake: FakeOpenAI, store: Store) -> None:
    from datetime import UTC, datetime, timedelta

    from germinate.llm.transport import litellm_module
    from germinate.store import RunRow

    litellm_module()  # its first import takes seconds: not part of the run's time
    fake.default = Reply(content="too late", delay=30.0)
    # the run began 54 s ago with a 1-minute limit (as the grow flow records it): ~6 s are left
    with store.session() as s:
        s.add(RunRow(run_id="r1", project="demo", started_at=datetime.now(UTC) - timedelta(seconds=54),
                     wall_minutes=1.0))
    budgets = {"per_cycle": {"wall_minutes": None}, "per_run": {"wall_minutes": 60}}  # the run's row wins
    gw = Gateway(seed(budgets, timeout_seconds=120), store, project="demo", cycle_id="c1", run_id="r1")
    left = gw.clock.left()
    assert left is not None and left < 10  # counted from the run's start, not from this cycle's
    assert gw.clock.call_timeout(120, "implementer") <= left  # the call's timeout is capped
    started = time.monotonic()
    with pytest.raises(BudgetExceeded, match=r"per-run time budget reached.*timed out at the \d\.\d s left"):
        gw.call("implementer", PROMPT, None)
    assert time.monotonic() - started < 20  # well before the 30 s hang and the 120 s timeout
    with pytest.raises(BudgetExceeded, match=r"per-run time budget reached.*budgets\.per_run\.wall_minutes"):
        gw.call("implementer", PROMPT, None)
    # another cycle of the same run (a fresh gateway) is refused too: the run's start is in the store
    later = Gateway(seed(budgets, timeout_seconds=120), store, project="demo", cycle_id="c2", run_id="r1")
    with pytest.raises(BudgetExceeded, match="per-run time budget reached"):
        later.call("architect", PROMPT, None)
    assert len(fake.requests) == 1
    rows = ledger_rows(store, "demo")
    assert [r.outcome for r in rows] == ["timeout", "budget", "budget", "budget"]
    assert rows[0].output_known is False  # the cut call may have produced up to its max_tokens
    assert "per-run time budget reached" in rows[1].error and rows[1].cycle_id == "c1"
    assert rows[3].cycle_id == "c2"


def test_a_lone_cycle_s_run_counts_from_its_first_ledger_row(fake: FakeOpenAI, store: Store) -> None:
    from datetime import UTC, datetime, timedelta

    from germinate.llm.ledger import LedgerEntry, write_entry

    write_entry(store, LedgerEntry(project="demo", role="architect", model="openai/gpt-4o-mini",
                                   prompt_sha256="x", outcome="ok", cycle_id="c1", run_id="r9"))
    with store.session() as s:  # that call was made 2 minutes ago
        from germinate.store import AgentRunRow
        s.query(AgentRunRow).update({AgentRunRow.created_at: datetime.now(UTC) - timedelta(minutes=2)})
    gw = Gateway(seed({"per_cycle": {"wall_minutes": None}, "per_run": {"wall_minutes": 1}}), store,
                 project="demo", cycle_id="c1", run_id="r9")
    with pytest.raises(BudgetExceeded, match=r"per-run time budget reached: 0\.0 s left of 1 min"):
        gw.call("tester", PROMPT, None)
    assert fake.requests == []


def test_an_answer_recorded_without_its_finish_reason_is_asked_again(fake: FakeOpenAI, store: Store,
                                                                       tmp_path: Path) -> None:
    from germinate.llm.ledger import (
        LedgerEntry,
        archive_texts,
        prompt_sha256,
        sha256_text,
        write_entry,
    )

    # a row from before finish reasons were kept: replaying it could pass a cut reply off as whole
    old = LedgerEntry(project="demo", role="implementer", model="openai/gpt-4o-mini", outcome="ok",
                      prompt_sha256=prompt_sha256(PROMPT), cycle_id="c-old", response_sha256=sha256_text(CUT))
    write_entry(store, old)
    archive_texts(tmp_path / "llm", old, PROMPT, CUT)
    fake.enqueue(Reply(content="the whole answer"))
    gw = Gateway(seed(), store, project="demo", cycle_id="c-old", run_id="r1", archive_dir=tmp_path / "llm")
    reply = gw.converse("implementer", PROMPT)
    assert (reply.text, reply.finish_reason) == ("the whole answer", "stop") and len(fake.requests) == 1
