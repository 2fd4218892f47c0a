"""Transcripts for the scripted provider: a YAML file of canned model responses.

A transcript is a replay, not a model. Each call names a role (``architect``, ``implementer``,
``tester``, ``reviewer``, ``maintainer``); the next unused response for that role is returned,
unless an unused response whose ``match`` regex is found in the prompt exists, which wins.
The format is documented in ``docs/scripted-model.md``. This module is pure Python (no
litellm) so that it can be validated and tested cheaply; ``scripted.py`` plugs it into litellm.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from germinate.errors import ConfigError
from germinate.llm.structured import validation_problems

ScriptedErrorKind = Literal["rate_limit", "server_error", "timeout", "bad_request"]
FALLBACK_ROLE = "default"


class ScriptedUsage(BaseModel):
    """Token counts to report instead of the ones counted from the text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt_tokens: int | None = Field(None, ge=0)
    completion_tokens: int | None = Field(None, ge=0)


class ScriptedToolCall(BaseModel):
    """A function call the replayed model asks for (``tool_calls`` of the response)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(..., min_length=1)
    arguments: dict[str, Any] = Field(default_factory=dict)


class ScriptedResponse(BaseModel):
    """One canned answer: text (or a mapping sent as JSON), tool calls, or a simulated error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    content: str | dict[str, Any] | list[Any] | None = None
    error: ScriptedErrorKind | None = None
    message: str = ""
    match: str | None = None
    repeat: bool = False
    delay_seconds: float = Field(0.0, ge=0.0)
    usage: ScriptedUsage | None = None
    finish_reason: Literal["stop", "length"] = "stop"  # "length": a reply cut at the token limit
    tool_calls: list[ScriptedToolCall] = Field(default_factory=list)

    @field_validator("match")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(
                    f"match {value!r} is not a valid regular expression: {exc}"
                ) from exc
        return value

    @model_validator(mode="after")
    def _content_or_error(self) -> ScriptedResponse:
        answers = self.content is not None or bool(self.tool_calls)
        if answers == (self.error is not None):
            raise ValueError(
                "give exactly one of 'content' (the answer, and/or 'tool_calls') or 'error' "
                "(a simulated failure)"
            )
        return self

    def text(self) -> str:
        """The answer as the model would send it: mappings and lists become JSON."""
        if isinstance(self.content, dict | list):
            return json.dumps(self.content, indent=2)
        return self.content or ""


class Transcript(BaseModel):
    """A whole transcript file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    description: str = ""
    responses: dict[str, list[ScriptedResponse]] = Field(default_factory=dict)

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != 1:
            raise ValueError("only transcript version 1 exists; set 'version: 1'")
        return value


class TranscriptExhausted(ConfigError):
    """The transcript has no response left for a role (or none matching the prompt)."""


def load_transcript(path: Path) -> Transcript:
    """Read and validate a transcript; raise ``ConfigError`` naming the file and the problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"scripted transcript {path} does not exist; the model string is 'scripted/<path to a "
            f"transcript .yaml>' (relative paths are resolved from the current directory)"
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"scripted transcript {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"scripted transcript {path} must be a mapping with a 'responses' key")
    try:
        return Transcript.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"scripted transcript {path} is invalid: {validation_problems(exc)}") from exc


class Replay:
    """The replay state of one transcript file: which responses each role has used."""

    def __init__(self, path: Path, transcript: Transcript, mtime_ns: int):
        self.path = path
        self.transcript = transcript
        self.mtime_ns = mtime_ns
        self.used: dict[str, set[int]] = {}
        self.calls = 0

    def next_response(self, role: str, prompt: str) -> ScriptedResponse:
        """The response for this call, marked as used unless it repeats."""
        key = role if role in self.transcript.responses else FALLBACK_ROLE
        entries = self.transcript.responses.get(key, [])
        used = self.used.setdefault(key, set())
        index = self._pick(entries, used, prompt)
        if index is None:
            raise TranscriptExhausted(
                f"scripted transcript {self.path} has no response left for role {role!r} "
                f"({len(used)} of {len(entries)} under responses.{key} used, none left that "
                f"matches this prompt); add one under 'responses: {role}:' or reset the replay"
            )
        self.calls += 1
        if not entries[index].repeat:
            used.add(index)
        return entries[index]

    @staticmethod
    def _pick(entries: list[ScriptedResponse], used: set[int], prompt: str) -> int | None:
        free = [i for i in range(len(entries)) if i not in used]
        for i in free:
            pattern = entries[i].match
            if pattern is not None and re.search(pattern, prompt):
                return i
        for i in free:
            if entries[i].match is None:
                return i
        return None


_REPLAYS: dict[Path, Replay] = {}
_LOCK = threading.Lock()


def replay_for(path: Path | str) -> Replay:
    """The shared replay of ``path`` (reloaded, and so restarted, when the file changes)."""
    resolved = Path(path).expanduser().resolve()
    with _LOCK:
        try:
            mtime = resolved.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = -1
        replay = _REPLAYS.get(resolved)
        if replay is None or replay.mtime_ns != mtime:
            replay = Replay(resolved, load_transcript(resolved), mtime)
            _REPLAYS[resolved] = replay
        return replay


def next_response(path: Path | str, role: str, prompt: str) -> ScriptedResponse:
    """Take the next response for ``role`` from the transcript at ``path`` (thread-safe)."""
    replay = replay_for(path)
    with _LOCK:
        return replay.next_response(role, prompt)


def reset(path: Path | str | None = None) -> None:
    """Start a transcript (or all of them) from the beginning again."""
    with _LOCK:
        if path is None:
            _REPLAYS.clear()
        else:
            _REPLAYS.pop(Path(path).expanduser().resolve(), None)
