"""Pushing a branch to a forge's remote with a token that never touches disk or argv."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

from germinate.errors import RepoError
from germinate.workspace import GIT_ENV


def push_with_token(worktree: Path, url: str, refspec: str, token: str, *, lease: str | None = None) -> None:
    """``git push url refspec`` with the token as an HTTP header from the environment only.

    ``lease``: the SHA Germinate itself last pushed to the destination branch. The branch may
    then be replaced (a cycle rebuilt it), but only while it is still at that SHA: commits
    someone else pushed are never overwritten (``--force-with-lease``).
    """
    header = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    env = {**os.environ, **GIT_ENV, "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
           "GIT_CONFIG_VALUE_0": f"Authorization: Basic {header}"}
    force = [f"--force-with-lease={refspec.split(':', 1)[-1]}:{lease}"] if lease else []
    proc = subprocess.run(["git", "push", "--porcelain", *force, url, refspec], cwd=str(worktree), env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        detail = " ".join(f"{proc.stdout}\n{proc.stderr}".replace(token, "***").split())
        fix = ("the branch has commits Germinate did not push (someone pushed); Germinate never overwrites "
               "them: a person merges, closes or resets the branch"
               if any(w in detail for w in ("rejected", "non-fast-forward", "stale info")) else
               "check that the remote exists and that the token may push to it")
        raise RepoError(f"git push of {refspec} to {url} failed: {detail}. Fix: {fix}")
