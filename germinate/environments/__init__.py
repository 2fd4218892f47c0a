"""The execution seam: every run of target code goes through one tiny protocol.

``Environment.run(argv, ...) -> ExecResult`` runs a command the change under judgment may have
written (a ``setup.py``, a ``conftest.py``, the product code its tests import). The kinds sit
side by side in this folder, mini-swe-agent style:

- ``bwrap``  (default on Linux): bubblewrap, no network, a read-only view of the system, its own
  PID namespace (nothing it starts outlives it), an unprivileged user, resource limits;
- ``docker`` (docker or podman): the same contract in a container, for macOS and container shops;
- ``local``  no isolation at all, only when the seed says ``execution.sandbox: local``, with a
  warning on every run.

``select.environment_for(seed.execution)`` picks the kind; when no sandbox is usable and the seed
does not opt out it raises ``SandboxUnavailable`` with a one-line fix, and no target code runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from germinate.errors import GerminateError


class SandboxUnavailable(GerminateError):
    """No sandbox kind can run here and the seed did not opt out of sandboxing."""

    exit_code = 3  # an error, not a verdict (``germinate gate``: 1 blocked, 2 needs approval, 3 error)


@dataclass(frozen=True)
class Limits:
    """Per-run resource limits (0 means unlimited)."""

    memory_mb: int = 4096
    processes: int = 512
    file_size_mb: int = 1024
    open_files: int = 4096


@dataclass(frozen=True)
class ExecResult:
    """How a run ended: its exit code (``None``: killed on timeout) and its wall time."""

    exit_code: int | None
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None


class Environment(Protocol):
    """Where target code runs. Everything not named in ``writable`` / ``readable`` is out of reach
    (for the sandboxed kinds); the output goes to ``log``, never a pipe."""

    kind: str

    def run(self, argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float, log: Path,
            network: bool = False, writable: Sequence[Path] = (), readable: Sequence[Path] = ()) -> ExecResult:
        """Run ``argv`` in ``cwd`` with exactly ``env``; kill it and all it started after ``timeout`` s."""
        ...


__all__ = ["Environment", "ExecResult", "Limits", "SandboxUnavailable"]
