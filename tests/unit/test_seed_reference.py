"""docs/seed-reference.md is generated from the Seed model: it lists every key with a meaning,
and its example validates."""

from __future__ import annotations

from pathlib import Path

from germinate.seed import Seed
from germinate.seed.fields import walk
from germinate.seed.loader import parse_seed_text
from germinate.seed.meanings import EXAMPLE, MEANINGS
from germinate.seed.reference import missing_meanings, render

DOC = Path(__file__).parents[2] / "docs" / "seed-reference.md"


def test_every_key_has_a_meaning() -> None:
    assert missing_meanings() == [], "add these keys to germinate/seed/meanings.py MEANINGS"


def test_no_meaning_for_a_key_that_does_not_exist() -> None:
    paths = {path for path, _, _ in walk()}
    assert set(MEANINGS) - paths == set()


def test_committed_doc_is_current() -> None:
    assert DOC.read_text() == render(), (
        "docs/seed-reference.md is stale: python -m germinate.seed.reference > docs/seed-reference.md")


def test_doc_lists_every_key_with_type_and_default() -> None:
    text = DOC.read_text()
    for path, _, _ in walk():
        assert f"| `{path}` |" in text, path
    assert "| `budgets.per_cycle.dollars` | number or null, >= 0 | `1.0` |" in text
    assert "| `quality_gates.coverage.global_minimum` | number, 0..1 | `0.0` |" in text
    assert "| `project.name` | string | **required** |" in text


def test_example_uses_every_section_and_validates() -> None:
    seed = parse_seed_text(EXAMPLE, Path("example.yaml"))
    assert set(seed.model_fields_set) == set(Seed.model_fields)
