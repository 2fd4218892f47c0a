"""The gateway over real HTTP: litellm's ``openai/`` provider against a loopback
OpenAI-compatible server — usage parsing, a timeout, a retry after a 500, a fallback model,
structured output (native ``response_format`` and JSON in text), a missing API key."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from germinate.llm import Gateway, LLMError, MissingAPIKey, ledger_rows
from germinate.llm.transport import litellm_module
from germinate.seed import Seed
from germinate.store import Store
from tests.fakes.openai_server import FakeOpenAI, Reply

PROMPT = [
    {"role": "system", "content": "You plan."},
    {"role": "user", "content": "Plan ticket local-1."},
]


class PlanDraft(BaseModel):
    summary: str
    scope: list[str]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    server.reset()
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    return server


def gateway(store: Store | None, model: str = "openai/gpt-4o-mini", **models: Any) -> Gateway:
    seed = Seed.model_validate(
        {"project": {"name": "demo"}, "models": {"default": model, **models}}
    )
    return Gateway(seed, store, project="demo", cycle_id="c1", backoff_base=0.01)


def test_usage_is_parsed_and_priced(fake: FakeOpenAI, store: Store) -> None:
    fake.enqueue(Reply(content="Merge it.", prompt_tokens=1000, completion_tokens=200))
    gw = gateway(store)
    assert gw.call("maintainer", PROMPT, None) == "Merge it."
    (row,) = ledger_rows(store, "demo")
    assert (row.tokens_in, row.tokens_out, row.outcome) == (1000, 200, "ok")
    # gpt-4o-mini is in litellm's bundled price list: $0.15 / $0.60 per million tokens
    assert row.cost_known is True and row.cost_usd == pytest.approx(0.00027)
    assert fake.requests[0]["model"] == "gpt-4o-mini"
    assert fake.requests[0]["_authorization"] == "Bearer sk-loopback-test"


def test_unpriced_local_model_counts_tokens_and_says_cost_unknown(
    fake: FakeOpenAI, store: Store
) -> None:
    fake.enqueue(Reply(content="hi", prompt_tokens=50, completion_tokens=5))
    gw = gateway(store, "openai/my-local-llm")
    gw.call("maintainer", PROMPT, None)
    assert gw.spent.tokens == 55 and gw.spent.cost_known is False


def test_a_500_is_retried_once_and_then_answered(fake: FakeOpenAI, store: Store) -> None:
    fake.enqueue(Reply(status=500, error="upstream exploded"), Reply(content="second time lucky"))
    assert gateway(store, max_retries=2).call("reviewer", PROMPT, None) == "second time lucky"
    assert len(fake.requests) == 2  # no hidden retries inside the SDK
    rows = ledger_rows(store, "demo")
    assert [r.outcome for r in rows] == ["error", "ok"] and "upstream exploded" in rows[0].error


def test_a_slow_server_times_out_and_the_error_is_clear(fake: FakeOpenAI, store: Store) -> None:
    fake.enqueue(Reply(content="late", delay=5.0), Reply(content="late", delay=5.0))
    litellm_module()  # the first import takes seconds: keep it out of the timing
    started = time.monotonic()
    with pytest.raises(LLMError, match=r"Timeout.*models\.fallbacks in seed\.yaml") as err:
        gateway(store, timeout_seconds=0.5, max_retries=1).call("tester", PROMPT, None)
    assert "models.timeout_seconds (now 0.5s)" in str(err.value)  # slow is not only "unreachable"
    assert "max_tokens for the tester role" in str(err.value)
    assert time.monotonic() - started < 4.0  # two 0.5 s timeouts, not two 5 s answers
    assert [r.outcome for r in ledger_rows(store, "demo")] == ["timeout", "timeout"]


def test_a_broken_model_falls_back_to_the_next(fake: FakeOpenAI, store: Store) -> None:
    fake.failing_models.add("broken-model")
    fake.enqueue(Reply(content="fallback here"))
    gw = gateway(store, "openai/broken-model", fallbacks=["openai/gpt-4o-mini"], max_retries=1)
    assert gw.call("implementer", PROMPT, None) == "fallback here"
    assert [r["model"] for r in fake.requests] == ["broken-model", "broken-model", "gpt-4o-mini"]
    assert [(r.model, r.outcome) for r in ledger_rows(store, "demo")] == [
        ("openai/broken-model", "error"),
        ("openai/broken-model", "error"),
        ("openai/gpt-4o-mini", "ok"),
    ]


def test_structured_output_uses_response_format_where_supported(fake: FakeOpenAI) -> None:
    fake.enqueue(Reply(content='{"summary": "add slugify", "scope": ["a.py"]}'))
    plan = gateway(None).call("architect", PROMPT, PlanDraft)
    assert plan == PlanDraft(summary="add slugify", scope=["a.py"])
    sent = fake.requests[0]["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["name"] == "PlanDraft"
    assert "summary" in sent["json_schema"]["schema"]["properties"]


def test_structured_output_falls_back_to_json_in_text(fake: FakeOpenAI, store: Store) -> None:
    fake.enqueue(
        Reply(content="Here is my plan."),
        Reply(content='Sorry! ```json\n{"summary": "add slugify", "scope": []}\n```'),
    )
    plan = gateway(store, "openai/my-local-llm").call("architect", PROMPT, PlanDraft)
    assert plan == PlanDraft(summary="add slugify", scope=[])
    first, repair = fake.requests
    assert "response_format" not in first and "JSON Schema" in first["messages"][0]["content"]
    assert "no JSON object found" in repair["messages"][-1]["content"]
    assert [r.outcome for r in ledger_rows(store, "demo")] == ["invalid", "repaired"]


def test_missing_api_key_names_the_variable_and_sends_nothing(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(MissingAPIKey, match="OPENAI_API_KEY"):
        gateway(None).call("architect", PROMPT, None)
    assert fake.requests == []


def test_rate_limit_is_retried_and_nothing_internal_is_sent(fake: FakeOpenAI, store: Store) -> None:
    fake.enqueue(
        Reply(status=429, error="slow down", headers={"Retry-After": "0.6"}), Reply(content="done")
    )
    started = time.monotonic()
    assert gateway(store, max_retries=1).call("tester", PROMPT, None) == "done"
    assert time.monotonic() - started >= 0.6  # the provider's Retry-After was honoured
    assert [r.outcome for r in ledger_rows(store, "demo")] == ["error", "ok"]
    assert "RateLimitError" in ledger_rows(store, "demo")[0].error
    # the role tag for the scripted provider stays inside litellm: providers never see it
    assert all("metadata" not in body for body in fake.requests)


def test_a_refused_response_format_falls_back_to_json_in_text(
    fake: FakeOpenAI, store: Store
) -> None:
    fake.enqueue(
        Reply(
            status=400,
            error="Invalid schema for response_format 'PlanDraft': 'default' is not permitted",
        ),
        Reply(content='{"summary": "add slugify", "scope": []}'),
    )
    plan = gateway(store).call("architect", PROMPT, PlanDraft)
    assert plan == PlanDraft(summary="add slugify", scope=[])
    native, text_mode = fake.requests
    assert "response_format" in native and "response_format" not in text_mode
    assert "JSON Schema" in text_mode["messages"][0]["content"]
    assert [r.outcome for r in ledger_rows(store, "demo")] == ["error", "ok"]


def test_a_cut_reply_and_tool_calls_come_back_with_their_finish_reason(fake: FakeOpenAI, store: Store) -> None:
    fake.enqueue(Reply(content="a.py\n<<<<<<< SEARCH\nx", finish_reason="length"),
                 Reply(content="", tool_calls=[{"name": "read_file", "arguments": {"path": "a.py"}}]))
    tools = [{"type": "function", "function": {"name": "read_file", "parameters": {"type": "object"}}}]
    gw = gateway(store)
    cut = gw.converse("implementer", PROMPT, tools=tools)
    assert cut.truncated and cut.text.endswith("SEARCH\nx")
    asked = gw.converse("implementer", PROMPT, tools=tools)
    assert [(c.name, json.loads(c.arguments)) for c in asked.tool_calls] == [("read_file", {"path": "a.py"})]
    assert fake.requests[-1]["tools"][0]["function"]["name"] == "read_file"  # offered to the model
    assert [r.outcome for r in ledger_rows(store, "demo")] == ["ok", "ok"]  # every turn in the ledger
