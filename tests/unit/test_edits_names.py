"""Canonical names at the edit layer: a model cannot create a file whose name lies about itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from germinate.edits import apply_edit_blocks, parse_edit_blocks
from germinate.edits.names import case_collision, name_problem
from germinate.models import EditBlock


def create(path: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n=======\nX = 1\n>>>>>>> REPLACE\n"


@pytest.mark.parametrize(("path", "why", "hint"), [
    ("\uff4dinicalc/conftest.py", "canonical Unicode form", "'minicalc/conftest.py'"),  # full-width m
    ("minicalc/\ufb01le.py", "canonical Unicode form", "'minicalc/file.py'"),  # fi ligature
    ("minicalc/evil\u202ecod.py", "U+202E RIGHT-TO-LEFT OVERRIDE", "plain visible characters"),
    ("minicalc/zero\u200bwidth.py", "U+200B ZERO WIDTH SPACE", "plain visible characters"),
    ("minicalc/tab\there.py", "U+0009", "plain visible characters"),
    ("minicalc\\conftest.py", "backslash", "'minicalc/conftest.py'"),
    ("Minicalc/new.py", "letter case from the existing 'minicalc'", "edit 'minicalc'"),
    ("minicalc/CALC.py", "letter case from the existing 'minicalc/calc.py'", "choose a different name"),
])
def test_non_canonical_names_are_refused_with_a_fix(tmp_path: Path, path: str, why: str, hint: str) -> None:
    (tmp_path / "minicalc").mkdir()
    (tmp_path / "minicalc/calc.py").write_text("def add(a, b):\n    return a + b\n")
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    report = apply_edit_blocks(tmp_path, [EditBlock(path=path, kind="create", replace="X = 1\n")])
    assert not report.applied and len(report.failed) == 1
    feedback = report.feedback()
    assert "not a canonical file name" in feedback or "letter case" in feedback, feedback
    assert why in feedback and hint in feedback, feedback
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == before, "nothing written"


def test_canonical_names_still_apply(tmp_path: Path) -> None:
    (tmp_path / "minicalc").mkdir()
    report = apply_edit_blocks(tmp_path, parse_edit_blocks(create("minicalc/über.py") + create("tests/t.py")))
    assert report.ok, report.feedback()
    assert (tmp_path / "minicalc/über.py").is_file()


def test_name_rules_directly() -> None:
    assert name_problem("src/pkg/mod.py") is None and name_problem("docs/café.md") is None
    assert name_problem("ｓrc/x.py") is not None
    assert case_collision("SRC/new.py", ["src/a.py"]) == "src"
    assert case_collision("src/new.py", ["src/a.py"]) is None
