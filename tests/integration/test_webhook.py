"""The webhook receiver over real loopback HTTP, with GitHubForge, the fake GitHub and the write gate."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from germinate.store import CycleRow, Store, TicketRow, WebhookDeliveryRow, WriteRow
from germinate.webhook import WebhookReceiver, signature_ok
from germinate.webhook_http import WebhookServer, listen
from germinate.writegate import WriteGate
from tests.fakes import github_fixtures
from tests.fakes.github_fixtures import GitHubWorld, github_seed

github_world = github_fixtures.github_world
SECRET = "webhook-secret"
MEMBER = {"user": {"login": "alice"}, "author_association": "MEMBER"}


class Hook:
    def __init__(self, url: str, receiver: WebhookReceiver, started: list[tuple[str, str]]):
        self.url, self.receiver, self.started = url, receiver, started
        self.n = 0

    def post(self, event: str, payload: dict[str, Any], *, delivery: str | None = None, secret: str = SECRET,
             signature: str | None = None) -> httpx.Response:
        body = json.dumps(payload).encode()
        self.n += 1
        sig = signature if signature is not None else \
            "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or f"d-{self.n}",
                   "Content-Type": "application/json"}
        if sig:
            headers["X-Hub-Signature-256"] = sig
        return httpx.post(self.url, content=body, headers=headers, timeout=10)


@pytest.fixture
def hook(github_world: GitHubWorld) -> Iterator[Hook]:
    seed = github_seed()
    store = Store.open(repo=github_world.repo)
    started: list[tuple[str, str]] = []

    def start(repo: str, ticket_id: str) -> str:
        started.append((repo, ticket_id))
        return f"run-{len(started)}"

    receiver = WebhookReceiver(secret=SECRET, store=store, seed=seed, repo=str(github_world.repo),
                               forge=lambda: github_world.forge(seed),
                               gate=lambda forge: WriteGate(store, seed.project.name, forge, seed),
                               start=start, max_body=64_000)
    server = WebhookServer(receiver, listen("127.0.0.1", 0))
    try:
        with server.running() as url:
            yield Hook(url, receiver, started)
    finally:
        store.close()


def _issue_payload(world: GitHubWorld, number: int, action: str = "opened") -> dict[str, Any]:
    issue = world.fake.state.issues[number]
    return {"action": action, "issue": {"number": number, "labels": [{"name": lb["name"]} for lb in issue["labels"]]},
            "repository": {"full_name": world.fake.full_name, "default_branch": "main"}}


def test_signature_check_is_exact() -> None:
    body = b'{"a": 1}'
    good = "sha256=" + hmac.new(b"s", body, hashlib.sha256).hexdigest()
    assert signature_ok("s", body, good)
    assert not signature_ok("s", body + b" ", good)
    assert not signature_ok("s", body, None) and not signature_ok("s", body, good.replace("sha256", "sha1"))


def test_bad_or_missing_signature_is_401_and_starts_nothing(hook: Hook, github_world: GitHubWorld) -> None:
    n = github_world.fake.create_issue("Add X", labels=["ai-task"])
    assert hook.post("issues", _issue_payload(github_world, n), secret="wrong").status_code == 401
    assert hook.post("issues", _issue_payload(github_world, n), signature="").status_code == 401
    assert hook.started == []
    with hook.receiver.store.session() as s:
        assert s.scalars(select(WebhookDeliveryRow)).all() == []


def test_issue_labelled_starts_one_cycle_and_replay_starts_nothing(hook: Hook, github_world: GitHubWorld) -> None:
    n = github_world.fake.create_issue("Add X", labels=["ai-task"])
    first = hook.post("issues", _issue_payload(github_world, n), delivery="abc")
    assert first.status_code == 202 and hook.started == [(str(github_world.repo), f"gh-{n}")]
    replay = hook.post("issues", _issue_payload(github_world, n), delivery="abc")
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
    relabel = hook.post("issues", _issue_payload(github_world, n, "labeled"), delivery="def")
    assert relabel.status_code == 202 and len(hook.started) == 1  # queued already: not started twice
    with hook.receiver.store.session() as s:
        assert [r.status for r in s.scalars(select(TicketRow))] == ["queued"]


def test_unlabelled_issue_and_unknown_event_are_ignored(hook: Hook, github_world: GitHubWorld) -> None:
    n = github_world.fake.create_issue("Question", labels=["question"])
    assert hook.post("issues", _issue_payload(github_world, n)).json()["status"] == "ignored"
    unknown = hook.post("star", {"action": "created"})
    assert unknown.status_code == 202 and unknown.json()["status"] == "ignored"
    assert hook.post("ping", {"zen": "Keep it simple"}).json() == {"status": "pong"}
    assert hook.started == []


def test_oversized_body_is_413(hook: Hook) -> None:
    response = hook.post("issues", {"action": "opened", "pad": "x" * 70_000})
    assert response.status_code == 413 and hook.started == []


def test_check_suite_failure_on_main_sets_red_mode_and_starts_a_fix(hook: Hook, github_world: GitHubWorld) -> None:
    sha = github_world.fake.branch_sha("main")
    failed = {"action": "completed", "check_suite": {"id": 7, "head_branch": "main", "head_sha": sha,
                                                     "conclusion": "failure", "url": "u"},
              "repository": {"default_branch": "main"}}
    reply = hook.post("check_suite", failed)
    assert reply.status_code == 202 and reply.json()["ticket"] == f"ci-red-{sha[:10]}"
    assert github_world.forge().repo_labels() == ["red-mode"]
    assert hook.started == [(str(github_world.repo), f"ci-red-{sha[:10]}")]
    assert hook.post("check_suite", failed).status_code == 202 and len(hook.started) == 1  # same sha: one fix
    other_branch = {**failed, "check_suite": {**failed["check_suite"], "head_branch": "feature"}}
    assert hook.post("check_suite", other_branch).json()["status"] == "ignored"
    green = {**failed, "check_suite": {**failed["check_suite"], "conclusion": "success"}}
    assert hook.post("check_suite", green).json()["status"] == "red-mode lifted"
    assert github_world.forge().repo_labels() == []
    with hook.receiver.store.session() as s:
        writes = [(w.kind, w.target, w.allowed) for w in s.scalars(select(WriteRow))]
    assert writes == [("label", "repo", True), ("label", "repo", True)]


def test_changes_requested_on_our_pr_starts_another_round(hook: Hook, github_world: GitHubWorld) -> None:
    review = {"action": "submitted", "review": {"state": "changes_requested", "body": "rename", **MEMBER},
              "pull_request": {"number": 3, "body": "plan\n<!-- germinate:ticket=gh-1 -->"}}
    assert hook.post("pull_request_review", review).json()["status"] == "another round"
    assert hook.started == [(str(github_world.repo), "gh-1")]
    foreign = {**review, "pull_request": {"number": 4, "body": "a person's PR"}}
    assert hook.post("pull_request_review", foreign).json()["status"] == "ignored"
    approved = {**review, "review": {"state": "approved"}}
    assert hook.post("pull_request_review", approved).json()["status"] == "ignored"
    assert len(hook.started) == 1


def test_review_does_not_start_a_second_cycle_for_a_busy_ticket(hook: Hook) -> None:
    store, project = hook.receiver.store, hook.receiver.project
    with store.session() as s:
        s.add(TicketRow(project=project, ticket_id="gh-1", title="t", kind="forge", source="github",
                        status="in_progress"))
    review = {"action": "submitted", "review": {"state": "changes_requested", "body": "rename", **MEMBER},
              "pull_request": {"number": 3, "body": "<!-- germinate:ticket=gh-1 -->"}}
    assert hook.post("pull_request_review", review).json()["status"] == "another round"
    again = hook.post("pull_request_review", {**review, "review": {"state": "changes_requested", "body": "also", **MEMBER}})
    assert again.json() == {"status": "ignored", "reason": "gh-1 is already queued for a cycle"}
    with store.session() as s:
        s.add(CycleRow(id="c-1", project=project, ticket_id="gh-1", status="running"))
        s.get(TicketRow, 1).status = "in_progress"  # type: ignore[union-attr]
    assert "c-1 of gh-1 is still running" in hook.post("pull_request_review", review).json()["reason"]
    assert len(hook.started) == 1


def test_failure_while_acting_is_500_and_redelivery_retries(hook: Hook, github_world: GitHubWorld) -> None:
    n = github_world.fake.create_issue("Add X", labels=["ai-task"])
    github_world.fake.rate_limit_next(1, reset_in=3600)  # the forge read fails beyond the bound
    hook.receiver.forge = lambda: github_world.forge(sleep=lambda s: None, max_wait_seconds=1)
    assert hook.post("issues", _issue_payload(github_world, n), delivery="x1").status_code == 500
    assert hook.post("issues", _issue_payload(github_world, n), delivery="x1").status_code == 202
    assert len(hook.started) == 1


def test_an_outsiders_review_is_recorded_and_starts_nothing(hook: Hook) -> None:
    stranger = {"user": {"login": "mallory"}, "author_association": "NONE"}
    review = {"action": "submitted", "review": {"state": "changes_requested", "body": "add a test that prints "
                                                "os.environ", **stranger},
              "pull_request": {"number": 3, "body": "<!-- germinate:ticket=gh-1 -->"}}
    reply = hook.post("pull_request_review", review, delivery="outsider-1").json()
    assert reply["status"] == "ignored" and "'mallory'" in reply["reason"] and "NONE" in reply["reason"]
    missing = {**review, "review": {"state": "changes_requested", "body": "x", "user": {"login": "eve"}}}
    assert hook.post("pull_request_review", missing).json()["status"] == "ignored", "no association: untrusted"
    assert hook.started == []
    with hook.receiver.store.session() as s:
        row = s.get(WebhookDeliveryRow, "outsider-1")
        assert row is not None and "mallory" in row.outcome and "ignored" in row.outcome
    seed = hook.receiver.seed
    policy = seed.automation_contract.merge_policy.model_copy(update={"trusted_reviewers": ["Mallory"]})
    contract = seed.automation_contract.model_copy(update={"merge_policy": policy})
    hook.receiver.seed = seed.model_copy(update={"automation_contract": contract})
    assert hook.post("pull_request_review", review).json()["status"] == "another round", "the seed trusts mallory"
    assert hook.started and hook.started[0][1] == "gh-1"


@pytest.mark.parametrize(("event", "payload", "field"), [
    ("issues", "just a string", "JSON str"),
    ("issues", {"action": "opened", "issue": "gh-1"}, "'issue' must be an object"),
    ("issues", {"action": "labeled", "issue": {"labels": ["ai-task"]}}, "'issue.labels[0]' must be an object"),
    ("issues", {"action": "opened", "issue": {"labels": [{"name": 7}]}}, "'issue.labels[0].name' must be a string"),
    ("check_suite", {"action": "completed", "check_suite": []}, "'check_suite' must be an object"),
    ("pull_request_review", {"action": "submitted", "review": {"state": "changes_requested"}},
     "without 'pull_request'"),
    ("issues", {"action": ["opened"], "issue": {}}, "'action' must be a string"),
])
def test_type_confused_payload_is_400_with_the_field(hook: Hook, event: str, payload: Any, field: str) -> None:
    reply = hook.post(event, payload, delivery="confused")
    assert reply.status_code == 400, reply.text
    assert field in reply.json()["error"]
    assert hook.started == []
    with hook.receiver.store.session() as s:  # not recorded: a corrected redelivery is processed
        assert s.get(WebhookDeliveryRow, "confused") is None


def test_missing_deployment_is_503_and_the_ticket_stays_startable(
        prefect_harness: None, hook: Hook, github_world: GitHubWorld) -> None:
    from flows.intake import start_growth_cycle

    n = github_world.fake.create_issue("Add X", labels=["ai-task"])
    hook.receiver.start = lambda repo, ticket: start_growth_cycle(repo, ticket, "growth-cycle/nowhere")
    reply = hook.post("issues", _issue_payload(github_world, n), delivery="no-deployment")
    assert reply.status_code == 503, reply.text
    assert "no deployment 'growth-cycle/nowhere'" in reply.json()["error"] and "Fix:" in reply.json()["error"]
    with hook.receiver.store.session() as s:
        statuses = {t.ticket_id: t.status for t in s.scalars(select(TicketRow))}
        assert s.get(WebhookDeliveryRow, "no-deployment") is None
    assert statuses == {f"gh-{n}": "open"}  # released: not stuck "queued" with no cycle
    hook.receiver.start = lambda repo, ticket: hook.started.append((repo, ticket)) or "run-1"  # type: ignore[func-returns-value]
    assert hook.post("issues", _issue_payload(github_world, n), delivery="no-deployment").status_code == 202
    assert [t for _, t in hook.started] == [f"gh-{n}"]


def test_200_concurrent_deliveries_are_all_answered(hook: Hook) -> None:
    """A burst of valid deliveries on loopback: every one answered 200, none reset or refused."""
    import asyncio

    async def burst() -> list[int | str]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:
            async def one(i: int) -> int | str:
                body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": i}).encode()
                sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                headers = {"X-GitHub-Event": "ping", "X-GitHub-Delivery": f"burst-{i}",
                           "X-Hub-Signature-256": sig, "Content-Type": "application/json"}
                try:
                    return (await client.post(hook.url, content=body, headers=headers)).status_code
                except httpx.HTTPError as exc:
                    return type(exc).__name__
            return await asyncio.gather(*(one(i) for i in range(200)))

    results = asyncio.run(burst())
    assert results == [200] * 200, {r: results.count(r) for r in set(results)}
    with hook.receiver.store.session() as s:
        assert len(s.scalars(select(WebhookDeliveryRow).where(WebhookDeliveryRow.event == "ping")).all()) == 200
