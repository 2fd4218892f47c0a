"""``germinate deploy --list`` speaks in words, and run names tell two checkouts apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from germinate.cli import main


@pytest.fixture
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from examples.demo import make_target

    return make_target(tmp_path / "minicalc")


def test_deploy_list_prints_schedules_in_words(target: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", str(target), "--list"]) == 0
    out = capsys.readouterr().out
    assert "timedelta(" not in out and "DateTime(" not in out and "Schedule(" not in out
    assert "intake/poll\n  schedule:   every 5 minutes" in out
    assert "grow/scheduled\n  schedule:   cron '0 */6 * * *' (UTC)" in out
    assert f"parameters: repo={target}" in out
    assert "run:        prefect deployment run 'grow/scheduled'" in out
    assert "growth-cycle/on-demand\n  schedule:   on demand only" in out


def test_deploy_list_without_repo_says_how_to_pass_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", "--list"]) == 0
    out = capsys.readouterr().out
    assert "none (pass --param repo=...)" in out and "--param repo=/path/to/repo" in out


def test_same_project_in_two_checkouts_reads_apart(tmp_path: Path) -> None:
    from flows.outcome import target_label, target_tags

    one, two = tmp_path / "a" / "minicalc", tmp_path / "b" / "minicalc"
    assert target_label(str(one), "minicalc") != target_label(str(two), "minicalc")
    assert target_label(str(one), "minicalc").startswith("minicalc@")
    assert target_label(str(one), "minicalc") == target_label(str(one), "minicalc")  # stable
    assert f"target:{target_label(str(one), 'minicalc')}" in target_tags(str(one), "minicalc")
