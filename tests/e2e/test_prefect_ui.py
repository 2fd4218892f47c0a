"""The Prefect UI in a real browser (Debian's chromium driven by Playwright), as a person uses it.

Two cycles run from shells with ``germinate run`` against a real ``prefect server start``: one a
gate rejects, one that pauses for a person (a security-critical path). In the UI: the runs list
shows each outcome by name; the approval form refuses a submission without an action; choosing
an action and a name and submitting resumes the paused run, which lands. Nothing is saved to disk.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import PrefectServer, clean_env

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no {CHROMIUM} (apt-get install chromium)"),
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
]


@pytest.fixture
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from examples.demo import make_target

    monkeypatch.setenv("GERMINATE_HOME", str(tmp_path / "scratch-home"))
    return make_target(tmp_path / "minicalc")


def shell(server: PrefectServer) -> dict[str, str]:
    """A fresh shell that found Germinate's server (no PREFECT_API_URL), replaying the demo's model."""
    return clean_env(server.home, GERMINATE_TARGET_VENV=sys.prefix, GERMINATE_APPROVAL_POLL_SECONDS="1")


def germinate_run(server: PrefectServer, repo: Path, ticket: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "germinate.cli", "run", str(repo), "--ticket", ticket],
                            env=shell(server), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def paused_run(api: httpx.Client, ticket: str, proc: subprocess.Popen[str], timeout: float = 240) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[0]
        runs = api.post("/flow_runs/filter", json={"flow_runs": {"state": {"type": {"any_": ["PAUSED"]}}}}).json()
        for run in runs:
            if run["name"].endswith(ticket) and run["state"]["state_details"].get("run_input_keyset"):
                return str(run["id"])
        time.sleep(1)
    raise AssertionError(f"no paused cycle for {ticket} within {timeout:.0f} s")


def test_runs_list_outcomes_and_the_approval_form(prefect_server: PrefectServer, target: Path) -> None:
    from playwright.sync_api import sync_playwright

    rejected = germinate_run(prefect_server, target, "epic-live-rates")
    assert rejected.wait(timeout=300) == 0, rejected.communicate()[0]
    waiting = germinate_run(prefect_server, target, "epic-power-operator")
    api = httpx.Client(base_url=prefect_server.api_url, timeout=30)
    try:
        run_id = paused_run(api, "epic-power-operator", waiting)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{prefect_server.url}/runs", wait_until="networkidle")
                runs_list = page.locator("body")
                runs_list.get_by_text("epic-live-rates").first.wait_for(timeout=60_000)
                text = runs_list.inner_text()
                assert re.search(r"cycle-minicalc@\w+-epic-live-rates", text)
                assert "Rejected" in text and "outcome:rejected" in text and "Paused" in text

                page.goto(f"{prefect_server.url}/runs/flow-run/{run_id}", wait_until="networkidle")
                page.get_by_role("button", name="Resume").click()
                form = page.get_by_role("dialog")
                form.get_by_text("Required, no default").first.wait_for(timeout=60_000)  # the schema loads after the dialog
                assert "started directly, not from a deployment ('germinate run" in form.inner_text()
                form.get_by_role("button", name="Submit").click()  # nothing chosen: refused
                form.get_by_text("'action' is a required property").wait_for(timeout=10_000)
                assert api.get(f"/flow_runs/{run_id}").json()["state"]["type"] == "PAUSED"

                form.locator(".p-select-button__control").first.focus()
                page.keyboard.press("ArrowDown")  # opens the choices
                page.locator(".p-select-option").filter(has_text=re.compile(r"^\s*approve\s*$")).click()
                form.locator(".schema-form-property").filter(has_text="Your name").locator("textarea").fill("ui-person")
                form.get_by_role("button", name="Submit").click()

                assert waiting.wait(timeout=300) == 0
                out = waiting.communicate()[0]
                assert "merged (approved by ui-person)" in out, out
                page.goto(f"{prefect_server.url}/runs", wait_until="networkidle")
                page.get_by_text("Merged").first.wait_for(timeout=60_000)
            finally:
                browser.close()
    finally:
        if waiting.poll() is None:
            waiting.kill()
            waiting.wait()
    state = api.get(f"/flow_runs/{run_id}").json()["state"]
    assert (state["type"], state["name"]) == ("COMPLETED", "Merged")
