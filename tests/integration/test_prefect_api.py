"""One resolved Prefect API, driven from fresh shells against a real ``prefect server start``.

Every command (``approve`` here; ``run``/``deploy`` share the resolution) talks to the
PREFECT_API_URL or profile the user configured, else to Germinate's own server, and never
falls into Prefect's temporary server. The README's ``prefect deployment run`` line works in
a fresh shell with the export ``germinate deploy`` prints.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PrefectServer, clean_env

GERMINATE = [sys.executable, "-m", "germinate.cli"]


def germinate(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GERMINATE, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def pending_run(prefect_server: PrefectServer) -> str:
    """A flow run on the server that is not paused (created through the REST API)."""
    api = httpx.Client(base_url=prefect_server.api_url, timeout=30)
    flow = api.post("/flows/", json={"name": "api-resolution-probe"}).json()
    run = api.post("/flow_runs/", json={"flow_id": flow["id"], "name": "probe"}).json()
    return str(run["id"])


def assert_found_on_server(done: subprocess.CompletedProcess[str], run_id: str) -> None:
    # "not paused" can only come from the server that holds the run; a temporary server says "no flow run"
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"flow run {run_id} is not paused" in done.stderr, done.stderr


def test_explicit_prefect_api_url_is_used(prefect_server: PrefectServer, pending_run: str, tmp_path: Path) -> None:
    env = clean_env(tmp_path / "home", PREFECT_API_URL=prefect_server.api_url)
    assert_found_on_server(germinate(env, "approve", pending_run), pending_run)


def test_germinates_own_server_is_used_without_any_setting(prefect_server: PrefectServer, pending_run: str) -> None:
    env = clean_env(prefect_server.home)  # the GERMINATE_HOME whose server runs; no PREFECT_API_URL
    assert_found_on_server(germinate(env, "approve", pending_run), pending_run)


def test_active_prefect_profile_is_used(prefect_server: PrefectServer, pending_run: str, tmp_path: Path) -> None:
    env = clean_env(tmp_path / "home")
    profiles = Path(env["HOME"]) / ".prefect" / "profiles.toml"
    profiles.parent.mkdir(parents=True)
    profiles.write_text(f'active = "mine"\n\n[profiles.mine]\nPREFECT_API_URL = "{prefect_server.api_url}"\n')
    assert_found_on_server(germinate(env, "approve", pending_run), pending_run)


def test_no_api_and_no_server_is_a_clear_error_not_a_temporary_server(tmp_path: Path) -> None:
    env = clean_env(tmp_path / "home")
    done = germinate(env, "approve", str(uuid.uuid4()))
    assert done.returncode == 1
    assert "no Prefect API to reach" in done.stderr and "Fix:" in done.stderr
    assert "ephemeral" not in done.stderr.lower()
    assert not (tmp_path / "home" / "server.json").exists()  # approve starts nothing


def test_unreachable_configured_api_is_not_replaced(tmp_path: Path) -> None:
    env = clean_env(tmp_path / "home", PREFECT_API_URL="http://127.0.0.1:9/api")
    done = germinate(env, "approve", str(uuid.uuid4()))
    assert done.returncode != 0
    assert "127.0.0.1:9" in done.stderr + done.stdout
    assert not (tmp_path / "home" / "server.json").exists()


@pytest.fixture
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from examples.demo import make_target

    monkeypatch.setenv("GERMINATE_HOME", str(tmp_path / "scratch-home"))
    return make_target(tmp_path / "minicalc")


@pytest.fixture
def served(prefect_server: PrefectServer, target: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """``germinate deploy TARGET`` serving on Germinate's server (found, not configured)."""
    env = clean_env(prefect_server.home, PREFECT_RUNNER_POLL_FREQUENCY="2")
    proc = subprocess.Popen([*GERMINATE, "deploy", str(target)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        yield proc, lines
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _read_until(proc: subprocess.Popen[str], lines: list[str], pattern: str, timeout: float = 120) -> re.Match[str]:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        lines.append(line)
        if found := re.search(pattern, line):
            return found
    raise AssertionError(f"no {pattern!r} in the output of germinate deploy:\n{''.join(lines)}")


@pytest.mark.slow
def test_readme_deployment_run_works_in_a_fresh_shell(prefect_server: PrefectServer, served, target: Path,
                                                      tmp_path: Path) -> None:
    proc, lines = served
    export = _read_until(proc, lines, r"export PREFECT_API_URL=(\S+)")
    assert export.group(1) == prefect_server.api_url
    command = _read_until(proc, lines, r"(prefect deployment run 'grow/scheduled' --param repo=\S+)").group(1)
    api = httpx.Client(base_url=prefect_server.api_url, timeout=30)
    deadline = time.monotonic() + 120
    while api.get("/deployments/name/grow/scheduled").status_code != 200:
        assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
        time.sleep(1)
    shell = clean_env(tmp_path / "fresh-shell-home")  # a new shell: only what the user exports
    done = subprocess.run(["bash", "-c", f"{export.group(0)}\n{command}"], env=shell, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", done.stdout)
    assert run_id, done.stdout
    run = api.get(f"/flow_runs/{run_id.group(1)}").json()
    assert run["parameters"] == {"repo": str(target)}


@pytest.mark.slow
def test_webhook_serve_from_a_shell(prefect_server: PrefectServer, target: Path, tmp_path: Path) -> None:
    """`germinate webhook serve`: on Germinate's server, answers a signed ping, refuses a
    type-confused issue event with 400, a missing deployment with 503, and stops on SIGTERM."""
    import hashlib
    import hmac
    import json

    env = clean_env(prefect_server.home, GERMINATE_WEBHOOK_SECRET="s3cret")
    proc = subprocess.Popen([*GERMINATE, "webhook", "serve", "--repo", str(target), "--port", "0",
                             "--deployment", "growth-cycle/not-served"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        url = _read_until(proc, lines, r"listening on (http://\S+/) .* at (\S+)")
        assert url.group(2) == prefect_server.api_url

        def post(event: str, payload: object, delivery: str) -> httpx.Response:
            body = json.dumps(payload).encode()
            sig = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
            return httpx.post(url.group(1), content=body, timeout=30, headers={
                "X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": sig})

        assert post("ping", {"zen": "hi"}, "d1").json() == {"status": "pong"}
        confused = post("issues", {"action": "opened", "issue": "local-1"}, "d2")
        assert confused.status_code == 400 and "'issue' must be an object" in confused.json()["error"]
        assert main_ticket_new(env, target).returncode == 0
        missing = post("issues", {"action": "labeled", "issue": {"labels": [{"name": "ai-task"}]}}, "d3")
        assert missing.status_code == 503, missing.text
        assert "no deployment 'growth-cycle/not-served'" in missing.json()["error"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, "".join(lines) + out


def main_ticket_new(env: dict[str, str], repo: Path) -> subprocess.CompletedProcess[str]:
    return germinate(env, "ticket", "new", "Add a --json flag", "--repo", str(repo))
