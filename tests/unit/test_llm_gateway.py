"""The gateway against the scripted provider (through real litellm): structured output and its
repair round, retries, fallbacks, timeouts, budgets that survive restarts, and the ledger."""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from germinate.errors import BudgetExceeded, ConfigError
from germinate.llm import Gateway, LLMError, LLMOutputError, MissingAPIKey, ledger_rows
from germinate.llm.transcript import reset
from germinate.seed import Seed
from germinate.store import Store

PROMPT = [
    {"role": "system", "content": "You plan."},
    {"role": "user", "content": "Plan ticket local-1."},
]


class PlanDraft(BaseModel):
    summary: str
    scope: list[str] = []


def transcript(tmp_path: Path, body: str, name: str = "t.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    reset(path)
    return f"scripted/{path}"


def make_seed(model: str, **models: Any) -> Seed:
    budgets = models.pop("budgets", None)
    data: dict[str, Any] = {"project": {"name": "demo"}, "models": {"default": model, **models}}
    if budgets:
        data["budgets"] = budgets
    return Seed.model_validate(data)


def gateway(seed: Seed, store: Store | None, cycle_id: str = "c1", **kw: Any) -> Gateway:
    return Gateway(seed, store, project="demo", cycle_id=cycle_id, backoff_base=0.0, **kw)


def test_structured_call_returns_the_schema_and_writes_one_ledger_row(
    tmp_path: Path, store: Store
) -> None:
    model = transcript(
        tmp_path, "responses:\n  architect:\n    - content: {summary: add slugify, scope: [a.py]}\n"
    )
    gw = gateway(make_seed(model), store)
    plan = gw.call("architect", PROMPT, PlanDraft, ticket_id="local-1", template_sha256="t" * 64)
    assert plan == PlanDraft(summary="add slugify", scope=["a.py"])
    (row,) = ledger_rows(store, "demo")
    assert (row.role, row.model, row.outcome, row.ticket_id, row.cycle_id) == (
        "architect",
        model,
        "ok",
        "local-1",
        "c1",
    )
    assert (
        row.template_sha256 == "t" * 64
        and len(row.prompt_sha256) == 64
        and len(row.response_sha256) == 64
    )
    assert row.tokens_in > 10 and row.tokens_out > 5
    # a replay has no price: the cost is unknown, not zero
    assert row.cost_known is False and gw.spent.cost_known is False
    assert gw.spent.tokens == row.tokens_in + row.tokens_out


def test_text_call_returns_the_reply(tmp_path: Path) -> None:
    model = transcript(tmp_path, "responses:\n  maintainer:\n    - content: Merge it.\n")
    assert gateway(make_seed(model), None).call("maintainer", PROMPT, None) == "Merge it."


def test_invalid_output_gets_one_repair_round_that_sees_the_error(
    tmp_path: Path, store: Store
) -> None:
    model = transcript(
        tmp_path,
        """\
        responses:
          architect:
            - content: "I would add a helper."
            - match: "no JSON object found"
              content: '{"summary": "add helper"}'
        """,
    )
    plan = gateway(make_seed(model), store).call("architect", PROMPT, PlanDraft)
    assert plan == PlanDraft(summary="add helper")
    assert [r.outcome for r in ledger_rows(store, "demo")] == ["invalid", "repaired"]


def test_output_still_invalid_after_repair_raises_and_is_recorded(
    tmp_path: Path, store: Store
) -> None:
    model = transcript(
        tmp_path,
        """\
        responses:
          architect:
            - content: '{"scope": ["a.py"]}'
            - content: '{"scope": "everything"}'
        """,
    )
    with pytest.raises(LLMOutputError, match="summary"):
        gateway(make_seed(model), store).call("architect", PROMPT, PlanDraft)
    rows = ledger_rows(store, "demo")
    assert [r.outcome for r in rows] == ["invalid", "invalid"] and "summary" in rows[0].error


def test_transport_errors_are_retried_and_each_attempt_is_ledgered(
    tmp_path: Path, store: Store
) -> None:
    model = transcript(
        tmp_path,
        """\
        responses:
          reviewer:
            - error: rate_limit
            - error: server_error
            - content: looks fine
        """,
    )
    assert (
        gateway(make_seed(model, max_retries=2), store).call("reviewer", PROMPT, None)
        == "looks fine"
    )
    rows = ledger_rows(store, "demo")
    assert [r.outcome for r in rows] == ["error", "error", "ok"]
    assert "RateLimitError" in rows[0].error and "InternalServerError" in rows[1].error


def test_timeouts_then_fallback_model_answers(tmp_path: Path, store: Store) -> None:
    slow = transcript(
        tmp_path, "responses:\n  default:\n    - {content: late, delay_seconds: 5, repeat: true}\n"
    )
    backup = transcript(
        tmp_path, "responses:\n  default:\n    - content: from the fallback\n", "b.yaml"
    )
    seed = make_seed(slow, fallbacks=[backup], max_retries=1, timeout_seconds=0.2)
    assert gateway(seed, store).call("implementer", PROMPT, None) == "from the fallback"
    rows = ledger_rows(store, "demo")
    assert [(r.model, r.outcome) for r in rows] == [
        (slow, "timeout"),
        (slow, "timeout"),
        (backup, "ok"),
    ]
    assert all(r.latency_ms < 1500 for r in rows[:2])


def test_bad_request_is_not_retried_and_all_models_failing_is_one_clear_error(
    tmp_path: Path,
) -> None:
    model = transcript(
        tmp_path,
        "responses:\n  default:\n    - error: bad_request\n      message: prompt too long\n",
    )
    with pytest.raises(LLMError) as err:
        gateway(make_seed(model, max_retries=3), None).call("tester", PROMPT, None)
    assert "prompt too long" in str(err.value) and "docs/scripted-model.md" in str(err.value)


def test_missing_api_key_names_the_variable_without_any_request(
    tmp_path: Path, store: Store
) -> None:
    with pytest.raises(MissingAPIKey) as err:
        gateway(make_seed("openai/gpt-4o-mini"), store).call("architect", PROMPT, None)
    assert "OPENAI_API_KEY" in str(err.value) and "GERMINATE_MODEL_ARCHITECT" in str(err.value)
    assert ledger_rows(store, "demo") == []


def test_missing_key_on_the_primary_falls_back(tmp_path: Path) -> None:
    backup = transcript(tmp_path, "responses:\n  default:\n    - content: local answer\n")
    seed = make_seed("anthropic/claude-3-5-sonnet-20240620", fallbacks=[backup])
    assert gateway(seed, None).call("architect", PROMPT, None) == "local answer"


def test_environment_overrides_pick_the_model_per_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = transcript(tmp_path, "responses:\n  default:\n    - {content: main, repeat: true}\n")
    other = transcript(
        tmp_path, "responses:\n  default:\n    - {content: other, repeat: true}\n", "o.yaml"
    )
    monkeypatch.setenv("GERMINATE_MODEL", main)
    monkeypatch.setenv("GERMINATE_MODEL_REVIEWER", other)
    gw = gateway(make_seed("openai/never-called"), None)
    assert gw.call("architect", PROMPT, None) == "main"
    assert gw.call("reviewer", PROMPT, None) == "other"


def test_seed_prices_make_replay_cost_known(tmp_path: Path, store: Store) -> None:
    model = transcript(
        tmp_path,
        "responses:\n  default:\n    - {content: hi, usage: {prompt_tokens: 1000, completion_tokens: 500}}\n",
    )
    seed = make_seed(model, prices={"scripted/*": {"input_per_mtok": 2.0, "output_per_mtok": 10.0}})
    gw = gateway(seed, store)
    gw.call("maintainer", PROMPT, None)
    assert gw.spent.cost_known is True and gw.spent.dollars == pytest.approx(0.007)
    assert gw.spent.tokens == 1500


def test_token_budget_stops_before_the_crossing_call_and_survives_restart(
    tmp_path: Path, store: Store
) -> None:
    model = transcript(
        tmp_path,
        "responses:\n  default:\n    - {content: ok, repeat: true, usage: {prompt_tokens: 600, completion_tokens: 300}}\n",
    )
    seed = make_seed(model, budgets={"per_cycle": {"tokens": 910}, "per_run": {"tokens": 5000}})
    gateway(seed, store).call("implementer", PROMPT, None)
    # a new process (new Gateway) for the same cycle reads the spend back from the ledger
    again = gateway(seed, store)
    assert again.spent.tokens == 900
    with pytest.raises(BudgetExceeded, match=r"per-cycle token budget.*budgets\.per_cycle\.tokens"):
        again.call("implementer", PROMPT, None, ticket_id="local-1")
    rows = ledger_rows(store, "demo")
    assert [r.outcome for r in rows] == ["ok", "budget"] and "900 tokens spent" in rows[1].error


def test_run_budget_spans_cycles(tmp_path: Path, store: Store) -> None:
    model = transcript(
        tmp_path,
        "responses:\n  default:\n    - {content: ok, repeat: true, usage: {prompt_tokens: 100, completion_tokens: 100}}\n",
    )
    seed = make_seed(
        model,
        prices={"scripted/*": {"input_per_mtok": 1000.0, "output_per_mtok": 1000.0}},
        budgets={"per_cycle": {"dollars": 1.0}, "per_run": {"dollars": 0.41}},
    )
    gateway(seed, store, cycle_id="c1", run_id="r1").call("architect", PROMPT, None)
    gateway(seed, store, cycle_id="c2", run_id="r1").call("architect", PROMPT, None)
    with pytest.raises(BudgetExceeded, match=r"per-run dollar budget.*\$0\.4000 spent"):
        gateway(seed, store, cycle_id="c3", run_id="r1").call("architect", PROMPT, None)


def test_archive_keeps_prompt_and_reply_under_their_ledger_hashes(
    tmp_path: Path, store: Store
) -> None:
    model = transcript(tmp_path, "responses:\n  maintainer:\n    - content: Merge it.\n")
    archive = tmp_path / "llm"
    Gateway(make_seed(model), store, project="demo", archive_dir=archive).call(
        "maintainer", PROMPT, None
    )
    (row,) = ledger_rows(store, "demo")
    assert json.loads((archive / f"{row.prompt_sha256}.json").read_text()) == PROMPT
    assert (archive / f"{row.response_sha256}.txt").read_text() == "Merge it."
    assert hashlib.sha256(b"Merge it.").hexdigest() == row.response_sha256


def test_a_missing_transcript_is_a_config_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml does not exist"):
        gateway(make_seed(f"scripted/{tmp_path / 'nope.yaml'}"), None).call("architect", PROMPT, None)


def test_check_models_fails_fast_naming_the_role_and_variable(monkeypatch) -> None:
    from germinate.llm import MissingAPIKey, check_models
    from germinate.seed import Models, Project, Seed

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    seed = Seed(project=Project(name="x"), models=Models(default="openai/gpt-4o-mini"))
    with pytest.raises(MissingAPIKey, match="role architect.*OPENAI_API_KEY"):
        check_models(seed)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    check_models(seed)  # every role now has a usable model
