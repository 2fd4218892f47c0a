"""The GitHub webhook receiver: verified, de-duplicated events become intake and cycles.

- ``X-Hub-Signature-256`` is checked in constant time; missing or wrong -> 401.
- Bodies over the cap -> 413 (refused before they are read, by the HTTP layer in
  ``germinate.webhook_http``); a payload whose fields have the wrong type -> 400 naming the
  field (``germinate.webhook_payload``), before anything is recorded.
- ``X-GitHub-Delivery`` is recorded in ``webhook_deliveries`` before acting: a replay -> 200
  ``duplicate`` and nothing happens. If acting fails the record is removed (500; 503 when
  the cycle deployment is missing), so GitHub's redelivery can try again: nothing lost,
  nothing done twice, and a ticket whose cycle did not start is released.
- ``issues`` opened/labeled/reopened -> intake (the same de-duplicated path as polling);
  ``check_suite`` completed with a failure on the default branch -> the repository gets the
  red-mode label (through the write gate) and a fix ticket starts a cycle; green again on
  the default branch -> red-mode is lifted; ``pull_request_review`` with changes requested
  on a Germinate PR by a trusted reviewer (OWNER / MEMBER / COLLABORATOR, or the seed's
  ``trusted_reviewers``) -> another cycle (act round) for its ticket; an outsider's review is
  recorded as ignored; anything else -> 202 ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from germinate.forge.base import Forge
from germinate.forge.feedback import is_trusted, outsider_reason
from germinate.forge.targets import ticket_from_body
from germinate.intake import CycleStarter, DeploymentMissing, intake, release
from germinate.models import QUEUED, Ticket
from germinate.seed import Seed
from germinate.store import CycleRow, Store, TicketRow, WebhookDeliveryRow
from germinate.webhook_payload import payload_problem

log = logging.getLogger("germinate.webhook")
SECRET_ENV = "GERMINATE_WEBHOOK_SECRET"
DEFAULT_MAX_BODY = 1 << 20
FAILED = frozenset({"failure", "timed_out", "startup_failure"})


class LabelWriter(Protocol):
    """The write gate's housekeeping label write (``WriteGate.set_labels(None, ...)``)."""

    def set_labels(self, decision: Any, target: str, labels: list[str]) -> Any: ...


@dataclass
class Reply:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """True if ``header`` is ``sha256=<hex HMAC of body>`` (constant-time compare)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.encode())


@dataclass
class WebhookReceiver:
    secret: str
    store: Store
    seed: Seed
    repo: str
    forge: Callable[[], Forge]
    gate: Callable[[Forge], LabelWriter]
    start: CycleStarter
    max_body: int = DEFAULT_MAX_BODY

    @property
    def project(self) -> str:
        return self.seed.project.name

    def handle(self, headers: Mapping[str, str], body: bytes) -> Reply:
        """One delivery: verify, de-duplicate, act."""
        h = {k.lower(): v for k, v in headers.items()}
        if len(body) > self.max_body:
            return Reply(413, {"error": f"payload over {self.max_body} bytes"})
        if not signature_ok(self.secret, body, h.get("x-hub-signature-256")):
            return Reply(401, {"error": "missing or bad X-Hub-Signature-256"})
        delivery, event = h.get("x-github-delivery", ""), h.get("x-github-event", "")
        if not delivery or not event:
            return Reply(400, {"error": "X-GitHub-Delivery and X-GitHub-Event are required"})
        try:
            payload = json.loads(body)
        except ValueError:
            return Reply(400, {"error": "body is not JSON"})
        action = payload.get("action", "") if isinstance(payload, dict) else ""
        problem = payload_problem(event, action, payload)
        if problem:
            return Reply(400, {"error": f"malformed {event} payload: {problem}"})
        if not self._claim(delivery, event, action):
            return Reply(200, {"status": "duplicate", "delivery": delivery})
        try:
            reply = self._dispatch(event, action, payload)
        except DeploymentMissing as exc:  # nothing started, the ticket released: a redelivery retries
            log.warning("webhook %s (%s): %s", delivery, event, exc)
            self._forget(delivery)
            return Reply(503, {"error": str(exc)})
        except Exception as exc:
            log.exception("webhook %s (%s) failed", delivery, event)
            self._forget(delivery)
            return Reply(500, {"error": f"{type(exc).__name__}: {exc}"})
        self._record(delivery, json.dumps(reply.body, sort_keys=True)[:2000])
        return reply

    # --- delivery records ---------------------------------------------------------------

    def _claim(self, delivery: str, event: str, action: str) -> bool:
        try:
            with self.store.session() as s:
                s.add(WebhookDeliveryRow(delivery_id=delivery, event=event, action=action, outcome="processing"))
        except IntegrityError:
            return False
        return True

    def _forget(self, delivery: str) -> None:
        with self.store.session() as s:
            s.execute(delete(WebhookDeliveryRow).where(WebhookDeliveryRow.delivery_id == delivery))

    def _record(self, delivery: str, outcome: str) -> None:
        with self.store.session() as s:
            row = s.get(WebhookDeliveryRow, delivery)
            if row is not None:
                row.outcome = outcome

    # --- events -------------------------------------------------------------------------

    def _dispatch(self, event: str, action: str, payload: dict[str, Any]) -> Reply:
        if event == "ping":
            return Reply(200, {"status": "pong"})
        if event == "issues" and action in ("opened", "labeled", "reopened"):
            return self._on_issue(payload)
        if event == "check_suite" and action == "completed":
            return self._on_check_suite(payload)
        if event == "pull_request_review" and action == "submitted":
            return self._on_review(payload)
        return Reply(202, {"status": "ignored", "event": event, "action": action})

    def _on_issue(self, payload: dict[str, Any]) -> Reply:
        labels = {lb.get("name") for lb in payload.get("issue", {}).get("labels", [])}
        task_labels = self.seed.automation_contract.task_labels.auto_managed_labels
        if not labels & set(task_labels):
            return Reply(202, {"status": "ignored", "reason": "issue has no task label"})
        forge = self.forge()
        result = intake(self.store, self.project, self.seed, forge.list_tickets(task_labels), repo=self.repo,
                        repo_labels=forge.repo_labels(), start=self.start)
        return Reply(202, {"status": "intake", "summary": result.summary(), "started": result.started})

    def _on_check_suite(self, payload: dict[str, Any]) -> Reply:
        suite = payload.get("check_suite", {})
        default = payload.get("repository", {}).get("default_branch") or self.seed.project.repo.default_branch
        if suite.get("head_branch") != default:
            return Reply(202, {"status": "ignored", "reason": "not the default branch"})
        forge = self.forge()
        red = self.seed.labels.red_mode
        labels = forge.repo_labels()
        if suite.get("conclusion") not in FAILED:
            if red in labels and suite.get("conclusion") == "success":
                self.gate(forge).set_labels(None, "repo", [x for x in labels if x != red])
                return Reply(202, {"status": "red-mode lifted"})
            return Reply(202, {"status": "ignored", "reason": f"conclusion {suite.get('conclusion')}"})
        if red not in labels:
            self.gate(forge).set_labels(None, "repo", [*labels, red])
        sha = str(suite.get("head_sha", ""))
        ticket = Ticket(id=f"ci-red-{sha[:10]}", title=f"Fix the failing CI on {default} at {sha[:10]}",
                        body=f"Check suite {suite.get('id')} concluded {suite.get('conclusion')} on {default} "
                             f"at {sha}.\n{suite.get('url', '')}",
                        kind="regression", source="webhook", source_ref=str(suite.get("url", sha)),
                        labels=[self.seed.labels.fix, red])
        result = intake(self.store, self.project, self.seed, [ticket], repo=self.repo, repo_labels=[red],
                        start=self.start)
        return Reply(202, {"status": "red-mode", "ticket": ticket.id, "started": result.started})

    def _on_review(self, payload: dict[str, Any]) -> Reply:
        review = payload.get("review", {})
        if str(review.get("state", "")).lower() != "changes_requested":
            return Reply(202, {"status": "ignored", "reason": "review does not request changes"})
        author = str((review.get("user") or {}).get("login", ""))
        association = str(review.get("author_association", ""))
        if not is_trusted(author, association, self.seed):  # recorded (webhook_deliveries), never acted on
            return Reply(202, {"status": "ignored", "reason": outsider_reason(author, association)})
        ticket_id = ticket_from_body(payload.get("pull_request", {}).get("body"))
        if not ticket_id:
            return Reply(202, {"status": "ignored", "reason": "not a Germinate pull request"})
        busy = self._claim_round(ticket_id)
        if busy:
            return Reply(202, {"status": "ignored", "reason": busy})
        try:
            run = self.start(self.repo, ticket_id)
        except Exception:
            release(self.store, self.project, ticket_id)  # a redelivery may claim it again
            raise
        return Reply(202, {"status": "another round", "ticket": ticket_id, "started": {ticket_id: run}})

    def _claim_round(self, ticket_id: str) -> str:
        """Queue ``ticket_id`` for another round; why not, if a cycle already has it ('' when claimed)."""
        with self.store.session() as s:
            running = s.scalars(select(CycleRow.id).where(
                CycleRow.project == self.project, CycleRow.ticket_id == ticket_id,
                CycleRow.status == "running")).first()
            if running is not None:
                return f"cycle {running} of {ticket_id} is still running (or paused for a person)"
            claimed = s.execute(update(TicketRow).where(
                TicketRow.project == self.project, TicketRow.ticket_id == ticket_id,
                TicketRow.status != QUEUED).values(status=QUEUED))
            exists = s.scalars(select(TicketRow.id).where(
                TicketRow.project == self.project, TicketRow.ticket_id == ticket_id)).first() is not None
            if exists and not claimed.rowcount:  # type: ignore[attr-defined]
                return f"{ticket_id} is already queued for a cycle"
        return ""
