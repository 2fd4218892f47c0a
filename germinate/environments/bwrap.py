"""The ``bwrap`` kind (default on Linux): bubblewrap around every run of target code.

What the sandboxed command sees: the system folders read-only (``/usr``, ``/etc`` and the
``/bin``/``/lib`` links), a fresh ``/dev``, ``/proc`` and ``/tmp``, a throwaway HOME in that
``/tmp``, the paths the caller names read-only (the target venv and its base Python) or writable
(the copy of the commit under test, the output folder) — nothing else: not the user's repository
or its ``.git``, not the Germinate home, not ``$HOME``. It runs as an unprivileged user in its own
user, PID, network, IPC and UTS namespaces: no capabilities, no network unless asked (loopback
connects are refused), and when its first process ends or is killed every process it started is
gone, ``setsid`` or not. ``prlimit`` bounds memory, processes, file size and open files; run as
root (whom the kernel exempts from the process limit) a pids cgroup bounds processes instead.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from germinate.environments import ExecResult, Limits
from germinate.environments.cgroup import pids_limit
from germinate.process import execute

SYSTEM_DIRS = ("/usr", "/etc")
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SANDBOX_UID = 65534  # "nobody" inside; mapped to the caller's own uid outside
HOME = "/tmp/home"
PROBE_TIMEOUT_S = 20.0


def _system_mounts() -> list[str]:
    args: list[str] = []
    for path in SYSTEM_DIRS:
        if os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in SYSTEM_LINKS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def _resolver_mounts() -> list[str]:
    """Name resolution for runs with network: ``/etc/resolv.conf`` often links into ``/run``."""
    real = os.path.realpath("/etc/resolv.conf")
    return [] if real.startswith("/etc/") else ["--ro-bind-try", real, real]


def limit_argv(limits: Limits) -> list[str]:
    """``prlimit`` options for ``limits`` (soft = hard, so the command cannot raise them)."""
    options = []
    for flag, value in (("--as", limits.memory_mb * 1024 * 1024), ("--nproc", limits.processes),
                        ("--fsize", limits.file_size_mb * 1024 * 1024), ("--nofile", limits.open_files)):
        if value:
            options.append(f"{flag}={value}")
    return ["prlimit", *options, "--"] if options else []


def bwrap_argv(argv: list[str], *, cwd: Path, network: bool, writable: Sequence[Path], readable: Sequence[Path],
               limits: Limits, executable: str = "bwrap") -> list[str]:
    """The full bubblewrap command line for one run."""
    args = [executable, "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if network:
        args.append("--share-net")
    args += _system_mounts()
    args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--dir", "/var", "--tmpfs", "/var/tmp",
             "--dir", HOME]
    if network:
        args += _resolver_mounts()
    for path in readable:
        args += ["--ro-bind", str(path), str(path)]
    for path in writable:
        args += ["--bind", str(path), str(path)]
    args += ["--chdir", str(cwd)]
    return [*args, *limit_argv(limits), *argv]


@functools.lru_cache(maxsize=4)
def probe(executable: str = "bwrap") -> str:
    """Why bubblewrap cannot run here ('' when it can): one tiny sandboxed ``true``."""
    if shutil.which(executable) is None:
        return f"{executable} is not installed"
    with tempfile.TemporaryDirectory(prefix="germinate-probe-") as tmp:
        argv = bwrap_argv(["true"], cwd=Path(tmp), network=False, writable=[Path(tmp)], readable=(),
                          limits=Limits(), executable=executable)
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{executable} failed to start: {exc}"
    if done.returncode != 0:
        return f"{executable} cannot create a sandbox here: {(done.stderr or done.stdout).strip()[:300]}"
    return ""


class BwrapEnvironment:
    """Bubblewrap: no network, read-only system, PID namespace, unprivileged, limited."""

    kind = "bwrap"

    def __init__(self, limits: Limits | None = None, executable: str = "bwrap") -> None:
        self.limits = limits or Limits()
        self.executable = executable

    def run(self, argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float, log: Path,
            network: bool = False, writable: Sequence[Path] = (), readable: Sequence[Path] = ()) -> ExecResult:
        full = bwrap_argv(argv, cwd=cwd, network=network, writable=writable, readable=readable,
                          limits=self.limits, executable=self.executable)
        with pids_limit(self.limits.processes) as join_cgroup:
            code, seconds = execute(full, cwd=cwd, env={**env, "HOME": HOME, "TMPDIR": "/tmp"}, timeout=timeout,
                                    log=log, preexec=join_cgroup)
        return ExecResult(code, seconds)
