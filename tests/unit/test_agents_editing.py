"""The editing conversation over the scripted model (through real litellm) in a real git
worktree: a cut-off reply recovered, tool calls answered (function calling and the plain-text
fallback), lint findings sent back like failed edits; every turn a ledger row."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from germinate.agents import implement
from germinate.agents.editing import APPLIED, REPEATED, complete_part, edit_rounds
from germinate.agents.tools import ToolRequest, plain_text_calls, run_tool
from germinate.llm import ledger_rows
from germinate.store import Store
from tests.unit.test_agents import (
    GOOD_EDIT,
    NEW_TEST,
    PLAN,
    TEXT_PY,
    block,
    gw,
    scripted,
    text_package,
)

MIDDLE = "".join(f"LINE_{i} = {i}\n" for i in range(400))


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    root = text_package(tmp_path / "wt")
    (root / "pkg" / "long.py").write_text('"""A long module."""\n' + MIDDLE + "def tail():\n    return 1\n")
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "base"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    return root


def roles(store: Store) -> list[str]:
    return [r.role for r in ledger_rows(store, "demo")]


def test_a_cut_off_reply_keeps_its_complete_blocks_and_the_rest_is_asked_for(
        tmp_path: Path, worktree: Path, store: Store) -> None:
    second = block("pkg/text.py", "    return s.upper()\n", "    return s.upper()\n\n\ndef title(s: str) -> str:\n"
                   "    return s.title()\n")
    cut = NEW_TEST + "\npkg/text.py\n<<<<<<< SEARCH\n    return s.upper()\n=======\n    return s.up"
    seed, _ = scripted(tmp_path, {"implementer": [
        {"content": cut, "finish_reason": "length"},
        # answered only if the model is told its reply was cut and what was kept
        {"match": r"(?s)cut off at the output token limit.*1 complete edit block", "content": second},
    ]})
    result = edit_rounds(gw(seed, store), "implementer", [{"role": "user", "content": "go"}], worktree,
                         max_retries=0)
    assert result.stopped_reason == APPLIED and result.applied == 2
    assert "def title" in (worktree / "pkg" / "text.py").read_text()
    assert "test_slugify" in (worktree / "tests" / "test_text.py").read_text()
    assert roles(store) == ["implementer", "implementer"]  # the continuation is a ledgered call


def test_complete_part_drops_the_block_being_written() -> None:
    text = NEW_TEST + "pkg/a.py\n<<<<<<< SEARCH\nx = 1\n=="
    assert complete_part(text) == NEW_TEST
    assert complete_part("pkg/a.py\n<<<<<<< SEARCH\n") == ""


def test_a_tool_call_is_answered_and_the_model_edits_what_it_read(
        tmp_path: Path, worktree: Path, store: Store) -> None:
    """A long file is read in parts through read_file; the edit quotes its end exactly."""
    tail = block("pkg/long.py", "def tail():\n    return 1\n", "def tail():\n    return 2\n")
    seed, _ = scripted(tmp_path, {"implementer": [
        {"tool_calls": [{"name": "read_file", "arguments": {"path": "pkg/long.py", "start_line": 400,
                                                            "end_line": 410}}]},
        {"match": r"(?s)pkg/long.py lines 400-403 of 403.*def tail\(\):\n    return 1", "content": tail},
    ]})
    result = edit_rounds(gw(seed, store), "implementer", [{"role": "user", "content": "go"}], worktree,
                         max_retries=0)
    assert result.stopped_reason == APPLIED
    assert (worktree / "pkg" / "long.py").read_text().endswith("def tail():\n    return 2\n")
    assert roles(store) == ["implementer", "implementer"]


def test_the_plain_text_fallback_and_the_bound_on_tool_turns(tmp_path: Path, worktree: Path,
                                                            store: Store) -> None:
    ask = {"content": 'TOOL search {"pattern": "def shout"}', "repeat": True}
    seed, _ = scripted(tmp_path, {"implementer": [
        {"match": "used all 2 tool turns", "content": GOOD_EDIT}, ask]})
    result = edit_rounds(gw(seed, store), "implementer", [{"role": "user", "content": "go"}], worktree,
                         max_retries=1, max_tool_turns=2)
    assert result.stopped_reason == APPLIED and "def slugify" in (worktree / "pkg" / "text.py").read_text()
    assert len(roles(store)) == 4  # two tool turns, one refused, one edit


def test_new_lint_findings_go_back_like_failed_edits(tmp_path: Path, worktree: Path, store: Store) -> None:
    sloppy = block("pkg/text.py", "    return s.upper()\n",
                   "    return s.upper()\n\n\ndef slugify(s: str) -> str:\n    return '-'.join(wrods(s))\n")
    fixed = block("pkg/text.py", "    return '-'.join(wrods(s))\n", "    return '-'.join(s.lower().split())\n")
    seed, _ = scripted(tmp_path, {"implementer": [
        {"content": sloppy},
        {"match": r"pkg/text.py:\d+:\d+: F821 Undefined name `wrods`", "content": fixed},
    ]})
    result = edit_rounds(gw(seed, store), "implementer", [{"role": "user", "content": "go"}], worktree,
                         max_retries=1)
    assert result.stopped_reason == APPLIED and "wrods" not in (worktree / "pkg" / "text.py").read_text()


def test_lint_findings_the_file_already_had_are_not_blamed_on_the_model(
        tmp_path: Path, worktree: Path) -> None:
    (worktree / "pkg" / "text.py").write_text("import os\n" + TEXT_PY)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam", "os"], cwd=worktree,
                   check=True)
    seed, _ = scripted(tmp_path, {"implementer": [{"content": GOOD_EDIT}]})
    result = edit_rounds(gw(seed), "implementer", [{"role": "user", "content": "go"}], worktree, max_retries=0)
    assert result.stopped_reason == APPLIED


def test_a_model_that_never_fixes_its_lint_finding_is_stopped(tmp_path: Path, worktree: Path) -> None:
    sloppy = block("pkg/text.py", "    return s.upper()\n", "    return wrods(s)\n")
    seed, _ = scripted(tmp_path, {"implementer": [{"content": sloppy},
                                                  {"content": "pkg/text.py\n<<<<<<< SEARCH\n    return wrods(s)\n"
                                                   "=======\n    return wrods(s)  # still\n>>>>>>> REPLACE\n"}]},
                       execution={"max_edit_retries": 3})
    result = edit_rounds(gw(seed), "implementer", [{"role": "user", "content": "go"}], worktree, max_retries=3)
    assert result.stopped_reason == REPEATED and "F821" in result.message


@pytest.mark.parametrize(("request_", "expected"), [
    (ToolRequest("read_file", {"path": "../outside.py"}), "'..' leaves the repository"),
    (ToolRequest("read_file", {"path": ".git/config"}), "under .git"),
    (ToolRequest("search", {"pattern": "("}), "not a valid regular expression"),
    (ToolRequest("list_dir", {"path": "pkg"}), "__init__.py\nlong.py\ntext.py"),
    (ToolRequest("rm", {"path": "pkg"}), "unknown tool 'rm'"),
])
def test_tools_only_read_inside_the_worktree(worktree: Path, request_: ToolRequest, expected: str) -> None:
    assert expected in run_tool(worktree, request_)


def test_plain_text_calls_are_recognised_only_alone() -> None:
    assert plain_text_calls('TOOL read_file {"path": "a.py"}') == [ToolRequest("read_file", {"path": "a.py"})]
    assert plain_text_calls('Let me look.\nTOOL read_file {"path": "a.py"}') == []
    assert "_error" in plain_text_calls("TOOL read_file {bad json}")[0].arguments


def test_later_rounds_see_the_change_so_far(tmp_path: Path, worktree: Path) -> None:
    seed, _ = scripted(tmp_path, {"implementer": [
        {"match": r"(?s)The change so far.*\+def slugify", "content": GOOD_EDIT.replace("slugify", "slug")}]})
    implement(gw(seed), seed, PLAN, worktree, round=1, diff="+def slugify(s):\n")
    assert "def slug(" in (worktree / "pkg" / "text.py").read_text()


def test_a_long_in_scope_file_is_shown_in_parts_and_edited_after_reading_the_rest(
        tmp_path: Path, worktree: Path, store: Store) -> None:
    """The seed caps the context below the file's size: the prompt shows its start and says which
    line ranges to read; the model reads the end and edits it with an exact SEARCH."""
    plan = PLAN.model_copy(update={"scope": ["pkg/long.py"]})
    tail = block("pkg/long.py", "def tail():\n    return 1\n", "def tail():\n    return 2\n")
    seed, _ = scripted(tmp_path, {"implementer": [
        {"match": r"(?s)pkg/long.py \(lines 1-\d+ of 403\).*\[pkg/long.py has 403 lines, more than fits here: "
                  r"lines 1-\d+ are shown above. Read the rest with the read_file tool",
         "tool_calls": [{"name": "read_file", "arguments": {"path": "pkg/long.py", "start_line": 395}}]},
        {"match": r"lines 395-403 of 403", "content": tail},
    ]}, models={"default": f"scripted/{tmp_path / 'transcript.yaml'}", "max_context_tokens": 2000})
    result = implement(gw(seed, store), seed, plan, worktree, round=1)
    assert result.stopped_reason == APPLIED
    assert (worktree / "pkg" / "long.py").read_text().endswith("def tail():\n    return 2\n")
    assert (worktree / "pkg" / "long.py").read_text().count("LINE_") == 400  # nothing else lost



def test_the_seed_bounds_the_continuations_of_cut_off_replies(tmp_path: Path, worktree: Path, store: Store) -> None:
    """``models.max_continuations: 0``: a cut-off reply is not continued; its cut block fails like an edit."""
    cut = NEW_TEST + "\npkg/text.py\n<<<<<<< SEARCH\n    return s.upper()\n=======\n    return s.up"
    title = block("pkg/text.py", "    return s.upper()\n", "    return s.upper()\n\n\ndef title(s: str) -> str:\n"
                  "    return s.title()\n")
    seed, path = scripted(tmp_path, {"implementer": [
        {"content": cut, "finish_reason": "length"},
        {"match": "cut off at the output token limit", "content": title},  # a continuation: never asked
        {"content": GOOD_EDIT},  # the answer to the failed cut block
    ]})
    seed = seed.model_copy(update={"models": seed.models.model_copy(update={"max_continuations": 0})})
    result = implement(gw(seed, store), seed, PLAN, worktree, round=1)
    text = (worktree / "pkg" / "text.py").read_text()
    assert result.stopped_reason == APPLIED and "def slugify" in text and "def title" not in text
    assert roles(store) == ["implementer", "implementer"]


def test_the_prompt_states_the_seeds_tool_turns_and_none_when_zero(tmp_path: Path, worktree: Path) -> None:
    from germinate.agents.implementer import _tools_text

    seed, _ = scripted(tmp_path, {"implementer": [{"content": GOOD_EDIT}]})
    assert "at most 2 turns" in _tools_text(gw(seed), "implementer", 2)
    assert _tools_text(gw(seed), "implementer", 0) == ""
