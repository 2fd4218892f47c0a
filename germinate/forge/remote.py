"""Pushing a branch to a forge's remote with a token that never touches disk or argv."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

from germinate.errors import RepoError
from germinate.workspace import GIT_ENV


def push_with_token(worktree: Path, url: str, refspec: str, token: str) -> None:
    """``git push url refspec`` with the token as an HTTP header from the environment only."""
    header = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    env = {**os.environ, **GIT_ENV, "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
           "GIT_CONFIG_VALUE_0": f"Authorization: Basic {header}"}
    proc = subprocess.run(["git", "push", "--porcelain", url, refspec], cwd=str(worktree), env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).replace(token, "***").strip()
        fix = ("the branch has commits Germinate does not know (someone pushed): the next cycle rebuilds it"
               if "rejected" in detail or "non-fast-forward" in detail else
               "check that the remote exists and that the token may push to it")
        raise RepoError(f"git push of {refspec} to {url} failed: {detail}. Fix: {fix}")
