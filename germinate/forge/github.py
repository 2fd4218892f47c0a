"""GitHubForge: issues are tickets, pull requests are change requests (PyGithub).

Token from ``GERMINATE_GITHUB_TOKEN``. Issues carrying one of the seed's task labels become
tickets. Branches are pushed with the token passed to git through environment config
(never written to ``.git/config`` nor put on the command line). Rate limits back off until
the reset the API announces, within a bound. Repository-wide labels (``red-mode``) live on
one "status issue" marked with the ``germinate:status`` label, which people can edit too.
Every write method refuses a target that carries the freeze label.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import requests
from github import Auth, Github, GithubException
from github.Issue import Issue
from github.PullRequest import PullRequest
from github.Repository import Repository

from germinate.errors import ConfigError
from germinate.forge.base import ChangeRequest, CheckStatus
from germinate.forge.errors import (
    ChangeRequestGone,
    ForgeError,
    ForgeUnreachable,
    MergeBlocked,
    RateLimited,
)
from germinate.forge.remote import push_with_token
from germinate.forge.targets import parse_target, refuse_if_frozen, ticket_from_body, with_marker
from germinate.models import ReviewComment, Ticket
from germinate.seed import Seed
from germinate.workspace import head_sha

TOKEN_ENV = "GERMINATE_GITHUB_TOKEN"
SCOPES = ("a classic token with the 'repo' scope, or a fine-grained token with read and write access to "
          "Contents, Issues and Pull requests and read access to Checks and Commit statuses")
STATUS_LABEL = "germinate:status"
STATUS_TITLE = "Germinate: repository status"
STATUS_BODY = ("Labels on this issue apply to the whole repository. `red-mode` admits only fix work: "
               "remove the label (or close this issue) to lift it.")
_CHECK_STATE = {"success": "success", "neutral": "neutral", "skipped": "skipped"}
T = TypeVar("T")


def _rate_wait(headers: dict[str, Any], now: float) -> float | None:
    """Seconds to wait if ``headers`` announce a rate limit, else None."""
    low = {k.lower(): v for k, v in (headers or {}).items()}
    if "retry-after" in low:
        return max(1.0, float(low["retry-after"]))
    if str(low.get("x-ratelimit-remaining", "")) == "0" and "x-ratelimit-reset" in low:
        return max(1.0, float(low["x-ratelimit-reset"]) - now)
    return None


class GitHubForge:
    kind = "github"

    def __init__(self, repo: Path, seed: Seed, *, token: str | None = None, base_url: str | None = None,
                 store: Any = None, seconds_between_requests: float | None = None,
                 seconds_between_writes: float | None = None,
                 max_wait_seconds: float = 300.0, max_attempts: int = 4,
                 sleep: Callable[[float], None] = time.sleep):
        self.repo_path = Path(repo)
        self.seed = seed
        self.store = store
        self.full_name = seed.forge.repo or ""
        self.token = token or os.environ.get(TOKEN_ENV, "")
        if not self.token:
            raise ConfigError(f"{TOKEN_ENV} is not set. Fix: export {TOKEN_ENV}=<token>, using {SCOPES}")
        self.api_url = base_url or seed.forge.api_url
        # GitHub asks clients to space requests (writes especially); a loopback API (a test fake) needs no pacing.
        loopback = urlsplit(self.api_url).hostname in ("127.0.0.1", "localhost", "::1")
        if seconds_between_requests is None:
            seconds_between_requests = 0.0 if loopback else 0.25
        if seconds_between_writes is None:
            seconds_between_writes = 0.0 if loopback else 1.0
        self.gh = Github(auth=Auth.Token(self.token), base_url=self.api_url, retry=None,
                         seconds_between_requests=seconds_between_requests,
                         seconds_between_writes=seconds_between_writes)
        self.max_wait = max_wait_seconds
        self.max_attempts = max_attempts
        self.sleep = sleep
        self._repo: Repository | None = None
        self._login: str | None = None

    # --- plumbing -----------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one API operation; back off on rate limits (bounded) and translate errors."""
        for _attempt in range(self.max_attempts):
            try:
                return fn()
            except requests.RequestException as exc:
                raise ForgeUnreachable(f"GitHub did not answer {what} at {self.api_url}: {type(exc).__name__}. "
                                       "Fix: check the network (and forge.api_url in seed.yaml), then retry") from None
            except GithubException as exc:
                wait = _rate_wait(exc.headers or {}, time.time()) if exc.status in (403, 429) else None
                if wait is None:
                    raise self._translate(exc, what) from None
                if wait > self.max_wait:
                    raise RateLimited(
                        f"GitHub rate limit: {what} would wait {wait:.0f}s, more than the {self.max_wait:.0f}s "
                        "bound; nothing was written. Fix: retry after the reset, or use a token with a higher limit"
                    ) from None
                self.sleep(wait)
        raise RateLimited(f"GitHub rate limit: {what} still limited after {self.max_attempts} attempts; "
                          "nothing was written. Fix: retry later")

    def _translate(self, exc: GithubException, what: str) -> Exception:
        message = (exc.data or {}).get("message", "") if isinstance(exc.data, dict) else str(exc.data)
        if exc.status == 401:
            return ConfigError(f"GitHub rejected the token in {TOKEN_ENV} (401 {message}). "
                               f"Fix: create a new token ({SCOPES}) and export it")
        if exc.status == 404 and self._repo is None:
            return ConfigError(f"GitHub repository {self.full_name!r} not found at {self.api_url} (or the token "
                               f"cannot see it). Fix: check forge.repo in seed.yaml; the token needs {SCOPES}")
        if exc.status == 403:
            return ConfigError(f"GitHub refused {what} (403 {message}). Fix: the token in {TOKEN_ENV} needs {SCOPES}")
        return ForgeError(f"GitHub {what} failed: {exc.status} {message}")

    @property
    def repo(self) -> Repository:
        if self._repo is None:
            self._repo = self._call(f"reading repository {self.full_name}", lambda: self.gh.get_repo(self.full_name))
        return self._repo

    @property
    def default_branch(self) -> str:
        return self.repo.default_branch or self.seed.project.repo.default_branch

    def login(self) -> str:
        if self._login is None:
            self._login = self._call("reading the token's user", lambda: self.gh.get_user().login)
        return self._login

    def _issue(self, number: int) -> Issue:
        return self._call(f"reading issue #{number}", lambda: self.repo.get_issue(number))

    def issue_text(self, number: int) -> tuple[str, str]:
        """(title, body) of issue or pull request ``number`` (read only)."""
        issue = self._issue(number)
        return issue.title or "", issue.body or ""

    def _pull(self, number: int) -> PullRequest:
        return self._call(f"reading pull request #{number}", lambda: self.repo.get_pull(number))

    def _number(self, target: str) -> int | None:
        kind, ident = parse_target(target)
        if kind == "repo":
            return None
        raw = ident.removeprefix("gh-")
        if not raw.isdigit():
            raise ForgeError(f"{target!r} is not a GitHub issue or pull request. Fix: use 'ticket:gh-<n>' or 'cr:<n>'")
        return int(raw)

    def _ticket(self, issue: Issue) -> Ticket:
        labels = [lb.name for lb in issue.labels]
        kind = "bug" if self.seed.labels.fix in labels else "forge"
        return Ticket(id=f"gh-{issue.number}", title=issue.title, body=issue.body or "", kind=kind,  # type: ignore[arg-type]
                      source="github", source_ref=issue.html_url, labels=labels)

    def _cr(self, pr: PullRequest) -> ChangeRequest:
        state: Any = "merged" if pr.merged else pr.state
        return ChangeRequest(id=str(pr.number), branch=pr.head.ref, title=pr.title, body=pr.body or "",
                             draft=bool(pr.draft), state=state, url=pr.html_url, head_sha=pr.head.sha,
                             ticket_id=ticket_from_body(pr.body), labels=[lb.name for lb in pr.labels])

    # --- reads --------------------------------------------------------------------------

    def list_tickets(self, labels: Sequence[str] = ()) -> list[Ticket]:
        def fetch() -> dict[int, Issue]:
            found: dict[int, Issue] = {}
            wanted: list[str | None] = [*labels] or [None]
            for label in wanted:
                kwargs: dict[str, Any] = {"state": "open"} if label is None else {"state": "open", "labels": [label]}
                for issue in self.repo.get_issues(**kwargs):
                    names = {lb.name for lb in issue.labels}
                    # a PR's html_url is .../pull/N; reading issue.pull_request would cost a request per issue
                    if "/pull/" not in issue.html_url and STATUS_LABEL not in names:
                        found[issue.number] = issue
            return found

        issues = self._call("listing issues", fetch)
        return [self._ticket(issues[n]) for n in sorted(issues)]

    def get_ticket(self, ticket_id: str) -> Ticket:
        number = self._number(f"ticket:{ticket_id}")
        assert number is not None
        return self._ticket(self._issue(number))

    def _status_issue(self) -> Issue | None:
        issues = self._call("reading the status issue",
                            lambda: list(self.repo.get_issues(state="all", labels=[STATUS_LABEL])))
        return min(issues, key=lambda i: i.number) if issues else None

    def repo_labels(self) -> list[str]:
        issue = self._status_issue()
        if issue is None or issue.state != "open":
            return []
        return [lb.name for lb in issue.labels if lb.name != STATUS_LABEL]

    def labels_of(self, target: str) -> list[str]:
        kind, ident = parse_target(target)
        if kind == "ticket" and not ident.startswith("gh-"):
            return []  # a seed epic or a scout finding: not on GitHub, so it carries no labels
        number = self._number(target)
        if number is None:
            return self.repo_labels()
        return self._call(f"reading labels of {target}", lambda: [lb.name for lb in self._issue(number).labels])

    def find_change_request(self, branch: str) -> ChangeRequest | None:
        pulls = self._call(f"finding the pull request for {branch}", lambda: list(
            self.repo.get_pulls(state="all", head=f"{self.repo.owner.login}:{branch}")))
        return self._cr(max(pulls, key=lambda p: p.number)) if pulls else None

    def checks(self, ref: str) -> list[CheckStatus]:
        def fetch() -> list[CheckStatus]:
            commit = self.repo.get_commit(ref)
            out = []
            for run in commit.get_check_runs():
                state = "pending" if run.status != "completed" else _CHECK_STATE.get(run.conclusion or "", "failure")
                out.append(CheckStatus(name=run.name, state=state, url=run.html_url or ""))  # type: ignore[arg-type]
            for status in commit.get_combined_status().statuses:
                out.append(CheckStatus(name=status.context, state=status.state,  # type: ignore[arg-type]
                                       url=status.target_url or ""))
            return out

        return self._call(f"reading checks of {ref}", fetch)

    def review_feedback(self, change: ChangeRequest) -> list[ReviewComment]:
        def fetch() -> list[ReviewComment]:
            pr = self.repo.get_pull(int(change.id))
            out = []
            for review in pr.get_reviews():
                if review.state in ("CHANGES_REQUESTED", "COMMENTED") and review.body:
                    severity: Literal["major", "minor"] = "major" if review.state == "CHANGES_REQUESTED" else "minor"
                    out.append(ReviewComment(severity=severity, body=f"{review.user.login}: {review.body}",
                                             author=review.user.login,
                                             author_association=_association(review)))
            for c in pr.get_review_comments():
                out.append(ReviewComment(path=c.path or "", line=c.line, severity="major",
                                         body=f"{c.user.login}: {c.body}", author=c.user.login,
                                         author_association=_association(c)))
            return out

        return self._call(f"reading reviews of PR #{change.id}", fetch)

    def approvals(self, change: ChangeRequest) -> list[str]:
        """Logins whose latest review approves the change's current head."""
        def fetch() -> list[str]:
            latest: dict[str, Any] = {}
            for review in self.repo.get_pull(int(change.id)).get_reviews():
                if review.state != "COMMENTED":
                    latest[review.user.login] = review
            return sorted(login for login, r in latest.items() if r.state == "APPROVED"
                          and (not change.head_sha or r.commit_id == change.head_sha))

        return self._call(f"reading approvals of PR #{change.id}", fetch)

    def merge_blockers(self, change: ChangeRequest, head_sha: str) -> list[str]:
        """Why the change may not merge yet: required checks not green, reviewers not approved."""
        blockers = []
        states = {c.name: c.state for c in self.checks(head_sha)}
        for name in self.seed.quality_gates.ci_required_checks:
            if states.get(name) != "success":
                blockers.append(f"required check {name!r} is {states.get(name, 'not reported')}")
        wanted = self.seed.automation_contract.merge_policy.require_human_review_from
        current = change.model_copy(update={"head_sha": head_sha})
        if wanted and not set(wanted) & set(self.approvals(current)):
            blockers.append(f"no approval of {head_sha[:12]} from {', '.join(wanted)}")
        return blockers

    # --- writes: only germinate.writegate.WriteGate calls these --------------------------

    def _ensure_writable(self, *targets: str) -> None:
        refuse_if_frozen(self.labels_of, targets, self.seed.labels.freeze, "a person removes the label")

    def _ticket_targets(self, ticket_id: str) -> list[str]:
        return [f"ticket:{ticket_id}"] if ticket_id.startswith("gh-") else []

    def push_branch(self, branch: str, worktree: Path) -> None:
        existing = self.find_change_request(branch)
        lease = None
        if existing and existing.state == "open":
            self._ensure_writable(f"cr:{existing.id}")
            lease = self._pushed_head(branch)  # a rebuilt branch replaces our own last push only
        push_with_token(worktree, self.repo.clone_url, f"{head_sha(worktree)}:refs/heads/{branch}", self.token,
                        lease=lease)

    def _pushed_head(self, branch: str) -> str | None:
        """The head Germinate last pushed and opened/updated the pull request with (store mirror)."""
        if self.store is None:
            return None
        from sqlalchemy import select

        from germinate.store import ChangeRequestRow

        with self.store.session() as s:
            row = s.scalars(select(ChangeRequestRow).where(ChangeRequestRow.project == self.seed.project.name,
                                                           ChangeRequestRow.branch == branch)).first()
            return row.head_sha if row is not None and row.state == "open" and row.head_sha else None

    def open_change_request(self, *, branch: str, title: str, body: str, draft: bool, ticket_id: str
                            ) -> ChangeRequest:
        self._ensure_writable(*self._ticket_targets(ticket_id))
        body = with_marker(body, ticket_id)
        existing = self.find_change_request(branch)
        if existing is not None and existing.state != "open":
            raise ChangeRequestGone(
                f"PR #{existing.id} for {branch} was {existing.state} by a person; Germinate does not reopen it. "
                "Fix: reopen the PR to continue, or leave the ticket closed", merged_sha="")
        if existing is not None:
            return self.update_change_request(existing, title=title, body=body)
        pr = self._call(f"opening a pull request for {branch}", lambda: self.repo.create_pull(
            title=title, body=body, head=branch, base=self.default_branch, draft=draft))
        return self._remember(self._cr(pr))

    def update_change_request(self, change: ChangeRequest, *, title: str | None = None, body: str | None = None,
                              draft: bool | None = None) -> ChangeRequest:
        self._ensure_writable(f"cr:{change.id}")
        pr = self._pull(int(change.id))
        if draft is True and not pr.draft:
            raise ForgeError(f"PR #{change.id} is ready for review; Germinate never turns it back into a draft")
        edits = {k: v for k, v in (("title", title), ("body", body)) if v is not None and v != getattr(pr, k)}
        if edits:
            self._call(f"updating PR #{change.id}", lambda: pr.edit(**edits))  # type: ignore[arg-type]
        if draft is False and pr.draft:
            self._call(f"marking PR #{change.id} ready", lambda: pr.mark_ready_for_review())
        return self._remember(self._cr(self._pull(int(change.id))))

    def comment(self, target: str, body: str) -> None:
        self._ensure_writable(target)
        number = self._number(target)
        if number is None:
            raise ForgeError("comments need an issue or pull request target, not 'repo'")
        self._call(f"commenting on {target}", lambda: self._issue(number).create_comment(body))

    def set_labels(self, target: str, labels: Sequence[str]) -> None:
        self._ensure_writable(target)
        number = self._number(target)
        if number is None:
            self._set_repo_labels(list(labels))
            return
        self._call(f"labelling {target}", lambda: self._issue(number).set_labels(*labels))

    def _set_repo_labels(self, labels: list[str]) -> None:
        issue = self._status_issue()
        wanted = [STATUS_LABEL, *labels]
        if issue is None:
            if labels:
                self._call("creating the status issue",
                           lambda: self.repo.create_issue(title=STATUS_TITLE, body=STATUS_BODY, labels=wanted))
            return
        state = "open" if labels else "closed"
        self._call("updating the status issue", lambda: issue.edit(labels=wanted, state=state))

    def merge(self, change: ChangeRequest, *, head_sha: str, message: str) -> str:
        """Merge the change's pull request (opened first if the cycle landed without one)."""
        if not change.id:
            change = self.find_change_request(change.branch) or self.open_change_request(
                branch=change.branch, title=change.title or message.splitlines()[0], body=message,
                draft=False, ticket_id=change.ticket_id)
        pr = self._pull(int(change.id))
        if pr.merged:
            if pr.merged_by is not None and pr.merged_by.login == self.login() and pr.head.sha == head_sha:
                return str(pr.merge_commit_sha)  # our own merge, retried: nothing to do twice
            raise ChangeRequestGone(f"PR #{change.id} was merged by {pr.merged_by.login if pr.merged_by else 'someone'} "
                                    "outside Germinate; nothing to land", merged_sha=str(pr.merge_commit_sha or ""))
        if pr.state != "open":
            raise ChangeRequestGone(f"PR #{change.id} was closed by a person (or its branch was deleted); "
                                    "Germinate does not reopen it. Fix: reopen it to let the cycle land it")
        self._ensure_writable(f"cr:{change.id}", *self._ticket_targets(change.ticket_id))
        if pr.head.sha != head_sha:
            raise ChangeRequestGone(f"PR #{change.id} head moved to {pr.head.sha[:12]} (expected {head_sha[:12]}): "
                                    "someone pushed to the branch. The next cycle re-evaluates it")
        blockers = self.merge_blockers(self._cr(pr), head_sha)
        if blockers:
            raise MergeBlocked(f"PR #{change.id} cannot merge yet: " + "; ".join(blockers), blockers)
        if pr.draft:
            self._call(f"marking PR #{change.id} ready", lambda: pr.mark_ready_for_review())
        status = self._call(f"merging PR #{change.id}",
                            lambda: pr.merge(commit_message=message, sha=head_sha, merge_method="merge"))
        self._remember(change.model_copy(update={"state": "merged", "head_sha": head_sha}))
        return str(status.sha)

    def _remember(self, change: ChangeRequest) -> ChangeRequest:
        """Mirror the pull request in the store's ``change_requests`` (one row per branch)."""
        if self.store is None:
            return change
        from sqlalchemy import select

        from germinate.store import ChangeRequestRow

        project = self.seed.project.name
        with self.store.session() as s:
            row = s.scalars(select(ChangeRequestRow).where(ChangeRequestRow.project == project,
                                                           ChangeRequestRow.branch == change.branch)).first()
            if row is None:
                row = ChangeRequestRow(project=project, branch=change.branch, forge="github", title=change.title)
                s.add(row)
            row.ticket_id, row.title, row.body, row.draft = change.ticket_id, change.title, change.body, change.draft
            row.state, row.external_id, row.url, row.head_sha = change.state, change.id, change.url, change.head_sha
        return change

    def close_ticket(self, ticket_id: str, comment: str) -> None:
        number = self._number(f"ticket:{ticket_id}")
        assert number is not None
        self._ensure_writable(f"ticket:{ticket_id}")
        issue = self._issue(number)
        if issue.state == "closed":
            return  # closed already (by us on a retry, or by a person): never comment twice
        self._call(f"commenting on issue #{number}", lambda: issue.create_comment(comment))
        self._call(f"closing issue #{number}", lambda: issue.edit(state="closed", state_reason="completed"))


def _association(item: Any) -> str:
    """The forge's ``author_association`` of a review or comment; missing reads as "" (untrusted)."""
    return str(getattr(item, "author_association", None) or "")
