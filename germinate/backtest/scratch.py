"""The scratch repository a backtest ticket runs in: a clone of the user's, never the user's.

The clone lives under the Germinate home. For each commit its ``backtest`` branch is put at
the commit's parent, with one more commit on top: the seed (the user's, ``--seed``, or one
``germinate init`` writes for the parent's tree) whose only roadmap epic is the commit's
message, auto-merge allowed inside the scratch clone, and checkpoints that time out at once
(a change that would wait for a person is counted, not waited for).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from germinate.backtest.history import PastCommit
from germinate.errors import ConfigError
from germinate.workspace import run_git

BRANCH = "backtest"
CHECKPOINT_MINUTES = 0.02  # about a second: "needs a person" is an outcome, not a wait


def scratch_path(source: Path) -> Path:
    """Where the scratch clone of ``source`` lives (one per source repository)."""
    from germinate.home import germinate_home

    digest = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:10]
    return germinate_home() / "backtest" / f"{source.resolve().name}-{digest}"


def ticket_id(commit: PastCommit) -> str:
    return f"epic-bt-{commit.sha[:10]}"


def base_seed(scratch: Path, seed_file: Path | None) -> dict[str, Any]:
    """The seed to start from: ``seed_file``, the parent's own ``seed.yaml``, or ``germinate init``'s."""
    from germinate.seed.init import inspect_repo, render_seed

    if seed_file is not None:
        text = seed_file.read_text(encoding="utf-8")
    elif (scratch / "seed.yaml").is_file():
        text = (scratch / "seed.yaml").read_text(encoding="utf-8")
    else:
        text = render_seed(inspect_repo(scratch))
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ConfigError(f"the seed for the backtest is not a mapping ({seed_file or 'seed.yaml'})")
    return data


def ticket_seed(data: dict[str, Any], commit: PastCommit, model: str | None, linked: str = "") -> dict[str, Any]:
    """``data`` with the commit's ticket as its one epic (its message, then the ``linked``
    issues' quoted text), landing allowed in the scratch clone."""
    seed = {**data}
    project = dict(seed.get("project") or {})
    project["repo"] = {**(project.get("repo") or {}), "default_branch": BRANCH}
    seed["project"] = project
    growth = dict(seed.get("growth_objectives") or {})
    growth["roadmap_epics"] = [{
        "id": ticket_id(commit).removeprefix("epic-"), "title": commit.subject or commit.sha[:10],
        "description": "\n\n".join(p for p in (commit.body, linked) if p), "modules": commit.code_files, "acceptance": [commit.subject],
        "priority": 1,
    }]
    seed["growth_objectives"] = growth
    contract = dict(seed.get("automation_contract") or {})
    contract["merge_policy"] = {**(contract.get("merge_policy") or {}), "allow_auto_merge": True,
                                "require_human_review_from": []}
    seed["automation_contract"] = contract
    seed["checkpoints"] = {**(seed.get("checkpoints") or {}), "approval_timeout_minutes": CHECKPOINT_MINUTES}
    if model is not None:
        seed["models"] = {**(seed.get("models") or {}), "default": model, "fallbacks": []}
    seed.pop("forge", None)  # the scratch clone has no forge: local tickets only
    return seed


def prepare(source: Path, commit: PastCommit, *, seed_file: Path | None, model: str | None,
            linked: str = "") -> Path:
    """The scratch clone (Germinate's own working copy, never the user's repository) with
    ``backtest`` at the commit's parent plus the ticket's seed commit."""
    worktree = scratch_path(source)
    if not (worktree / ".git").exists():
        worktree.parent.mkdir(parents=True, exist_ok=True)
        run_git(worktree.parent, "clone", "-q", "--no-hardlinks", str(source), str(worktree))
    else:
        run_git(worktree, "fetch", "-q", str(source), commit.sha)
    run_git(worktree, "checkout", "-q", "-f", "-B", BRANCH, commit.parent)
    run_git(worktree, "clean", "-q", "-fdx")
    seed = ticket_seed(base_seed(worktree, seed_file), commit, model, linked)
    (worktree / "seed.yaml").write_text(yaml.safe_dump(seed, sort_keys=False), encoding="utf-8")
    run_git(worktree, "add", "seed.yaml")
    run_git(worktree, "-c", "user.name=germinate-backtest", "-c", "user.email=backtest@germinate.invalid",
            "commit", "-q", "--no-verify", "-m", f"backtest: seed for {commit.sha[:10]}")
    return worktree


def oracle_kind(source: Path, commit: PastCommit) -> str:
    """The kind the oracle's plan gives the commit, read from its diff (``germinate.backtest.kind``):
    ``tests``, ``docs`` or ``refactor`` when no product code changed beyond layout and docstrings,
    ``feature`` (which owes a FAIL_TO_PASS test) when a public interface changed, else ``refactor``."""
    from germinate.backtest.kind import commit_kind

    return commit_kind(source, commit)


def oracle_transcript(dest: Path, commit: PastCommit, answer: str, kind: str) -> Path:
    """A scripted transcript whose architect plans a ``kind`` change and whose implementer
    answers with ``answer`` (the true commit)."""
    plan = {"summary": commit.subject or commit.sha, "acceptance_criteria": [commit.subject or "as the commit"],
            "scope": commit.files, "tests_to_add": commit.test_files, "risks": [], "kind": kind}
    approve = {"verdict": "approve", "summary": "oracle", "comments": [],
               "rubric": {"correctness": 5, "tests": 5, "style": 5, "design": 5, "security": 5}}
    responses = {
        "architect": [{"content": plan, "repeat": True}],
        "tester": [{"content": "The implementer sends the whole change.", "repeat": True}],
        "implementer": [{"content": answer},
                        {"content": "This is the change as it was made; nothing to add.", "repeat": True}],
        "reviewer": [{"content": approve, "repeat": True}],
        "maintainer": [{"content": "oracle run", "repeat": True}],
    }
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(yaml.safe_dump({"version": 1, "description": f"oracle for {commit.sha}",
                                    "responses": responses}, sort_keys=False), encoding="utf-8")
    return dest
