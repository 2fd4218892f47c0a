"""Scripted transcripts: responses are replayed per role, in order or by regex, and a broken
or exhausted transcript says exactly what is wrong."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from germinate.errors import ConfigError
from germinate.llm.transcript import (
    TranscriptExhausted,
    load_transcript,
    next_response,
    replay_for,
    reset,
)


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    reset(path)
    return path


@pytest.fixture
def transcript(tmp_path: Path) -> Path:
    return write(
        tmp_path / "t.yaml",
        """\
        version: 1
        responses:
          architect:
            - content: first plan
            - content: second plan
            - match: "ticket gh-\\\\d+"
              content: plan for a GitHub ticket
          maintainer:
            - content: always the same advice
              repeat: true
          default:
            - content: {verdict: approve}
        """,
    )


def test_responses_are_replayed_in_order_per_role(transcript: Path) -> None:
    assert next_response(transcript, "architect", "ticket local-1").text() == "first plan"
    assert next_response(transcript, "architect", "ticket local-2").text() == "second plan"


def test_a_matching_response_wins_over_the_next_in_order(transcript: Path) -> None:
    assert (
        next_response(transcript, "architect", "plan ticket gh-12").text()
        == "plan for a GitHub ticket"
    )
    assert next_response(transcript, "architect", "plan ticket gh-13").text() == "first plan"


def test_repeat_is_never_used_up_and_default_serves_other_roles(transcript: Path) -> None:
    for _ in range(3):
        assert next_response(transcript, "maintainer", "x").text() == "always the same advice"
    assert next_response(transcript, "reviewer", "x").text().replace(" ", "").replace("\n", "") == (
        '{"verdict":"approve"}'
    )


def test_exhausted_role_names_the_file_role_and_count(transcript: Path) -> None:
    next_response(transcript, "architect", "a")
    next_response(transcript, "architect", "a")
    with pytest.raises(TranscriptExhausted) as err:
        next_response(transcript, "architect", "a")
    message = str(err.value)
    assert str(transcript) in message and "'architect'" in message and "2 of 3" in message


def test_editing_the_file_restarts_the_replay(transcript: Path) -> None:
    next_response(transcript, "architect", "a")
    first = replay_for(transcript)
    text = transcript.read_text().replace("first plan", "edited plan")
    transcript.write_text(text)
    import os

    os.utime(transcript, ns=(first.mtime_ns + 10_000_000, first.mtime_ns + 10_000_000))
    assert next_response(transcript, "architect", "a").text() == "edited plan"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("responses: [1, 2", "not valid YAML"),
        ("- just a list", "must be a mapping"),
        ("responses:\n  architect:\n    - {}\n", "exactly one of 'content'"),
        (
            "responses:\n  architect:\n    - {content: x, error: timeout}\n",
            "exactly one of 'content'",
        ),
        (
            "responses:\n  architect:\n    - {content: x, match: '('}\n",
            "not a valid regular expression",
        ),
        ("responses:\n  architect:\n    - {error: meltdown}\n", "responses.architect.0.error"),
        ("version: 2\nresponses: {}\n", "version"),
        ("responses: {}\nextra: 1\n", "extra"),
    ],
)
def test_invalid_transcripts_are_config_errors_naming_the_file(
    tmp_path: Path, body: str, fragment: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_transcript(path)
    assert str(path) in str(err.value) and fragment in str(err.value)


def test_missing_transcript_explains_the_model_string(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="scripted/<path"):
        load_transcript(tmp_path / "nope.yaml")
