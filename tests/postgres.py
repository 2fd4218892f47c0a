"""A throwaway PostgreSQL cluster for the tests (one per session: ``pg_cluster`` in conftest)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine


def free_port() -> int:
    """A loopback port nothing listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresCluster:
    """A throwaway PostgreSQL cluster on a free loopback port, in a temporary folder.

    PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user
    (``runuser``) in a folder that user owns.
    """

    def __init__(self, bin_dir: Path, data: Path, port: int, as_user: list[str]):
        self.bin_dir, self.data, self.port, self.as_user = bin_dir, data, port, as_user
        self._databases = 0

    @classmethod
    def start(cls) -> PostgresCluster:
        initdbs = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                         key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
        if not initdbs:
            pytest.skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); "
                        ".ci/install-system installs it")
        pytest.importorskip("psycopg", reason="psycopg (the dev extra) is needed for PostgreSQL tests")
        as_user: list[str] = []
        root = Path(tempfile.mkdtemp(prefix="germinate-pg-"))
        if os.getuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
            if not shutil.which("runuser"):
                pytest.skip("running as root and 'runuser' is missing; cannot start PostgreSQL")
            os.chown(root, pw.pw_uid, pw.pw_gid)
            as_user = ["runuser", "-u", "postgres", "--"]
        cluster = cls(initdbs[-1].parent, root / "data", free_port(), as_user)
        cluster._run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", "germinate", "--no-sync",
                     "-E", "UTF8")
        options = f"-p {cluster.port} -h 127.0.0.1 -k {root} -F"
        cluster._run("pg_ctl", "-D", str(cluster.data), "-o", options, "-l", str(root / "log"), "-w", "start")
        return cluster

    def _run(self, tool: str, *args: str) -> None:
        proc = subprocess.run([*self.as_user, str(self.bin_dir / tool), *args], capture_output=True,
                              text=True, timeout=120, cwd="/")
        if proc.returncode != 0:
            pytest.fail(f"{tool} failed: {proc.stderr or proc.stdout}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://germinate@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database in the cluster."""
        self._databases += 1
        name = f"test_{self._databases}"
        engine = create_engine(self.url().replace("postgresql://", "postgresql+psycopg://"),
                               isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        engine.dispose()
        return self.url(name)

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                        "-w", "stop"], capture_output=True, timeout=60, cwd="/")
        shutil.rmtree(self.data.parent, ignore_errors=True)
