"""The whole edit-block corpus: every realistic model reply gets exactly its expected outcome."""

from __future__ import annotations

import pytest

from tests.edits_corpus.runner import load_cases, run_case

CASES = load_cases()


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 40
    outcomes = {case["expect"]["outcome"] for _, case in CASES}
    assert outcomes == {"applied", "partial", "rejected", "parse_error"}


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_corpus_case(name: str, case: dict) -> None:
    result = run_case(name, case)
    assert not result.silently_wrong, result.problems
    assert result.correct, "\n".join(result.problems) + "\n--- feedback ---\n" + result.feedback
