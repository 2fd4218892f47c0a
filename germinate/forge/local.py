"""LocalForge, the embedded default: a plain git repository is the whole forge.

- Tickets are markdown files with YAML front matter (``local_tickets.py``) in
  ``project_dir(repo, "tickets")`` or ``forge.tickets_dir`` (relative to the repository).
- Change requests are rows of the store's ``change_requests`` table, one per branch.
- Branches already live in the repository (worktrees share it), so ``push_branch`` pushes
  nothing: it checks that the branch exists at the worktree's HEAD and records that head.
- Checks are the gates Germinate recorded for a commit (``gate_results``), as ``germinate/<gate>``.
- Labels of change requests and of the repository (``red-mode``) and change-request comments
  live in the project's state folder (``forge/``).
- ``merge`` lands on the default branch without ever leaving the user's tree inconsistent:
  the merge commit is made in a scratch worktree, the branch ref moves by compare-and-swap
  (``git update-ref``), and a clean checkout of the default branch is brought along with
  ``git read-tree -m -u``; a dirty one makes the merge refuse before anything moves.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from germinate.errors import RepoError
from germinate.forge.base import ChangeRequest, CheckStatus
from germinate.forge.errors import ChangeRequestGone, ForgeError
from germinate.forge.local_tickets import TicketFolder
from germinate.forge.targets import parse_target, refuse_if_frozen, with_marker
from germinate.home import project_dir, state_lock
from germinate.models import ReviewComment, Ticket
from germinate.seed import Seed
from germinate.store import ApprovalRow, ChangeRequestRow, CycleRow, GateResultRow, Store
from germinate.workspace import run_git


def tickets_dir(repo: Path, seed: Seed) -> Path:
    """Where LocalForge keeps ticket files for ``repo``."""
    if seed.forge.tickets_dir:
        path = Path(seed.forge.tickets_dir).expanduser()
        return path if path.is_absolute() else Path(repo) / path
    return project_dir(repo, "tickets")


class LocalForge:
    kind = "local"

    def __init__(self, repo: Path, seed: Seed, store: Store):
        self.repo = Path(repo).resolve()
        self.seed = seed
        self.store = store
        self.project = seed.project.name
        self.tickets = TicketFolder(tickets_dir(self.repo, seed))
        self.state = project_dir(self.repo, "forge")

    @property
    def default_branch(self) -> str:
        return self.seed.project.repo.default_branch

    # --- small state files -------------------------------------------------------------

    def _labels_file(self) -> dict[str, list[str]]:
        path = self.state / "labels.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def _set_label_entry(self, key: str, labels: list[str]) -> None:
        """Read-modify-write of labels.json under a lock: a webhook and a cycle never lose each other's labels."""
        with state_lock(self.state / "labels.lock"):
            data = self._labels_file()
            data[key] = labels
            tmp = self.state / f"labels.json.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
            os.replace(tmp, self.state / "labels.json")

    def _row(self, change_id: str) -> ChangeRequestRow | None:
        if not change_id.isdigit():
            return None
        with self.store.session() as s:
            return s.get(ChangeRequestRow, int(change_id))

    @staticmethod
    def _cr(row: ChangeRequestRow, labels: list[str]) -> ChangeRequest:
        state: Any = row.state
        return ChangeRequest(id=str(row.id), branch=row.branch, title=row.title, body=row.body, draft=row.draft,
                             state=state, url=row.url, head_sha=row.head_sha, ticket_id=row.ticket_id,
                             labels=labels)

    def _branch_sha(self, branch: str) -> str:
        return run_git(self.repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}",
                       check=False).strip()

    # --- reads --------------------------------------------------------------------------

    def create_ticket(self, title: str, *, body: str = "", labels: Sequence[str] = (), kind: str = "forge"
                      ) -> Ticket:
        """A new ticket file (the user's own intent: ``germinate ticket new``, not an automated write)."""
        return self.tickets.create(title, body, list(labels), kind)

    def list_tickets(self, labels: Sequence[str] = ()) -> list[Ticket]:
        wanted = set(labels)
        return [f.ticket() for f in self.tickets.files()
                if f.status == "open" and (not wanted or wanted & set(f.labels))]

    def get_ticket(self, ticket_id: str) -> Ticket:
        return self.tickets.find(ticket_id).ticket()

    def repo_labels(self) -> list[str]:
        return self._labels_file().get("repo", [])

    def labels_of(self, target: str) -> list[str]:
        kind, ident = parse_target(target)
        if kind == "ticket" and not ident.startswith("local-"):
            return []  # a seed epic, a scout finding or a webhook ticket: no ticket file, no labels
        if kind == "ticket":
            return self.tickets.find(ident).labels
        return self._labels_file().get(target if kind == "cr" else "repo", [])

    def find_change_request(self, branch: str) -> ChangeRequest | None:
        with self.store.session() as s:
            row = s.scalars(select(ChangeRequestRow).where(
                ChangeRequestRow.project == self.project, ChangeRequestRow.branch == branch)).first()
        return None if row is None else self._cr(row, self.labels_of(f"cr:{row.id}"))

    def checks(self, ref: str) -> list[CheckStatus]:
        """The gates Germinate recorded for ``ref``'s commit (the local forge has no other CI)."""
        sha = run_git(self.repo, "rev-parse", "--verify", f"{ref}^{{commit}}").strip()
        with self.store.session() as s:
            rows = s.scalars(select(GateResultRow).where(GateResultRow.head_sha == sha)
                             .order_by(GateResultRow.id)).all()
        latest = {r.name: r for r in rows}
        return [CheckStatus(name=f"germinate/{r.name}", state="success" if r.passed else "failure")
                for r in latest.values()]

    def _approval_rows(self, change: ChangeRequest, action: str) -> list[ApprovalRow]:
        with self.store.session() as s:
            return list(s.scalars(select(ApprovalRow).join(CycleRow, CycleRow.id == ApprovalRow.cycle_id).where(
                CycleRow.project == self.project, CycleRow.branch == change.branch, ApprovalRow.action == action)
                .order_by(ApprovalRow.id)).all())

    def review_feedback(self, change: ChangeRequest) -> list[ReviewComment]:
        """Changes a person requested (``germinate approve --request-changes``) on this branch."""
        # Written with ``germinate approve`` by someone with a shell on this machine: the owner.
        return [ReviewComment(severity="major", body=f"{r.by or 'reviewer'}: {r.comment}", author=r.by or "",
                              author_association="OWNER")
                for r in self._approval_rows(change, "request_changes") if r.comment]

    def approvals(self, change: ChangeRequest) -> list[str]:
        return sorted({r.by for r in self._approval_rows(change, "approve")
                       if r.by and (not r.head_sha or not change.head_sha or r.head_sha == change.head_sha)})

    # --- writes: only germinate.writegate.WriteGate calls these --------------------------

    def _ensure_writable(self, *targets: str) -> None:
        refuse_if_frozen(self.labels_of, targets, self.seed.labels.freeze, "remove the label (edit the ticket file)")

    def _ticket_targets(self, ticket_id: str) -> list[str]:
        return [f"ticket:{ticket_id}"] if ticket_id.startswith("local-") else []

    def push_branch(self, branch: str, worktree: Path) -> None:
        """Nothing to push (the worktree shares the repository); verify the branch is at its HEAD."""
        wt_head = run_git(worktree, "rev-parse", "HEAD").strip()
        sha = self._branch_sha(branch)
        if not sha:
            raise ChangeRequestGone(f"branch {branch} no longer exists in {self.repo} (deleted under us). "
                                    "The next cycle recreates it")
        if sha != wt_head:
            raise RepoError(f"branch {branch} is at {sha[:12]} but the worktree {worktree} is at {wt_head[:12]}. "
                            "Fix: let the next cycle rebuild the branch")
        change = self.find_change_request(branch)
        if change is not None and change.state == "open":
            self._ensure_writable(f"cr:{change.id}")
            with self.store.session() as s:
                row = s.get(ChangeRequestRow, int(change.id))
                assert row is not None
                row.head_sha = sha

    def open_change_request(self, *, branch: str, title: str, body: str, draft: bool, ticket_id: str
                            ) -> ChangeRequest:
        self._ensure_writable(*self._ticket_targets(ticket_id))
        sha = self._branch_sha(branch)
        if not sha:
            raise ChangeRequestGone(f"branch {branch} does not exist in {self.repo}; nothing to propose")
        existing = self.find_change_request(branch)
        if existing is not None and existing.state != "open":
            raise ChangeRequestGone(f"change request {existing.id} for {branch} is {existing.state}; "
                                    "Germinate does not reopen it")
        if existing is not None:
            return self.update_change_request(existing, title=title, body=body)
        with self.store.session() as s:
            row = ChangeRequestRow(project=self.project, ticket_id=ticket_id, forge="local", branch=branch,
                                   title=title, body=with_marker(body, ticket_id), draft=draft, head_sha=sha)
            s.add(row)
            s.flush()
            row.external_id = str(row.id)
            row.url = f"germinate://{self.project}/change/{row.id}"
        return self._cr(row, [])

    def update_change_request(self, change: ChangeRequest, *, title: str | None = None, body: str | None = None,
                              draft: bool | None = None) -> ChangeRequest:
        self._ensure_writable(f"cr:{change.id}")
        with self.store.session() as s:
            row = s.get(ChangeRequestRow, int(change.id))
            if row is None:
                raise ForgeError(f"no local change request {change.id}")
            if title is not None:
                row.title = title
            if body is not None:
                row.body = with_marker(body, row.ticket_id)
            if draft is not None:
                row.draft = draft
            row.head_sha = self._branch_sha(row.branch) or row.head_sha
        return self._cr(row, self.labels_of(f"cr:{row.id}"))

    def comment(self, target: str, body: str) -> None:
        self._ensure_writable(target)
        kind, ident = parse_target(target)
        if kind == "ticket":
            ticket = self.tickets.find(ident)
            ticket.add_comment(body)
            ticket.save()
            return
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        path = project_dir(self.repo, "forge", "comments") / f"{kind}-{ident or 'repo'}.md"
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"**germinate** ({stamp}): {body.strip()}\n\n")

    def set_labels(self, target: str, labels: Sequence[str]) -> None:
        self._ensure_writable(target)
        kind, ident = parse_target(target)
        if kind == "ticket":
            ticket = self.tickets.find(ident)
            ticket.meta["labels"] = list(dict.fromkeys(labels))
            ticket.save()
            return
        self._set_label_entry(target if kind == "cr" else "repo", list(dict.fromkeys(labels)))

    def merge(self, change: ChangeRequest, *, head_sha: str, message: str) -> str:
        """Land ``head_sha`` of ``change.branch`` on the default branch; returns the new default SHA."""
        from germinate.forge.local_merge import land_locally

        row = self._row(change.id)
        if row is not None and row.state == "closed":
            raise ChangeRequestGone(f"change request {row.id} was closed; nothing to land")
        self._ensure_writable(*([f"cr:{row.id}"] if row else []), *self._ticket_targets(change.ticket_id))
        sha = land_locally(self.repo, self.default_branch, change.branch, head_sha, message)
        if row is not None:
            with self.store.session() as s:
                live = s.get(ChangeRequestRow, row.id)
                assert live is not None
                live.state, live.head_sha = "merged", head_sha
        return sha

    def close_ticket(self, ticket_id: str, comment: str) -> None:
        self._ensure_writable(f"ticket:{ticket_id}")
        ticket = self.tickets.find(ticket_id)
        if ticket.status == "closed":
            return  # closed already: never comment twice
        ticket.add_comment(comment)
        ticket.meta["status"] = "closed"
        ticket.save()
