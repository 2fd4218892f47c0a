"""Model routing, prices and structured-output parsing: pure functions, no litellm."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from germinate.errors import ConfigError
from germinate.llm.routing import model_for_role, models_to_try, price_for, seed_cost
from germinate.llm.structured import OutputInvalid, extract_json, parse_output, repair_messages
from germinate.seed import Models

ROOT = Path(__file__).resolve().parents[2]


def test_role_model_comes_from_the_seed_then_env_overrides() -> None:
    models = Models(default="openai/gpt-4o-mini", reviewer="anthropic/claude-sonnet")
    assert model_for_role(models, "architect", {}) == "openai/gpt-4o-mini"
    assert model_for_role(models, "reviewer", {}) == "anthropic/claude-sonnet"
    env = {"GERMINATE_MODEL": "ollama/qwen"}
    assert model_for_role(models, "reviewer", env) == "ollama/qwen"
    env["GERMINATE_MODEL_REVIEWER"] = "openai/o3"
    assert model_for_role(models, "reviewer", env) == "openai/o3"
    assert model_for_role(models, "architect", env) == "ollama/qwen"


def test_fallbacks_follow_the_primary_once_each() -> None:
    models = Models(default="a/x", fallbacks=["b/y", "a/x", "c/z"])
    assert models_to_try(models, "tester", {}) == ["a/x", "b/y", "c/z"]


def test_unknown_role_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="architect, implementer"):
        model_for_role(Models(), "poet", {})


def test_seed_prices_match_exactly_then_by_glob() -> None:
    models = Models.model_validate(
        {
            "prices": {
                "ollama/*": {"input_per_mtok": 0.0, "output_per_mtok": 0.0},
                "ollama/big": {"input_per_mtok": 1.0, "output_per_mtok": 2.0},
            }
        }
    )
    big = price_for(models, "ollama/big")
    assert big is not None and seed_cost(big, 1_000_000, 500_000) == pytest.approx(2.0)
    assert price_for(models, "ollama/small") is not None
    assert price_for(models, "openai/gpt-4o") is None


class Verdict(BaseModel):
    verdict: str
    score: int


@pytest.mark.parametrize(
    "text",
    [
        '{"verdict": "ok", "score": 3}',
        'Here you go:\n```json\n{"verdict": "ok", "score": 3}\n```\nThanks!',
        'Sure. {"verdict": "ok", "score": 3} Anything else?',
        '```\n{"verdict": "ok",\n "score": 3}\n```',
        'I think {not json} but {"verdict": "ok", "score": 3}',
    ],
)
def test_json_is_found_in_fences_and_prose(text: str) -> None:
    assert parse_output(text, Verdict) == Verdict(verdict="ok", score=3)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("no json here at all", "no JSON object"),
        ('{"verdict": "ok", "score": 3', "no JSON object"),
        ("[1, 2, 3]", "no JSON object"),
    ],
)
def test_garbage_and_truncated_output_is_rejected_with_a_reason(text: str, fragment: str) -> None:
    with pytest.raises(OutputInvalid, match=fragment):
        extract_json(text)


def test_schema_mismatch_names_the_field() -> None:
    with pytest.raises(OutputInvalid, match="score"):
        parse_output('{"verdict": "ok", "score": "lots"}', Verdict)


def test_repair_round_shows_the_model_its_reply_and_the_error() -> None:
    messages = [{"role": "user", "content": "review"}]
    repaired = repair_messages(messages, "garbage", "no JSON object found", Verdict)
    assert repaired[:1] == messages
    assert repaired[1] == {"role": "assistant", "content": "garbage"}
    assert "no JSON object found" in repaired[2]["content"] and "Verdict" in repaired[2]["content"]


@pytest.mark.slow  # a fresh interpreter importing litellm: ~5 s
def test_importing_the_gateway_and_agents_does_not_import_litellm() -> None:
    code = (
        "import sys, germinate.llm, germinate.agents, os;"
        "assert 'litellm' not in sys.modules, 'litellm imported eagerly';"
        "from germinate.llm.transport import litellm_module; litellm_module();"
        "assert os.environ['LITELLM_LOCAL_MODEL_COST_MAP'] == 'True'"
    )
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "cost map" not in done.stderr  # no attempt to download litellm's price list
