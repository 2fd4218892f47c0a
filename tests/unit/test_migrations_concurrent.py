"""Several processes opening one fresh database at the same moment (two ``germinate run`` started
together) all get a migrated store: the migration runs once, the others wait and find it done.
SQLite serialises them with its write lock; PostgreSQL needs a lock of its own."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

OPEN_AT = """
import sys, time
from germinate.store import Store
at = float(sys.argv[2])
time.sleep(max(0.0, at - time.time()))
store = Store.open(sys.argv[1])
from sqlalchemy import text
with store.session() as s:
    print(s.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
"""
ROOT = Path(__file__).resolve().parents[2]


def test_processes_migrating_one_fresh_database_at_once_all_succeed(database_url: str, pg_cluster) -> None:  # type: ignore[no-untyped-def]
    from germinate.migrations import head_revision

    urls = [database_url] + ([str(pg_cluster.new_database()) for _ in range(2)]
                             if database_url.startswith("postgresql") else [])
    for url in urls:
        at = time.time() + 4.0  # every process is imported and waiting by then
        procs = [subprocess.Popen([sys.executable, "-c", OPEN_AT, url, str(at)], cwd=ROOT, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
        outs = [p.communicate(timeout=120) for p in procs]
        for proc, (out, err) in zip(procs, outs, strict=True):
            assert proc.returncode == 0, err
            assert out.strip() == head_revision(), out + err
