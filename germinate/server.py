"""A local Prefect server with its UI, owned by Germinate.

``prefect server start`` runs with ``PREFECT_HOME`` under the germinate home and analytics
off. The server we start is recorded in ``<germinate home>/server.json`` (pid, port, URLs and
the process start time, so a recycled pid is never mistaken for ours); ``stop_server`` stops
only that process. ``ensure_server`` reuses a healthy recorded server or starts one.
"""

from __future__ import annotations

import atexit
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
from germinate.process import log_tail

DEFAULT_PORT = 4200
HOST = "127.0.0.1"
STATE_FILENAME = "server.json"


class ServerError(GerminateError):
    """The Prefect server could not be started, reached or stopped."""


@dataclass(frozen=True)
class ServerInfo:
    """A Prefect server Germinate started."""

    pid: int
    port: int
    url: str  # the UI
    api_url: str
    log: str
    started: float  # process start time (clock ticks since boot on Linux), guards pid reuse

    @classmethod
    def for_port(cls, pid: int, port: int, log: Path) -> ServerInfo:
        url = f"http://{HOST}:{port}"
        return cls(pid=pid, port=port, url=url, api_url=f"{url}/api", log=str(log),
                   started=_process_start(pid) or 0.0)


def state_file() -> Path:
    return germinate_home() / STATE_FILENAME


def read_state() -> ServerInfo | None:
    """The recorded server, if any (a corrupt record counts as none)."""
    try:
        data = json.loads(state_file().read_text())
        return ServerInfo(**data)
    except (OSError, ValueError, TypeError):
        return None


def _write_state(info: ServerInfo) -> None:
    tmp = state_file().with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(info), indent=2))
    tmp.replace(state_file())


def _clear_state(pid: int) -> None:
    current = read_state()
    if current is None or current.pid == pid:
        state_file().unlink(missing_ok=True)


def _process_start(pid: int) -> float | None:
    """Start time of ``pid`` from /proc (None when there is no such process or no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22 (starttime); the command name in field 2 may contain spaces, so split after ')'.
    return float(stat.rsplit(")", 1)[1].split()[19])


def is_ours(info: ServerInfo) -> bool:
    """True if the recorded pid is alive and is still the Prefect server we started."""
    try:
        os.kill(info.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    cmdline_path = Path(f"/proc/{info.pid}/cmdline")
    if not cmdline_path.exists():  # no /proc (macOS): trust the live pid plus the health check
        return is_healthy(info.api_url)
    cmdline = cmdline_path.read_bytes().split(b"\0")
    if b"prefect" not in b" ".join(cmdline) or b"server" not in cmdline:
        return False
    return _process_start(info.pid) == info.started


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
    if port is not None:
        if not _port_free(port):
            raise ConfigError(f"port {port} on {HOST} is already in use. Fix: pass another --port")
        return port
    if _port_free(DEFAULT_PORT):
        return DEFAULT_PORT
    with socket.socket() as sock:  # the default is taken by someone else: any free port will do
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _server_env(port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env.update({
        "PREFECT_HOME": str(prefect_home()),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_HOST": HOST,
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_UI_API_URL": f"http://{HOST}:{port}/api",
    })
    return env


def running_server() -> ServerInfo | None:
    """The recorded server if it is still ours and healthy; a stale record is removed."""
    info = read_state()
    if info is None:
        return None
    if is_ours(info) and is_healthy(info.api_url):
        return info
    if not is_ours(info):
        _clear_state(info.pid)
    return None


def start_server(port: int | None = None, *, timeout: float = 180.0) -> tuple[ServerInfo, bool]:
    """Start a server in the background (or reuse the recorded one); (info, reused).

    A file lock makes concurrent callers (parallel cycles) share one server.
    """
    with _start_lock():
        recorded = read_state()
        if recorded is not None and is_ours(recorded):
            _wait_recorded(recorded, timeout)  # it may still be booting
            return recorded, True
        if recorded is not None:
            _clear_state(recorded.pid)
        return _spawn(port, timeout), False


def _start_lock() -> AbstractContextManager[None]:
    return state_lock(germinate_home() / "server.lock")


def _wait_recorded(info: ServerInfo, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not is_healthy(info.api_url):
        if time.monotonic() > deadline or not is_ours(info):
            raise ServerError(f"the recorded Prefect server (pid {info.pid}) does not answer {info.api_url}"
                              f"/health. Fix: see {info.log}; 'germinate server --stop', then start again")
        time.sleep(0.5)


def _spawn(port: int | None, timeout: float) -> ServerInfo:
    chosen = _choose_port(port)
    log = prefect_home() / f"server-{chosen}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", HOST, "--port", str(chosen),
             "--analytics-off"],
            env=_server_env(chosen), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, cwd=str(prefect_home()),
        )
    info = ServerInfo.for_port(proc.pid, chosen, log)
    _write_state(info)
    try:
        _wait_healthy(proc, info, timeout)
    except BaseException:
        _terminate(proc.pid)
        _clear_state(proc.pid)
        raise
    return info


def _wait_healthy(proc: subprocess.Popen[bytes], info: ServerInfo, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"the Prefect server exited with code {proc.returncode} before it was "
                              f"healthy. Log ({info.log}):\n{log_tail(Path(info.log), lines=15) or '(empty)'}")
        if is_healthy(info.api_url):
            return
        time.sleep(0.5)
    raise ServerError(f"the Prefect server was not healthy after {timeout:.0f} s at {info.api_url}. "
                      f"Fix: see its log {info.log}, or raise --timeout")


def _terminate(pid: int, grace: float = 20.0) -> None:
    """SIGTERM the server's process group (it was started in its own session), then SIGKILL."""
    try:
        target = os.getpgid(pid)
        kill = os.killpg if target == pid else os.kill
        kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.2)
    try:
        kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5.0  # reap it, so no zombie lingers under our pid
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
        stat = Path(f"/proc/{pid}/stat").read_text()
    except ProcessLookupError:
        return False
    except OSError:  # no /proc: the pid answered, so it is alive
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def stop_server() -> str:
    """Stop the recorded server, and only it; say what happened."""
    info = read_state()
    if info is None:
        return "no Germinate-started Prefect server is recorded; nothing to stop"
    if not is_ours(info):
        _clear_state(info.pid)
        return (f"the recorded server (pid {info.pid}) is no longer running or that pid now belongs to "
                "another process; left it alone and removed the stale record")
    _terminate(info.pid)
    _clear_state(info.pid)
    return f"stopped the Prefect server (pid {info.pid}) at {info.url}"


def server_status() -> str:
    """One line: running (url, pid) or not."""
    info = read_state()
    if info is None:
        return "no Germinate-started Prefect server is recorded"
    if not is_ours(info):
        return f"not running (stale record for pid {info.pid})"
    health = "healthy" if is_healthy(info.api_url) else "not answering /api/health"
    return f"running at {info.url} (api {info.api_url}, pid {info.pid}, {health}); log {info.log}"


def ensure_server(background: bool = True, port: int | None = None, timeout: float = 180.0) -> str:
    """The API URL of a healthy Germinate-started server, starting one if needed.

    With ``background=False`` a server started here is stopped when this process exits.
    """
    info, reused = start_server(port, timeout=timeout)
    if not background and not reused:
        atexit.register(stop_server)
    return info.api_url


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def wait_foreground(info: ServerInfo) -> int:
    """Block until the server exits, Ctrl-C or SIGTERM; then stop it and clear the record."""
    previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` must not orphan the server
    try:
        while _alive(info.pid):
            time.sleep(1.0)
        print(f"the Prefect server exited; see its log {info.log}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        _terminate(info.pid)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        _clear_state(info.pid)
