"""The docs and docstrings cite only what ships in the repository, and install the way it installs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")),
           *(p for d in ("germinate", "flows", "tasks", "deployments", "examples") for p in sorted((ROOT / d).rglob("*.py")))]


def test_no_reference_to_files_outside_the_repository() -> None:
    outside = re.compile(r"\b(DESIGN|STYLE)\.md\b|/work/(shared|wt|main)\b")
    hits = [f"{p.relative_to(ROOT)}:{n}" for p in SHIPPED
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if outside.search(line)]
    assert hits == []


def test_install_instructions_match_how_germinate_installs() -> None:
    # Germinate is not published on PyPI: "pip install germinate" would install someone else's package.
    hits = [f"{p.relative_to(ROOT)}:{n}" for p in SHIPPED
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"pip install (-U )?germinate\b(?![-\w./])", line)]
    assert hits == []
