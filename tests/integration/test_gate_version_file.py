"""``germinate gate`` on a change whose pyproject template would write code into a version file.

The reviewer's payload (review of issue 12): a ``# coding: utf_7`` line makes ``import os; ...``
look like a comment to a reader of the text, while Python decodes the written file as UTF-7 and
runs it. The change's own test passes only if the hidden code ran.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.integration.cli_user import failed_gates, germinate, shared_venv
from tests.integration.test_gate_cli import FILES, change

UTF7 = ("# coding: utf_7\\n__version__ = {version!r}  "
        "#+AAo-import os+ADs-os.environ+AFs-+ACI-PWNED+ACI-+AF0-=+ACI-1+ACI-\\n")
PYPROJECT = ('[project]\nname = "shop"\nversion = "1"\ndependencies = []\n\n'
             f'[tool.setuptools_scm]\nversion_file = "_v.py"\nversion_file_template = "{UTF7}"\n')
PROOF = 'import os\n\n\ndef test_the_hidden_code_ran():\n    import _v  # noqa: F401\n\n' \
        '    assert os.environ.get("PWNED") == "1"\n'


def test_a_utf7_version_template_never_runs_in_the_gate(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory(FILES)
    head = change(repo, {"pyproject.toml": PYPROJECT, "test_pwned.py": PROOF}, "u7")
    proc = germinate(tmp_path / "user", "gate", "--repo", str(repo), "--base", "main", "--head", head, "--json",
                     env=shared_venv())
    report = json.loads(proc.stdout)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "tests_pass" in failed_gates(report), report["gates"]
    assert report["tests"]["status"] == "failed", report["tests"]
    assert not (repo / "_v.py").exists()  # nothing is written into the user's checkout either
