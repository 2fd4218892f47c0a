"""``germinate backtest --oracle`` run as a user runs it, on a history built here: the kind of each
change is read from its diff, so a test rename and a tests-and-layout-only commit land, while a
behaviour change without a failing-then-passing test is still refused by ``ticket_proof``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_backtest import calc_repo, commit

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
ROOT = Path(__file__).resolve().parents[2]

CALC = '"""Arithmetic."""\n\n\ndef add(a, b):\n    """a + b."""\n    return a + b\n'
TESTS = ("from pkg.calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
         "def test_add_zero():\n    assert add(4, 0) == 4\n")


def history(root: Path) -> dict[str, str]:
    repo, init = calc_repo(root, CALC, TESTS)
    shas = {"init": init}
    calc = CALC.replace('    """a + b."""\n', '    """The sum of a and b."""\n\n    # plain addition\n')
    tests = TESTS.replace("def test_add():", 'def test_add_two_numbers():\n    """Two numbers."""')
    shas["rename"] = commit(repo, "Clearer test names", {"pkg/calc.py": calc, "tests/test_calc.py": tests})
    shas["reformat"] = commit(repo, "Bring in the formatter", {  # layout only, code and tests
        "pkg/calc.py": calc.replace("return a + b", "return (a\n            + b)"),
        "tests/test_calc.py": tests.replace("add(2, 3) == 5", "add(2, 3) ==   5")})
    tidy = (repo / "pkg/calc.py").read_text().replace("def add(a, b):", "def add(a, b=0):")
    shas["behaviour"] = commit(repo, "Tidy add()", {  # new behaviour; its new check passes on the base too
        "pkg/calc.py": tidy,
        "tests/test_calc.py": (repo / "tests/test_calc.py").read_text() + "    assert add(0, 4) == 4\n"})
    shas["repo"] = str(repo)
    return shas


def test_the_diff_decides_the_kind_renames_and_layout_land_behaviour_needs_proof(
        prefect_harness: None, tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    shas = history(tmp_path)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GERMINATE_HOME": str(tmp_path / "home"),
           "PREFECT_API_URL": str(PREFECT_API_URL.value()), "GERMINATE_TARGET_VENV": sys.prefix,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "LANG": "C.UTF-8"}
    proc = subprocess.run([sys.executable, "-m", "germinate.cli", "backtest", shas["repo"], "--oracle",
                           "--commits", "3", "--json"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    run = json.loads(proc.stdout)
    by_sha = {t["sha"]: t for t in run["tickets"]}
    assert list(by_sha) == [shas["behaviour"], shas["reformat"], shas["rename"]]
    assert [t["kind"] for t in run["tickets"]] == ["feature", "tests", "tests"]
    for name in ("rename", "reformat"):
        ticket = by_sha[shas[name]]
        assert (ticket["outcome"], ticket["gates_fired"]) == ("merged", []), (name, ticket["reason"])
    refused = by_sha[shas["behaviour"]]
    assert refused["outcome"] == "rejected" and refused["gates_fired"] == ["ticket_proof"], refused["reason"]
    assert "no test shows the feature works" in refused["reason"]
    assert all(t["hidden_tests"] == "pass" for t in run["tickets"])  # so the refusal is policy, not a broken commit
