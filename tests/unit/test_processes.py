"""``process_alive``: what a lease and the server's pid file rely on to tell a live owner from a
killed one, zombies (exited, not yet reaped) included."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from germinate.processes import process_alive


def test_a_running_process_is_alive_and_a_killed_one_is_not_even_before_it_is_reaped() -> None:
    assert process_alive(os.getpid())
    child = subprocess.Popen(["sleep", "60"])
    try:
        assert process_alive(child.pid)
        os.kill(child.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while process_alive(child.pid) and time.monotonic() < deadline:  # a zombie until reaped
            time.sleep(0.05)
        assert not process_alive(child.pid)
        assert child.poll() is not None  # (it was a zombie: reaping it only now)
    finally:
        child.kill()
        child.wait()
    assert not process_alive(child.pid)
