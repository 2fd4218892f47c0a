"""Running commands that must not outlive a budget: the process layer under the execution seam.

Target code never calls this directly: it goes through ``germinate.environments`` (bubblewrap,
docker or the opted-in local kind), which builds the command and then runs it here.

Every command runs in its own process group with a wall-clock timeout. On timeout the whole
group is killed (SIGTERM, then SIGKILL), so a test suite or ``pip install`` that spawned
children can never outlive its budget or keep a pipe open. Output goes to a log file, not
a pipe, for the same reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

KILL_GRACE_S = 3.0


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=KILL_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            continue


def execute(argv: list[str] | str, *, cwd: Path, env: dict[str, str], timeout: float,
            log: Path, preexec: Callable[[], None] | None = None) -> tuple[int | None, float]:
    """Run ``argv`` (a string runs through the shell) in its own process group, output to ``log``.

    ``preexec`` runs in the child before it executes (e.g. to join a cgroup). Returns (exit code,
    seconds); a ``None`` exit code means it timed out and was killed.
    """
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, shell=isinstance(argv, str),
                                preexec_fn=preexec)
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            code = None
        finally:
            if proc.poll() is None:
                _kill_group(proc)
    return code, time.monotonic() - started


def text_tail(text: str, lines: int = 40, chars: int = 4000) -> str:
    """The last ``lines`` lines of ``text``, at most ``chars`` characters."""
    return "\n".join(text.splitlines()[-lines:])[-chars:]


def error_line(text: str, chars: int = 240) -> str:
    """The line of a tool's output that says what went wrong: the last one naming an error (pip's
    ``ERROR: ...``, a ``...Error: ...``), else the last non-empty line; '' when there is none."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith(("ERROR", "error:", "fatal:")) or "Error:" in line or "No such file" in line:
            return line[:chars]
    return lines[-1][:chars] if lines else ""


def log_tail(log: Path, lines: int = 40, chars: int = 4000) -> str:
    """The tail of a log file (empty if there is none)."""
    if not log.exists():
        return ""
    return text_tail(log.read_bytes()[-64_000:].decode("utf-8", errors="replace"), lines, chars)
