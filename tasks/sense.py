"""sense: the Snapshot of a commit, as a Prefect task.

Cached by content (commit SHA of ``ref``, seed hash, open tickets, this task's source) with
the result persisted, so a resumed or repeated cycle at the same commit does not re-run the
target's tests. Retries only on I/O failures (disk, network; see ``tasks._retry``); a
deterministic problem is never retried. Publishes a metrics table artifact and a markdown
artifact of hot spots.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from germinate.models import Snapshot, Ticket
from germinate.seed import LoadedSeed
from germinate.workspace import head_sha
from tasks._caching import content_key
from tasks._retry import retry_on_io


def _sense_key(p: dict[str, Any]) -> list[object]:
    tickets = p.get("open_tickets") or []
    return [head_sha(p["repo"], p.get("ref") or "HEAD"), p["loaded"].sha256, *tickets]


def artifact_key(kind: str, project: str) -> str:
    """Artifact keys may only hold lowercase letters, digits and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", project.lower()).strip("-") or "project"
    return f"sense-{kind}-{slug}"[:100]


@task(name="sense", task_run_name="sense-{ref}", cache_key_fn=content_key(_sense_key), persist_result=True,
      retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=retry_on_io)
def sense(repo: str, loaded: LoadedSeed, ref: str = "HEAD", open_tickets: list[Ticket] | None = None) -> Snapshot:
    """Measure ``ref`` of ``repo`` (tests under coverage, radon, git, scout) into a Snapshot."""
    from germinate.metrics import take_snapshot
    from germinate.metrics.report import hot_spots_markdown, metrics_table

    snapshot = take_snapshot(Path(repo), loaded, ref=ref, open_tickets=list(open_tickets or []))
    project = loaded.seed.project.name
    create_table_artifact(table=metrics_table(snapshot), key=artifact_key("metrics", project),
                          description=f"Metrics of {project} at {snapshot.commit[:12]}")
    create_markdown_artifact(markdown=hot_spots_markdown(snapshot), key=artifact_key("hot-spots", project),
                             description=f"Hot spots of {project} at {snapshot.commit[:12]}")
    return snapshot
