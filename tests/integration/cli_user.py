"""Run ``germinate`` the way a user does: a subprocess with a clean environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

GERMINATE = Path(sys.executable).with_name("germinate")


def clean_env(home: Path) -> dict[str, str]:
    """Only what a shell would have, and a fresh ``GERMINATE_HOME``: no keys, no test settings."""
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    return {**env, "HOME": str(home), "GERMINATE_HOME": str(home / "germinate"),
            "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.org",
            "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.org",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def germinate(home: Path, *args: str, cwd: Path | None = None, timeout: float = 300,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``germinate ARGS`` in a subprocess; the completed process (never raises on exit status).

    ``env`` adds variables, e.g. ``shared_venv()`` so a test does not build a target venv."""
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run([str(GERMINATE), *args], cwd=cwd, env={**clean_env(home), **(env or {})},
                          capture_output=True, text=True, timeout=timeout, check=False)


def shared_venv() -> dict[str, str]:
    """Use Germinate's own venv (pytest and coverage are there) as the target's: no venv build."""
    return {"GERMINATE_TARGET_VENV": sys.prefix}


def gate_json(home: Path, repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """``germinate gate --json``: exit code and the parsed report."""
    proc = germinate(home, "gate", "--repo", str(repo), "--json", *args)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"gate printed no JSON (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}") from None


def failed_gates(report: dict[str, Any]) -> dict[str, list[str]]:
    """Gates that did not pass and are not mere warnings, with their evidence."""
    return {g["name"]: g["evidence"] for g in report["gates"] if not g["passed"] and g["severity"] != "warn"}
