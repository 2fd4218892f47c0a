"""A pids cgroup per sandboxed run, for when ``RLIMIT_NPROC`` cannot bound processes.

The kernel exempts processes of the global root user from ``RLIMIT_NPROC``, and a sandbox run
by root maps its unprivileged user back to root outside. So when Germinate runs as root, the
process limit comes from a pids cgroup (v2 or v1) if this machine lets us create one; where it
does not, the PID namespace and the wall-clock limit still bound the run (docs/security.md).
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))
PREFIX = "germinate-"
STALE_S = 600.0  # far longer than the moment between creating a group and entering it


def _writable_root() -> Path | None:
    for root in ROOTS:
        usable = (root / "cgroup.procs").is_file() and os.access(root, os.W_OK)
        if usable and (root.name == "pids" or "pids" in _text(root / "cgroup.subtree_control")):
            return root
    return None


def _sweep(root: Path) -> None:
    """Remove empty groups a killed Germinate left behind (rmdir refuses a group with processes)."""
    for stale in root.glob(f"{PREFIX}*"):
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > STALE_S:
                stale.rmdir()


def _text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


@contextlib.contextmanager
def pids_limit(limit: int) -> Iterator[Callable[[], None] | None]:
    """A ``preexec_fn`` that moves the child into a fresh cgroup capped at ``limit`` processes (or None)."""
    root = _writable_root() if limit and os.geteuid() == 0 else None
    group = root / f"{PREFIX}{uuid.uuid4().hex[:12]}" if root else None
    try:
        if root is not None and group is not None:
            _sweep(root)
            group.mkdir()
            (group / "pids.max").write_text(str(limit))
    except OSError:
        group = None
    if group is None:
        yield None
        return
    procs = str(group / "cgroup.procs")

    def enter() -> None:  # runs in the child between fork and exec
        with open(procs, "w") as handle:
            handle.write(str(os.getpid()))

    try:
        yield enter
    finally:
        for _ in range(1000):  # the namespace's processes are reaped a moment after its first one ends
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.005)
