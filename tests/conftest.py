"""Session-wide test setup: isolated state, no network, heavy harnesses paid once."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from germinate.store import Store

# Set before anything imports Prefect or litellm.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["GIT_TERMINAL_PROMPT"] = "0"
os.environ.setdefault("GIT_AUTHOR_NAME", "Germinate Tests")
os.environ.setdefault("GIT_AUTHOR_EMAIL", "tests@germinate.invalid")
os.environ.setdefault("GIT_COMMITTER_NAME", "Germinate Tests")
os.environ.setdefault("GIT_COMMITTER_EMAIL", "tests@germinate.invalid")
for _key in ("GERMINATE_MODEL", "GERMINATE_DATABASE_URL", "GERMINATE_GITHUB_TOKEN", "OPENAI_API_KEY"):
    os.environ.pop(_key, None)

# Prefect binds its console log handlers to the sys.stderr it sees when first configured. If
# that first import happened inside a test using ``capsys``, later tests would log to a closed
# stream ("I/O operation on closed file"). Importing it here, once, makes the order irrelevant.
import prefect  # noqa: E402,F401

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def germinate_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own GERMINATE_HOME: state never leaks between tests or to ~/."""
    home = tmp_path / "germinate-home"
    monkeypatch.setenv("GERMINATE_HOME", str(home))
    return home


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def make_repo(path: Path, files: dict[str, str], message: str = "initial") -> Path:
    """A real git repository at ``path`` with ``files`` committed on ``main``."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    for rel, text in files.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", message)
    return path


@pytest.fixture
def repo_factory(tmp_path: Path) -> Iterator:
    """Build real git repositories: ``repo_factory({"pkg/a.py": "..."})``."""
    counter = iter(range(1000))

    def build(files: dict[str, str], name: str | None = None) -> Path:
        return make_repo(tmp_path / (name or f"repo{next(counter)}"), files)

    yield build


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator:
    """One throwaway PostgreSQL cluster per session (skips with the reason when impossible)."""
    from tests.postgres import PostgresCluster

    cluster = PostgresCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:  # type: ignore[no-untyped-def]
    """A fresh, empty PostgreSQL database in the session's cluster."""
    return str(pg_cluster.new_database())


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A fresh SQLite store in the test's folder (a test file may define its own ``store``)."""
    from germinate.store import Store

    return Store.open(url=f"sqlite:///{tmp_path / 'state.db'}")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test runs twice: on a SQLite file, then on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """The test runs twice: with the project's own SQLite store (no variable), then with
    ``GERMINATE_DATABASE_URL`` naming a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return {}
    return {"GERMINATE_DATABASE_URL": str(request.getfixturevalue("pg_url"))}


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test server for the whole session (~15-20 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def clean_env(germinate_home: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh shell: no Prefect settings, no keys; this venv's commands on PATH."""
    import sys

    home = germinate_home.parent / "user-home"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),  # so ~/.prefect (profiles) is empty too
        "LANG": "C.UTF-8",
        "GERMINATE_HOME": str(germinate_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "GIT_TERMINAL_PROMPT": "0",
        **{k: v for k, v in os.environ.items() if k.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_"))},
    }
    env.update(extra)
    return env


class PrefectServer:
    """A real ``prefect server start`` started the way users start it: ``germinate server --background``."""

    def __init__(self, home: Path, api_url: str) -> None:
        self.home = home  # the GERMINATE_HOME it belongs to
        self.api_url = api_url
        self.url = api_url.removesuffix("/api")


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """One real Prefect server (with its UI and scheduler) for the session (~10-20 s to start)."""
    import json
    import sys

    home = tmp_path_factory.mktemp("server") / "germinate-home"
    # the scheduler looks for due schedules every 5 s instead of 60 (the schedule test waits for it)
    env = clean_env(home, PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5")
    command = [sys.executable, "-m", "germinate.cli", "server"]
    started = subprocess.run([*command, "--background", "--port", "0", "--timeout", "300"], env=env,
                             capture_output=True, text=True)
    assert started.returncode == 0, started.stdout + started.stderr
    info = json.loads((home / "server.json").read_text())
    try:
        yield PrefectServer(home, info["api_url"])
    finally:
        subprocess.run([*command, "--stop"], env=env, capture_output=True, text=True)
