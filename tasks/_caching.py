"""How stage results are cached and persisted: by content, under the germinate home.

A cache key is the SHA-256 of the task's source, the target's identity (its path and remote:
two clones share commit SHAs, never results) and the content that determines its result
(commit SHAs, seed hash, ticket and plan hashes, round numbers), so a run killed and started
again finds every completed stage's result and repeats no paid model call for it.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from prefect.context import TaskRunContext
from prefect.filesystems import LocalFileSystem
from prefect.utilities.annotations import opaque

from germinate.errors import GerminateError
from germinate.home import germinate_home
from germinate.models import ComplexityReport, CoverageReport, Evaluation, Snapshot
from germinate.seed import LoadedSeed

KeyParts = Callable[[dict[str, Any]], list[object]]


@cache
def _source_hash(fn: Callable[..., Any]) -> str:
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        source = getattr(fn, "__qualname__", repr(fn))
    return hashlib.sha256(source.encode()).hexdigest()


def _part(value: object) -> str:
    content_hash = getattr(value, "content_hash", None)
    if callable(content_hash):
        return str(content_hash())
    return str(value)


@cache
def target_identity(repo: str) -> str:
    """Which repository a result belongs to: its resolved path and its ``origin`` remote.

    Two clones share commit SHAs; a result cached for one (it names that clone's worktree)
    must never be served to the other."""
    from germinate.workspace import run_git

    path = Path(repo).expanduser().resolve()
    try:
        origin = run_git(path, "config", "--get", "remote.origin.url", check=False).strip()
    except Exception:  # noqa: BLE001 - not a repository (yet): the path alone identifies it
        origin = ""
    return f"{path}\0{origin}"


def content_key(parts: KeyParts) -> Callable[[TaskRunContext, dict[str, Any]], str]:
    """A ``cache_key_fn``: task source + the target's identity + the content ``parts(parameters)`` names."""

    def key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
        digest = hashlib.sha256(_source_hash(context.task.fn).encode())
        if parameters.get("repo"):
            digest.update(b"\0" + target_identity(str(parameters["repo"])).encode())
        for value in parts(parameters):
            digest.update(b"\0" + _part(value).encode())
        return f"{context.task.name}-{digest.hexdigest()[:40]}"

    return key


def results_dir() -> Path:
    """Where persisted task results live: ``$GERMINATE_HOME/results``."""
    path = germinate_home() / "results"
    path.mkdir(parents=True, exist_ok=True)
    return path


_SAVED: dict[tuple[str, str], LocalFileSystem] = {}


def result_storage() -> LocalFileSystem:
    """The result storage block (a local folder under the germinate home), saved on first use.

    Prefect wants result storage persisted server-side (so workers find it too): the block is
    named after the folder and saved once per process and API. The saved block itself is
    returned, not its slug: given a slug, Prefect loads the block from the API on every task
    run (a round trip per stage).
    """
    from prefect.settings import PREFECT_API_URL

    folder = str(results_dir())
    key = (folder, str(PREFECT_API_URL.value()))
    if key not in _SAVED:
        name = "germinate-results-" + hashlib.sha256(folder.encode()).hexdigest()[:12]
        block = LocalFileSystem(basepath=folder)
        block.save(name, overwrite=True)
        _SAVED[key] = block
    return _SAVED[key]


# Stage inputs Prefect should not walk: a Snapshot or an Evaluation holds the covered and
# missed lines of every file, a LoadedSeed the whole seed. Prefect visits every task
# argument recursively twice per task run (to find upstream futures and to resolve them);
# on a 40-module target that was ~4 s per cycle. As ``opaque`` they are still resolved and
# still linked to the task run that returned them (the run graph keeps its edges); only
# their contents, which hold no futures, are not walked.
OPAQUE_TYPES: tuple[type, ...] = (Snapshot, Evaluation, CoverageReport, ComplexityReport, LoadedSeed)


def _lean(value: Any) -> Any:
    return opaque(value) if isinstance(value, OPAQUE_TYPES) else value


class LeanTask:
    """Calls ``task`` with its big model arguments marked ``opaque`` (see ``OPAQUE_TYPES``)."""

    def __init__(self, task: Any):
        self.task = task

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.task(*map(_lean, args), **{k: _lean(v) for k, v in kwargs.items()})

    def __getattr__(self, name: str) -> Any:
        return getattr(self.task, name)


def lean(task: Any) -> LeanTask:
    """``task``, called without Prefect walking its big model arguments."""
    return LeanTask(task)


def persisted(task: Any) -> LeanTask:
    """``task`` with its results persisted under the current germinate home (and called lean)."""
    return lean(task.with_options(result_storage=result_storage(), persist_result=True))


class HandledErrorsWithoutTraceback(logging.Filter):
    """Prefect logs every failed task run with its traceback. A ``GerminateError`` (a budget, a
    model that did not answer, a refused write) is an outcome the cycle handles and reports
    with its reason and fix: it is logged as that one line, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], GerminateError):
            record.exc_info, record.exc_text = None, None
        return True


def quiet_handled_errors() -> None:
    """Install the filter on Prefect's task-run and flow-run loggers (once)."""
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, HandledErrorsWithoutTraceback) for f in logger.filters):
            logger.addFilter(HandledErrorsWithoutTraceback())


quiet_handled_errors()
