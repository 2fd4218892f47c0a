"""Where Germinate keeps its state: never inside the user's working tree.

``GERMINATE_HOME`` (default ``~/.germinate``) holds one folder per target repository, named
after the repository and a hash of its real path, so that two checkouts never share state.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from germinate.errors import ConfigError


def germinate_home() -> Path:
    """The root of all Germinate state (``GERMINATE_HOME`` or ``~/.germinate``)."""
    raw = os.environ.get("GERMINATE_HOME") or str(Path.home() / ".germinate")
    home = Path(raw).expanduser().resolve()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot use {home} as the Germinate home: {exc.strerror}. Fix: set GERMINATE_HOME "
                          "to a writable folder (default ~/.germinate)") from None
    return home


def project_key(repo: Path | str) -> str:
    """A stable folder name for a target repository: ``<name>-<8 hex of its real path>``."""
    real = Path(repo).expanduser().resolve()
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", real.name).strip("-") or "repo"
    digest = hashlib.sha256(str(real).encode()).hexdigest()[:8]
    return f"{slug}-{digest}"


def project_home(repo: Path | str) -> Path:
    """The state folder of one target repository (created on demand)."""
    path = germinate_home() / "projects" / project_key(repo)
    path.mkdir(parents=True, exist_ok=True)
    return path


def project_dir(repo: Path | str, *parts: str) -> Path:
    """A sub-folder of the project's state folder, e.g. ``project_dir(repo, "worktrees")``."""
    path = project_home(repo).joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def prefect_home() -> Path:
    """``PREFECT_HOME`` for servers Germinate starts."""
    path = germinate_home() / "prefect"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def state_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on a file under the state folder, across threads and processes.

    ``flock`` is released by the kernel when the holder dies, so a crash never leaves it stuck.
    """
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
