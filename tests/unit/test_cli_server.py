"""``germinate server``: start, reuse, status and stop a real Prefect server; never kill a
process that is not the one we started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from germinate import server
from germinate.cli import main
from germinate.errors import ConfigError


def servers_with_home(prefect_home: Path) -> list[int]:
    """Pids of `prefect server start` processes running with this PREFECT_HOME."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"prefect.server.api.server:create_app" in cmdline and f"PREFECT_HOME={prefect_home}".encode() in environ:
            found.append(int(proc.name))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("argv", [["server", "--port", "99999"], ["webhook", "serve", "--port", "http"]])
def test_impossible_port_is_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2 and "argument --port" in capsys.readouterr().err


@pytest.mark.slow
def test_start_background_reuse_status_stop(germinate_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    with ThreadPoolExecutor(1) as pool:  # a parallel caller must share the server, not start a second
        other = pool.submit(server.ensure_server, port=port, timeout=240)
        assert main(["server", "--background", "--port", str(port), "--timeout", "240"]) == 0
        other_url = other.result()
    out = capsys.readouterr().out
    assert f"http://127.0.0.1:{port}" in out
    assert other_url == f"http://127.0.0.1:{port}/api"
    assert len(servers_with_home(germinate_home / "prefect")) == 1
    info = server.read_state()
    assert info is not None and info.port == port
    pid = info.pid
    assert pid is not None and (germinate_home / "prefect" / "server.pid").read_text().strip() == str(pid)
    try:
        assert httpx.get(f"{info.api_url}/health", timeout=5).json() is True
        assert "<html" in httpx.get(info.url, timeout=5).text.lower()  # the UI is served
        assert (germinate_home / "prefect" / "prefect.db").exists()  # PREFECT_HOME is ours

        assert server.ensure_server() == info.api_url  # reused, not a second server
        assert server.read_state() == info
        assert main(["server", "--status"]) == 0
        assert f"pid {pid}" in capsys.readouterr().out
    finally:
        assert main(["server", "--stop"]) == 0
    assert "stopped" in capsys.readouterr().out
    deadline = time.monotonic() + 30  # a loaded machine can be slow to let it go
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.2)
    assert not Path(f"/proc/{pid}").exists()
    assert servers_with_home(germinate_home / "prefect") == []
    assert server.read_state() is None
    assert not server.is_healthy(info.api_url)
    assert main(["server", "--status"]) == 3


def test_stop_never_kills_a_process_that_is_not_ours(germinate_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A pid file naming another process (a recycled pid) is left alone, and the stale record goes."""
    other = subprocess.Popen(["sleep", "60"])
    try:
        server._write_state(server.ServerInfo.for_port(free_port()))
        server.pid_file().write_text(str(other.pid))
        assert main(["server", "--stop"]) == 0
        assert "left it alone" in capsys.readouterr().out
        assert other.poll() is None  # still running
        assert server.read_state() is None  # the stale record is gone
        with pytest.raises(server.ServerError, match="prefect server stop"):
            server.start_server(free_port())  # nor is a server started over a pid file that names it
    finally:
        other.kill()
        other.wait()


def test_a_stale_pid_file_does_not_block_the_record(germinate_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    server._write_state(server.ServerInfo.for_port(free_port()))
    server.pid_file().write_text(str(gone.pid))
    assert main(["server", "--status"]) == 3
    assert "stale record" in capsys.readouterr().out
    assert main(["server", "--stop"]) == 0
    assert not server.pid_file().exists() and server.read_state() is None


def test_status_and_stop_with_nothing_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server", "--status"]) == 3
    assert "no Germinate-started Prefect server" in capsys.readouterr().out
    assert main(["server", "--stop"]) == 0
    assert "nothing to stop" in capsys.readouterr().out


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(ConfigError, match="already in use"):
            server.start_server(sock.getsockname()[1])


@pytest.mark.slow
def test_foreground_server_stops_with_its_command(germinate_home: Path) -> None:
    """`germinate server` without --background: killing the command stops the server too."""
    port = free_port()
    env = {**os.environ, "GERMINATE_HOME": str(germinate_home)}
    proc = subprocess.Popen([sys.executable, "-m", "germinate.cli", "server", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        assert f"http://127.0.0.1:{port}" in lines[0] and "Ctrl-C" in lines[2], (lines, proc.stderr)
        info = server.read_state()
        assert info is not None and server.is_healthy(info.api_url)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode == 0
    assert server.read_state() is None
    deadline = time.monotonic() + 30  # a loaded machine can be slow to let it go
    while time.monotonic() < deadline and servers_with_home(germinate_home / "prefect"):
        time.sleep(0.2)
    assert servers_with_home(germinate_home / "prefect") == []
