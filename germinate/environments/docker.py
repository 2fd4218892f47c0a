"""The ``docker`` kind: docker or podman, for macOS hosts and teams that run containers.

Each run is a fresh ``--rm`` container from ``execution.docker_image``: read-only root, no
network unless asked, the caller's own user with no capabilities, ``--pids-limit`` / ``--memory`` / ``--ulimit``, the
named paths bind-mounted at the same place (read-only or writable), everything else absent.
The target venv and its base Python are mounted from the host, so the image must be able to run
them (same OS family and a compatible C library); see docs/security.md. On timeout the
container is killed by name: killing the client alone would leave it running.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import uuid
from collections.abc import Sequence
from pathlib import Path

from germinate.environments import ExecResult, Limits
from germinate.process import execute

DEFAULT_IMAGE = "debian:bookworm-slim"
HOME = "/tmp/home"
PROBE_TIMEOUT_S = 20.0


def engine() -> str | None:
    """``docker`` or ``podman``, whichever is installed (docker first)."""
    for name in ("docker", "podman"):
        if shutil.which(name):
            return name
    return None


def docker_argv(argv: list[str], *, name: str, image: str, cwd: Path, env: dict[str, str], network: bool,
                writable: Sequence[Path], readable: Sequence[Path], limits: Limits, executable: str = "docker"
                ) -> list[str]:
    """The ``docker run`` command line for one run."""
    # The caller's own ids, so the container can write the copy and the output folder it owns
    # (as root: uid 0 with every capability dropped).
    args = [executable, "run", "--rm", "--name", name, "--init", "--read-only", "--user", f"{os.getuid()}:{os.getgid()}",
            "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "--network", "bridge" if network else "none",
            "--tmpfs", "/tmp:rw,exec,size=1g", "--workdir", str(cwd)]
    if limits.memory_mb:
        args += ["--memory", f"{limits.memory_mb}m"]
    if limits.processes:
        args += ["--pids-limit", str(limits.processes)]
    if limits.file_size_mb:
        size = limits.file_size_mb * 1024 * 1024
        args += ["--ulimit", f"fsize={size}:{size}"]
    if limits.open_files:
        args += ["--ulimit", f"nofile={limits.open_files}:{limits.open_files}"]
    for path in readable:
        args += ["--volume", f"{path}:{path}:ro"]
    for path in writable:
        args += ["--volume", f"{path}:{path}:rw"]
    for key, value in sorted({**env, "HOME": HOME, "TMPDIR": "/tmp"}.items()):
        args += ["--env", f"{key}={value}"]
    return [*args, image, *argv]


@functools.lru_cache(maxsize=2)
def probe() -> str:
    """Why no container engine can run here ('' when one can)."""
    exe = engine()
    if exe is None:
        return "neither docker nor podman is installed"
    try:
        done = subprocess.run([exe, "info"], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{exe} info failed: {exc}"
    if done.returncode != 0:
        return f"{exe} cannot reach its daemon: {(done.stderr or done.stdout).strip()[:300]}"
    return ""


class DockerEnvironment:
    """A fresh container per run."""

    kind = "docker"

    def __init__(self, image: str = DEFAULT_IMAGE, limits: Limits | None = None, executable: str | None = None):
        self.image = image
        self.limits = limits or Limits()
        self.executable = executable or engine() or "docker"

    def run(self, argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float, log: Path,
            network: bool = False, writable: Sequence[Path] = (), readable: Sequence[Path] = ()) -> ExecResult:
        name = f"germinate-{uuid.uuid4().hex[:16]}"
        full = docker_argv(argv, name=name, image=self.image, cwd=cwd, env=env, network=network, writable=writable,
                           readable=readable, limits=self.limits, executable=self.executable)
        try:
            # the client needs the host's settings (DOCKER_HOST...); the container gets only ``--env``
            code, seconds = execute(full, cwd=cwd, env=dict(os.environ), timeout=timeout, log=log)
        finally:
            subprocess.run([self.executable, "rm", "-f", name], capture_output=True, timeout=60, check=False)
        return ExecResult(code, seconds)
