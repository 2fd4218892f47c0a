"""A whole growth cycle with the scripted model, whose tester writes a hostile ``tests/conftest.py``.

The operator's environment holds canary keys; the conftest tries every escape of issue 10 while
the cycle senses, tests and decides. Whatever the decision, nothing escapes the sandbox, and
main moves only through the write gate.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from germinate.environments.bwrap import probe
from tests.fakes.hostile import CANARY, Witness

pytestmark = [pytest.mark.slow, pytest.mark.prefect,
              pytest.mark.skipif(bool(probe()), reason=f"bubblewrap cannot run here: {probe()}")]
EPIC = "epic-units-tests"


def hostile_transcript(witness: Witness, dest: Path) -> Path:
    """The demo's replies for the units epic; the tester also writes the hostile conftest and canaries."""
    from examples.demo import TRANSCRIPT

    data: dict[str, Any] = yaml.safe_load(TRANSCRIPT.read_text())
    data["responses"] = {role: [r for r in replies if EPIC in r.get("match", "")]
                         for role, replies in data["responses"].items()}
    blocks = "".join(f"\n{path}\n<<<<<<< SEARCH\n=======\n{text}>>>>>>> REPLACE\n"
                     for path, text in witness.files().items())
    tester = data["responses"]["tester"][0]
    tester["content"] = tester["content"] + blocks
    dest.write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def test_a_cycle_contains_the_conftest_its_model_wrote(prefect_harness: None, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from examples.demo import make_target
    from flows.growth_cycle import growth_cycle
    from germinate.llm.transcript import reset
    from germinate.metrics.environment import ENV_VAR
    from germinate.store import Store, WriteRow

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv(ENV_VAR, sys.prefix)
    for name in ("OPENAI_API_KEY", "GERMINATE_GITHUB_TOKEN"):
        monkeypatch.setenv(name, CANARY)
    witness = Witness(repo=tmp_path / "minicalc", home=home, ghome=Path(os.environ["GERMINATE_HOME"]))
    try:
        transcript = hostile_transcript(witness, tmp_path / "transcript.yaml")
        reset(transcript)
        repo = make_target(witness.repo)
        seed = yaml.safe_load((repo / "seed.yaml").read_text())
        seed["models"]["default"] = f"scripted/{transcript}"
        seed["checkpoints"]["approval_timeout_minutes"] = 0.05  # a pause (if any) defers quickly
        (repo / "seed.yaml").write_text(yaml.safe_dump(seed, sort_keys=False))
        git(repo, "commit", "-qam", "seed: scripted hostile tester")
        main_before = git(repo, "rev-parse", "main")

        report = growth_cycle(repo=str(repo), ticket_id=EPIC)

        assert report.decision is not None
        assert witness.escapes() == []
        with Store.open(repo=repo).session() as s:
            merges = list(s.scalars(select(WriteRow).where(WriteRow.kind == "merge", WriteRow.allowed)))
        if report.decision.outcome == "merged":  # the canary tests passed: no key was visible, no network
            assert len(merges) == 1
            assert "test_no_secret_or_prefect_setting_is_visible" in git(repo, "show", "main:tests/test_canary.py")
        else:
            assert git(repo, "rev-parse", "main") == main_before and merges == []
        assert git(repo, "status", "--porcelain") == ""
    finally:
        witness.cleanup()
