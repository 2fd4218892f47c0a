"""``germinate gate`` with tests reads the base from the sense cache instead of re-running it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.cli_user import germinate, shared_venv
from tests.integration.test_gate_cli import FILES, change


def test_the_base_is_sensed_once_then_read_from_the_cache(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory(FILES)
    user = tmp_path / "user"
    first = change(repo, {"shop.py": FILES["shop.py"] + "\n\ndef count(prices):\n    return len(prices)\n"}, "a")
    second = change(repo, {"shop.py": FILES["shop.py"] + "\n\ndef first(prices):\n    return prices[0]\n"}, "b")
    code, report = gate_json_env(user, repo, first)
    assert report["tests"]["base_from_cache"] is False and report["tests"]["passed"] == 1
    code, again = gate_json_env(user, repo, second)
    assert again["tests"]["base_from_cache"] is True
    assert again["tests"]["base_coverage"] == report["tests"]["base_coverage"]
    # A base sensed by 'germinate sense' with the same seed is the same cache entry.
    other = repo_factory(FILES)
    assert germinate(user, "sense", str(other), env=shared_venv()).returncode == 0
    sha = change(other, {"shop.py": FILES["shop.py"] + "# tidy\n"}, "c")
    code, report = gate_json_env(user, other, sha)
    assert report["tests"]["base_from_cache"] is True and code in (0, 1, 2)


def gate_json_env(user: Path, repo: Path, head: str) -> tuple[int, dict[str, Any]]:
    import json

    proc = germinate(user, "gate", "--repo", str(repo), "--json", "--base", "main", "--head", head, env=shared_venv())
    return proc.returncode, json.loads(proc.stdout)
