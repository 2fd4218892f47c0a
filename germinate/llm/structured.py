"""Structured output: turn a model's text into a validated pydantic object.

Where the provider supports ``response_format`` the schema is sent with the request; either
way the reply is parsed here: a JSON object, possibly inside a code fence or surrounded by
prose, validated against the schema. A reply that fails gets one repair round, shown the
exact validation error.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n(.*?)```", re.DOTALL)


class OutputInvalid(ValueError):
    """The reply is not a JSON object that fits the schema; the message is for the model."""


def schema_instructions(schema: type[BaseModel]) -> str:
    """The system-prompt addendum for providers without ``response_format``."""
    spec = json.dumps(schema.model_json_schema(), indent=1)
    return (
        "Reply with a single JSON object and nothing else (no prose, no code fence). "
        f"It must validate against this JSON Schema:\n{spec}"
    )


def _candidates(text: str) -> list[str]:
    fenced = [m.group(1) for m in _FENCE.finditer(text)]
    return [*fenced, text]


def extract_json(text: str) -> Any:
    """The first JSON object in ``text`` (fenced or bare, prose around it tolerated)."""
    if not text or not text.strip():
        raise OutputInvalid("the reply was empty; send the JSON object")
    decoder = json.JSONDecoder()
    for candidate in _candidates(text):
        for start in [m.start() for m in re.finditer(r"\{", candidate)]:
            try:
                value, _end = decoder.raw_decode(candidate, start)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    snippet = text.strip()[:200]
    raise OutputInvalid(
        f"no JSON object found in the reply (it began: {snippet!r}); send only the JSON object"
    )


def validation_problems(exc: ValidationError) -> str:
    """A pydantic error as one line a model or a person can act on: ``key.path: message; ...``."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
    )


def parse_output(text: str, schema: type[BaseModel]) -> BaseModel:
    """Validate the reply against ``schema``; ``OutputInvalid`` says what to fix."""
    data = extract_json(text)
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise OutputInvalid(
            f"the JSON does not fit the {schema.__name__} schema: {validation_problems(exc)}"
        ) from exc


def repair_messages(
    messages: list[dict[str, Any]], reply: str, problem: str, schema: type[BaseModel]
) -> list[dict[str, Any]]:
    """The conversation for the one repair round: the bad reply and what is wrong with it."""
    return [
        *messages,
        {"role": "assistant", "content": reply},
        {
            "role": "user",
            "content": (
                f"Your reply could not be used: {problem}.\n"
                f"Reply again with only the corrected JSON object for {schema.__name__}."
            ),
        },
    ]
