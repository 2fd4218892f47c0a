"""Pick the execution environment the seed asks for; refuse when no sandbox is usable.

``auto`` takes bubblewrap when it runs here, else docker/podman when a daemon answers. A kind
named explicitly must be usable. ``local`` is never chosen unless the seed names it.
"""

from __future__ import annotations

import sys

from germinate.environments import Environment, Limits, SandboxUnavailable, bwrap, docker
from germinate.environments.local import LocalEnvironment
from germinate.seed import Execution

FIX = ("Fix: install bubblewrap (apt-get install bubblewrap) or docker/podman, or accept no isolation with "
       "'execution.sandbox: local' in seed.yaml")


def limits_of(execution: Execution) -> Limits:
    return Limits(memory_mb=execution.memory_mb, processes=execution.max_processes,
                  file_size_mb=execution.max_file_size_mb)


def environment_for(execution: Execution) -> Environment:
    """The environment for ``execution.sandbox``; ``SandboxUnavailable`` (with the fix) if none can run."""
    kind, limits = execution.sandbox, limits_of(execution)
    if kind == "local":
        return LocalEnvironment()
    reasons = []
    if kind in ("auto", "bwrap"):
        why = bwrap.probe() if sys.platform.startswith("linux") else "bubblewrap runs on Linux only"
        if not why:
            return bwrap.BwrapEnvironment(limits)
        reasons.append(f"bwrap: {why}")
    if kind in ("auto", "docker"):
        why = docker.probe()
        if not why:
            return docker.DockerEnvironment(execution.docker_image, limits)
        reasons.append(f"docker: {why}")
    raise SandboxUnavailable(f"no sandbox to run the target's code in (execution.sandbox: {kind}; "
                             f"{'; '.join(reasons)}). {FIX}")
