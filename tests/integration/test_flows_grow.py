"""The grow flow with two tickets in parallel: each in its own worktree, landing serialised,
the second change rebased onto the first and re-tested before it lands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from examples.demo import TRANSCRIPT, make_target

pytestmark = [pytest.mark.slow, pytest.mark.prefect]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def test_parallel_tickets_land_one_after_the_other(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.grow import grow
    from germinate.llm.transcript import reset

    data = yaml.safe_load(TRANSCRIPT.read_text())
    for entry in data["responses"]["implementer"]:  # live-rates without its CI edit: it can land
        if entry.get("match") == "Ticket epic-live-rates":
            entry["content"] = entry["content"].split(".github/workflows/ci.yml")[0]
    transcript = tmp_path / "transcript.yaml"
    transcript.write_text(yaml.safe_dump(data, sort_keys=False))
    reset(transcript)
    monkeypatch.setenv("GERMINATE_MODEL", f"scripted/{transcript}")
    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    repo = make_target(tmp_path / "minicalc")
    seed = repo / "seed.yaml"
    seed.write_text(seed.read_text().replace("max_parallel: 1", "max_parallel: 2"))
    git(repo, "commit", "-qam", "two tickets at once")

    result = grow(repo=str(repo), cycles=2)

    outcomes = {r.ticket.id: r.decision.outcome for r in result.cycles}
    assert outcomes == {"epic-units-tests": "merged", "epic-live-rates": "merged"}, [
        r.decision.reason for r in result.cycles]
    assert result.stopped_because == "max cycles reached (2)"
    rebased = [r for r in result.cycles if "re-tested after rebase" in r.decision.reason]
    started_on = {r.cycle_id.rsplit("-", 1)[1] for r in result.cycles}  # cycle ids end with the base sha8
    if len(started_on) == 1:  # they overlapped: whichever landed second was rebased and re-tested first
        assert len(rebased) == 1
    else:  # the thread runner started the second after the first had landed: nothing to rebase
        assert rebased == []
    tree = git(repo, "ls-tree", "-r", "--name-only", "main").split()
    assert {"tests/test_units.py", "minicalc/rates.py"} <= set(tree)
    assert git(repo, "show", "main:AUTOGEN_LOG.md").count("\n## ") == 2
    assert git(repo, "status", "--porcelain").strip() == ""
    _assert_grow_summary(repo, result)


def _assert_grow_summary(repo: Path, result) -> None:
    """The grow run's summary artifacts (table and picture) are on the API, keyed by target."""
    import json

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.outcome import target_label
    from tasks.log import artifact_key

    key = artifact_key("grow", target_label(str(repo), "minicalc"))
    with get_client(sync_client=True) as client:
        found = {a.key: a for a in client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key, f"{key}-picture"])))}
    table = found[key].data
    rows = json.loads(table) if isinstance(table, str) else table
    assert {(r["ticket"], r["outcome"]) for r in rows} == {("epic-units-tests", "merged"), ("epic-live-rates", "merged")}
    picture = str(found[f"{key}-picture"].data)
    assert "cycles" in picture and "2/2" in picture and "█" in picture
