"""``germinate ticket new`` / ``germinate ticket list`` and ``germinate webhook serve``'s guard rails."""

from __future__ import annotations

import pytest

from germinate.cli import main


def test_ticket_new_and_list(repo_factory, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    repo = repo_factory({"seed.yaml": "version: 1\nproject:\n  name: widget\n"}, name="widget")
    assert main(["ticket", "new", "Add a --json flag", "--body", "JSON out", "--label", "cli", "--repo", str(repo)]) == 0
    assert main(["ticket", "new", "Crash on empty input", "--kind", "bug", "--repo", str(repo)]) == 0
    assert main(["ticket", "new", "Someday", "--no-task-label", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "local-1  Add a --json flag  [ai-task, cli]" in out
    assert main(["ticket", "list", "--repo", str(repo)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listing] == ["local-1", "local-2"]
    assert "bug" in listing[1] and "new" in listing[1]
    assert main(["ticket", "list", "--all-labels", "--repo", str(repo)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_ticket_new_refuses_a_github_repo_and_empty_title(repo_factory, capsys) -> None:  # type: ignore[no-untyped-def]
    seed = "version: 1\nproject:\n  name: widget\nforge:\n  kind: github\n  repo: acme/widget\n"
    repo = repo_factory({"seed.yaml": seed}, name="gh")
    assert main(["ticket", "new", "Add X", "--repo", str(repo)]) == 1
    assert "open an issue there labelled 'ai-task'" in capsys.readouterr().err
    local = repo_factory({"seed.yaml": "version: 1\nproject:\n  name: w\n"}, name="local")
    assert main(["ticket", "new", "  ", "--repo", str(local)]) == 1
    assert "needs a title" in capsys.readouterr().err


def test_ticket_outside_a_repository(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["ticket", "list", "--repo", str(tmp_path)]) == 1
    assert "not inside a git repository" in capsys.readouterr().err


def test_webhook_serve_needs_a_secret(repo_factory, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    repo = repo_factory({"seed.yaml": "version: 1\nproject:\n  name: widget\n"}, name="widget")
    monkeypatch.delenv("GERMINATE_WEBHOOK_SECRET", raising=False)
    assert main(["webhook", "serve", "--repo", str(repo), "--port", "0"]) == 1
    assert "GERMINATE_WEBHOOK_SECRET is not set" in capsys.readouterr().err
