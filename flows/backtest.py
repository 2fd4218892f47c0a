"""Backtest: replay a repository's own past commits as tickets and score what lands.

Why a flow: each ticket is a full growth cycle (a subflow, visible in the UI with its plan,
progress and cycle report), and the result is a Prefect artifact a team compares run by run.
The user's repository is only read: every cycle runs in a scratch clone under the Germinate
home, from the commit's parent, with the commit's test changes held out and run afterwards.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from pydantic import Field

from germinate.backtest import BacktestRun, PastCommit, pick_commits
from germinate.backtest.links import LinkedText, open_linked_text
from germinate.backtest.oracle import oracle_blocks
from germinate.backtest.replay import hidden_tests, score
from germinate.backtest.score import TicketScore, markdown, new_run_id, previous_run, save
from germinate.backtest.scratch import (
    oracle_kind,
    oracle_transcript,
    prepare,
    scratch_path,
    ticket_id,
)
from germinate.seed import growth_seed
from germinate.workspace import repo_root

REPO = Field(..., description="The repository whose history is replayed (only read: cloned).")
COMMITS = Field(5, description="How many past commits to replay (newest first that qualify).")
ORACLE = Field(False, description="Answer with the true commits (offline, no key): the gates' false "
               "positives on human changes and the pipeline's overhead.")
SEED = Field(None, description="A seed.yaml to judge with (default: the repository's, else germinate init's).")
LABEL = Field("", description="A name for this run in the comparison (e.g. the model or the seed).")
REF = Field("HEAD", description="Where in the history to start looking back from.")


@contextmanager
def _models(model: str | None) -> Iterator[None]:
    """In oracle mode every role answers from the transcript, whatever GERMINATE_MODEL* say."""
    if model is None:
        yield
        return
    saved = {k: v for k, v in os.environ.items() if k.startswith("GERMINATE_MODEL")}
    for key in saved:
        del os.environ[key]
    os.environ["GERMINATE_MODEL"] = model
    try:
        yield
    finally:
        del os.environ["GERMINATE_MODEL"]
        os.environ.update(saved)


def _replay(source: Path, commit: PastCommit, *, oracle: bool, seed_file: Path | None,
            links: LinkedText | None) -> TicketScore:
    from flows.growth_cycle import growth_cycle
    from germinate.home import germinate_home

    model, kind = None, ""
    if oracle:
        transcript = germinate_home() / "backtest" / "transcripts" / f"{commit.sha}.yaml"
        answer, kind = oracle_blocks(source, commit), oracle_kind(source, commit)
        model = f"scripted/{oracle_transcript(transcript, commit, answer, kind)}"
    linked, records = links.for_commit(f"{commit.subject}\n\n{commit.body}") if links else ("", [])
    scratch = prepare(source, commit, seed_file=seed_file, model=model, linked=linked)
    started = time.monotonic()
    with _models(model):
        report = growth_cycle(repo=str(scratch), ticket_id=ticket_id(commit))
    seconds = time.monotonic() - started
    head = report.decision.head_sha if report.decision else ""
    hidden = hidden_tests(source, scratch, growth_seed(scratch), commit, head)
    return score(commit, report, seconds, hidden, scratch).model_copy(update={"kind": kind, "linked": records})


@flow(name="backtest", log_prints=True)
def backtest(repo: str = REPO, commits: int = COMMITS, oracle: bool = ORACLE,  # type: ignore[assignment]
             seed: str | None = SEED, label: str = LABEL, ref: str = REF) -> BacktestRun:  # type: ignore[assignment]
    """Replay ``commits`` past commits of ``repo`` as tickets; score, store and report them."""
    source = repo_root(Path(repo).expanduser())
    seed_file = Path(seed).expanduser().resolve() if seed else None
    budget = _change_budget(source, seed_file)
    picked = pick_commits(source, ref, commits, max_lines=budget[0], max_files=budget[1])
    logger = get_run_logger()
    logger.info("Replaying %d commit(s) of %s in %s", len(picked), source, scratch_path(source))
    links = open_linked_text(source, seed_file)
    if links is not None and links.reason:
        logger.warning("Linked issues will not be fetched: %s", links.reason)
    scores = []
    for commit in picked:
        scores.append(_replay(source, commit, oracle=oracle, seed_file=seed_file, links=links))
        logger.info("%s %s: %s, hidden tests %s", commit.sha[:10], commit.subject[:60], scores[-1].outcome,
                    scores[-1].hidden_tests)
    run = BacktestRun(run_id=new_run_id(), project=source.name, repo=str(source), label=label,
                      model="oracle" if oracle else os.environ.get("GERMINATE_MODEL", ""), oracle=oracle,
                      started_at=datetime.now(UTC), tickets=scores)
    path = save(run)
    report = markdown(run, previous_run(run))
    path.with_suffix(".md").write_text(report, encoding="utf-8")
    create_markdown_artifact(report, key=f"backtest-{_slug(source.name)}", description=f"backtest of {source.name}")
    return run


def _change_budget(source: Path, seed_file: Path | None) -> tuple[int, int]:
    """The change budget commits must fit: the given seed's, the repository's, or the defaults."""
    from germinate.seed import ChangeBudget, load_seed

    path = seed_file or (source / "seed.yaml")
    budget = load_seed(path).seed.execution.change_budget if path.is_file() else ChangeBudget.model_validate({})
    return budget.max_lines_changed, budget.max_files_touched


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "repo"
