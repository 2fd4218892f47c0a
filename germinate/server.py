"""Germinate's own Prefect server: Prefect's ``prefect server start --background`` / ``stop``.

A thin wrapper: it runs Prefect's own commands with ``PREFECT_HOME`` under the germinate
home (so the database, and the ``server.pid`` Prefect writes, are Germinate's), analytics
off, on 127.0.0.1 and a port it records in ``<germinate home>/server.json``. It adds what
the Prefect commands leave to the caller: a free port when 4200 is taken, waiting for
``/api/health``, one server shared by concurrent callers (a file lock), and a stop that
waits for the process to go and never signals a process that is not that server.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from germinate.errors import ConfigError, GerminateError
from germinate.home import germinate_home, prefect_home, state_lock
from germinate.processes import process_alive

DEFAULT_PORT = 4200
HOST = "127.0.0.1"
STATE_FILENAME = "server.json"
PID_FILENAME = "server.pid"  # written by `prefect server start --background` in PREFECT_HOME
# The user's client settings (which API, which profile) must not bend the server we start.
_NOT_INHERITED = ("PREFECT_API_", "PREFECT_HOME", "PREFECT_PROFILE", "PREFECT_UI_", "PREFECT_SERVER_API_")


class ServerError(GerminateError):
    """The Prefect server could not be started, reached or stopped."""


@dataclass(frozen=True)
class ServerInfo:
    """Where Germinate's Prefect server listens (its pid is in Prefect's own pid file)."""

    port: int
    url: str  # the UI
    api_url: str

    @classmethod
    def for_port(cls, port: int) -> ServerInfo:
        url = f"http://{HOST}:{port}"
        return cls(port=port, url=url, api_url=f"{url}/api")

    @property
    def pid(self) -> int | None:
        return _recorded_pid()


def state_file() -> Path:
    return germinate_home() / STATE_FILENAME


def pid_file() -> Path:
    return prefect_home() / PID_FILENAME


def read_state() -> ServerInfo | None:
    """The recorded server, if any (a corrupt record counts as none)."""
    try:
        return ServerInfo(**json.loads(state_file().read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _write_state(info: ServerInfo) -> None:
    tmp = state_file().with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(info), indent=2))
    tmp.replace(state_file())


def _clear_state() -> None:
    state_file().unlink(missing_ok=True)


def _recorded_pid() -> int | None:
    try:
        return int(pid_file().read_text().strip())
    except (OSError, ValueError):
        return None


def is_ours(info: ServerInfo, pid: int | None = None) -> bool:
    """True if Prefect's recorded pid is alive and is the Prefect server on ``info.port``."""
    pid = _recorded_pid() if pid is None else pid
    if pid is None:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        if sys.platform == "linux":
            return False  # no such process
        return process_alive(pid) and is_healthy(info.api_url)  # no /proc: trust a live pid that answers
    return b"prefect.server.api.server:create_app" in cmdline and str(info.port).encode() in cmdline


def is_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """True if ``GET {api_url}/health`` answers ``true``."""
    try:
        response = httpx.get(f"{api_url}/health", timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and response.text.strip() == "true"


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _choose_port(port: int | None) -> int:
    if port:
        if not _port_free(port):
            raise ConfigError(f"port {port} on {HOST} is already in use. Fix: pass another --port")
        return port
    if port is None and _port_free(DEFAULT_PORT):
        return DEFAULT_PORT
    with socket.socket() as sock:  # the default is taken (or 0 asked for any): a free port
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _prefect_server(*args: str, port: int | None = None, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run ``prefect server ARGS`` with Germinate's PREFECT_HOME, in a session of its own
    (a Ctrl-C meant for ``germinate run`` must not reach the server it leaves running)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_NOT_INHERITED)}
    env.update({"PREFECT_HOME": str(prefect_home()), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    if port is not None:
        env["PREFECT_UI_API_URL"] = f"http://{HOST}:{port}/api"
    try:
        return subprocess.run([sys.executable, "-m", "prefect", "server", *args], env=env, text=True,
                              capture_output=True, stdin=subprocess.DEVNULL, start_new_session=True,
                              cwd=str(prefect_home()), timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ServerError(f"'prefect server {' '.join(args)}' did not finish within {timeout:.0f} s") from None


def running_server() -> ServerInfo | None:
    """The recorded server if it is still ours and healthy; a stale record is removed."""
    info = read_state()
    if info is None:
        return None
    if not is_ours(info):
        _clear_state()
        return None
    return info if is_healthy(info.api_url) else None


def start_server(port: int | None = None, *, timeout: float = 180.0) -> tuple[ServerInfo, bool]:
    """Start the server in the background (or reuse the recorded one); (info, reused).

    ``port``: None for 4200 (or a free one if taken), 0 for any free one.
    A file lock makes concurrent callers (parallel cycles, two shells) share one server.
    """
    with _start_lock():
        recorded = read_state()
        if recorded is not None and is_ours(recorded):
            _wait_healthy(recorded, timeout)  # it may still be booting
            return recorded, True
        _forget_stale()
        info = ServerInfo.for_port(_choose_port(port))
        done = _prefect_server("start", "--background", "--host", HOST, "--port", str(info.port),
                               "--analytics-off", port=info.port)
        if done.returncode != 0:
            raise ServerError(f"'prefect server start --background' failed (exit {done.returncode}): "
                              f"{(done.stderr or done.stdout).strip()[-800:]}")
        _write_state(info)
        try:
            _wait_healthy(info, timeout)
        except BaseException:
            _stop(info)
            raise
        return info, False


def _start_lock() -> AbstractContextManager[None]:
    return state_lock(germinate_home() / "server.lock")


def _forget_stale() -> None:
    """A pid file or record whose process is gone (a reboot, a kill) would block a new start."""
    _clear_state()
    pid = _recorded_pid()
    if pid is not None and not process_alive(pid):
        pid_file().unlink(missing_ok=True)
    elif pid is not None:
        raise ServerError(f"{pid_file()} names a running process (pid {pid}) that Germinate did not record. "
                          "Fix: 'PREFECT_HOME=" f"{prefect_home()} prefect server stop', then start again")


def _wait_healthy(info: ServerInfo, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not is_healthy(info.api_url):
        if not is_ours(info):
            raise ServerError(f"the Prefect server on port {info.port} exited before it was healthy. Fix: run "
                              f"'PREFECT_HOME={prefect_home()} prefect server start --port {info.port}' to see why")
        if time.monotonic() > deadline:
            raise ServerError(f"the Prefect server was not healthy after {timeout:.0f} s at {info.api_url}. "
                              "Fix: raise --timeout on a busy machine, or 'germinate server --stop' and retry")
        time.sleep(0.5)


def _stop(info: ServerInfo, grace: float = 20.0) -> None:
    """``prefect server stop`` (SIGTERM to the recorded pid), then wait; SIGKILL only if it is still ours."""
    pid = _recorded_pid()
    _prefect_server("stop")
    _clear_state()
    if pid is None:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return
        time.sleep(0.2)
    if is_ours(info, pid):
        os.kill(pid, signal.SIGKILL)


def stop_server() -> str:
    """Stop the recorded server, and only it; say what happened."""
    info = read_state()
    pid = _recorded_pid()
    if pid is not None and not process_alive(pid):
        pid_file().unlink(missing_ok=True)  # left by a server that died: it would block the next start
    if info is None:
        return "no Germinate-started Prefect server is recorded; nothing to stop"
    if not is_ours(info):
        _clear_state()
        return (f"the recorded server (port {info.port}, pid {pid}) is no longer running or that pid now belongs "
                "to another process; left it alone and removed the stale record")
    _stop(info)
    return f"stopped the Prefect server (pid {pid}) at {info.url}"


def server_status() -> str:
    """One line: running (url, pid) or not."""
    info = read_state()
    if info is None:
        return "no Germinate-started Prefect server is recorded"
    if not is_ours(info):
        return f"not running (stale record for port {info.port})"
    health = "healthy" if is_healthy(info.api_url) else "not answering /api/health"
    return f"running at {info.url} (api {info.api_url}, pid {info.pid}, {health}); PREFECT_HOME {prefect_home()}"


def ensure_server(port: int | None = None, timeout: float = 180.0) -> str:
    """The API URL of a healthy Germinate-started server, starting one in the background if needed."""
    info, _ = start_server(port, timeout=timeout)
    return info.api_url


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def wait_foreground(info: ServerInfo) -> int:
    """Block until the server exits, Ctrl-C or SIGTERM; then stop it and clear the record."""
    previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` must not orphan the server
    try:
        while is_ours(info):
            time.sleep(1.0)
        print("the Prefect server exited", file=sys.stderr)
        _clear_state()
        return 1
    except KeyboardInterrupt:
        _stop(info)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
