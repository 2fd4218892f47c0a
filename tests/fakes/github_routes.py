"""Route table of the fake GitHub: (method, path regex under /repos/{owner}/{repo}, handler)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tests.fakes.github import HttpError, _git

if TYPE_CHECKING:
    from tests.fakes.github import FakeGitHub

Result = tuple[int, Any, dict[str, str]]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _page(fake: FakeGitHub, path: str, query: dict[str, str], items: list[Any]) -> Result:
    per_page = int(query.get("per_page", 30))
    page = int(query.get("page", 1))
    chunk = items[(page - 1) * per_page: page * per_page]
    headers: dict[str, str] = {}
    if page * per_page < len(items):
        rest = "&".join(f"{k}={v}" for k, v in query.items() if k not in ("page",))
        headers["Link"] = f'<{fake.shapes.repo_url}{path}?{rest}&page={page + 1}>; rel="next"'
    return 200, chunk, headers


def _issue(fake: FakeGitHub, number: str) -> dict[str, Any]:
    issue = fake.state.issues.get(int(number))
    if issue is None:
        raise HttpError(404, "Not Found")
    return issue


def _pull(fake: FakeGitHub, number: str) -> dict[str, Any]:
    pr = fake.state.pulls.get(int(number))
    if pr is None:
        raise HttpError(404, "Not Found")
    return pr


def get_repo(fake: FakeGitHub, q: dict[str, str], d: Any) -> Result:
    return 200, fake.shapes.repo(), {}


def list_issues(fake: FakeGitHub, q: dict[str, str], d: Any) -> Result:
    state = q.get("state", "open")
    wanted = {x for x in q.get("labels", "").split(",") if x}
    items = []
    for issue in sorted(fake.state.issues.values(), key=lambda i: -i["number"]):
        names = {lb["name"] for lb in issue["labels"]}
        if (state == "all" or issue["state"] == state) and wanted <= names:
            items.append(fake.shapes.issue(issue))
    return _page(fake, "/issues", q, items)


def create_issue(fake: FakeGitHub, q: dict[str, str], d: dict[str, Any]) -> Result:
    if not d.get("title"):
        raise HttpError(422, "Validation Failed", errors=[{"resource": "Issue", "field": "title", "code": "missing_field"}])
    issue = fake._new_issue(d["title"], d.get("body") or "", list(d.get("labels", [])), fake.state.login)
    return 201, fake.shapes.issue(issue), {}


def get_issue(fake: FakeGitHub, q: dict[str, str], d: Any, n: str) -> Result:
    return 200, fake.shapes.issue(_issue(fake, n)), {}


def edit_issue(fake: FakeGitHub, q: dict[str, str], d: dict[str, Any], n: str) -> Result:
    issue = _issue(fake, n)
    for key in ("title", "body", "state_reason"):
        if key in d:
            issue[key] = d[key]
    if "labels" in d:
        issue["labels"] = [fake._label(x) for x in d["labels"]]
    if "state" in d:
        issue["state"] = d["state"]
        issue["closed_at"] = _now() if d["state"] == "closed" else None
        if issue["is_pull"]:
            fake.state.pulls[issue["number"]]["state"] = d["state"]
    issue["updated_at"] = _now()
    return 200, fake.shapes.issue(issue), {}


def list_comments(fake: FakeGitHub, q: dict[str, str], d: Any, n: str) -> Result:
    _issue(fake, n)
    return _page(fake, f"/issues/{n}/comments", q,
                 [fake.shapes.comment(int(n), c) for c in fake.state.comments[int(n)]])


def create_comment(fake: FakeGitHub, q: dict[str, str], d: dict[str, Any], n: str) -> Result:
    _issue(fake, n)
    c = {"id": fake.state.new_id(), "body": d.get("body", ""), "user": fake.state.login, "created_at": _now()}
    fake.state.comments[int(n)].append(c)
    return 201, fake.shapes.comment(int(n), c), {}


def list_issue_labels(fake: FakeGitHub, q: dict[str, str], d: Any, n: str) -> Result:
    return 200, [fake.shapes.label(lb) for lb in _issue(fake, n)["labels"]], {}


def set_issue_labels(fake: FakeGitHub, q: dict[str, str], d: Any, n: str) -> Result:
    names = d.get("labels", []) if isinstance(d, dict) else d
    issue = _issue(fake, n)
    issue["labels"] = [fake._label(x) for x in names]
    return 200, [fake.shapes.label(lb) for lb in issue["labels"]], {}


def add_issue_labels(fake: FakeGitHub, q: dict[str, str], d: Any, n: str) -> Result:
    names = d.get("labels", []) if isinstance(d, dict) else d
    issue = _issue(fake, n)
    have = {lb["name"] for lb in issue["labels"]}
    issue["labels"] += [fake._label(x) for x in names if x not in have]
    return 200, [fake.shapes.label(lb) for lb in issue["labels"]], {}


def remove_issue_label(fake: FakeGitHub, q: dict[str, str], d: Any, n: str, name: str) -> Result:
    issue = _issue(fake, n)
    if name not in {lb["name"] for lb in issue["labels"]}:
        raise HttpError(404, "Label does not exist")
    issue["labels"] = [lb for lb in issue["labels"] if lb["name"] != name]
    return 200, [fake.shapes.label(lb) for lb in issue["labels"]], {}


def list_labels(fake: FakeGitHub, q: dict[str, str], d: Any) -> Result:
    return _page(fake, "/labels", q, [fake.shapes.label(lb) for lb in fake.state.labels.values()])


def pull_payload(fake: FakeGitHub, pr: dict[str, Any]) -> Any:
    head = fake.head_sha(pr["number"])
    if pr["state"] == "open" and not fake.branch_sha(pr["head"]):
        pr["state"] = "closed"  # GitHub closes a PR whose head branch is deleted
        fake.state.issues[pr["number"]].update(state="closed", closed_at=_now())
    return fake.shapes.pull(pr, head, fake.branch_sha(pr["base"]))


def list_pulls(fake: FakeGitHub, q: dict[str, str], d: Any) -> Result:
    state, head, base = q.get("state", "open"), q.get("head", ""), q.get("base", "")
    items = []
    for pr in sorted(fake.state.pulls.values(), key=lambda p: -p["number"]):
        payload = pull_payload(fake, pr)
        if state != "all" and pr["state"] != state:
            continue
        if head and f"{fake.state.owner}:{pr['head']}" != head:
            continue
        if base and pr["base"] != base:
            continue
        items.append(payload)
    return _page(fake, "/pulls", q, items)


def create_pull(fake: FakeGitHub, q: dict[str, str], d: dict[str, Any]) -> Result:
    head, base = d.get("head", ""), d.get("base", "")
    head = head.split(":", 1)[-1]
    if not fake.branch_sha(head):
        raise HttpError(422, "Validation Failed", errors=[{"resource": "PullRequest", "field": "head", "code": "invalid"}])
    for pr in fake.state.pulls.values():
        if pr["head"] == head and pr["base"] == base and pr["state"] == "open":
            raise HttpError(422, "Validation Failed", errors=[{"resource": "PullRequest", "code": "custom",
                            "message": f"A pull request already exists for {fake.state.owner}:{head}."}])
    issue = fake._new_issue(d.get("title", ""), d.get("body") or "", [], fake.state.login, pull=True)
    pr = {"number": issue["number"], "head": head, "base": base, "draft": bool(d.get("draft")),
          "state": "open", "merged": False, "head_sha": fake.branch_sha(head), "reviews": [], "review_comments": []}
    fake.state.pulls[issue["number"]] = pr
    return 201, pull_payload(fake, pr), {}


def get_pull(fake: FakeGitHub, q: dict[str, str], d: Any, n: str) -> Result:
    return 200, pull_payload(fake, _pull(fake, n)), {}


def edit_pull(fake: FakeGitHub, q: dict[str, str], d: dict[str, Any], n: str) -> Result:
    pr = _pull(fake, n)
    issue = fake.state.issues[pr["number"]]
    for key in ("title", "body"):
        if key in d:
            issue[key] = d[key]
    if d.get("state") in ("open", "closed") and not pr["merged"]:
        pr["state"] = issue["state"] = d["state"]
    issue["updated_at"] = _now()
    return 200, pull_payload(fake, pr), {}


def merge_pull(fake: FakeGitHub, q: dict[str, str], d: dict[str, Any], n: str) -> Result:
    return 200, fake._merge(int(n), d, by=fake.state.login), {}


def list_reviews(fake: FakeGitHub, q: dict[str, str], d: Any, n: str) -> Result:
    pr = _pull(fake, n)
    return _page(fake, f"/pulls/{n}/reviews", q, [fake.shapes.review(int(n), r) for r in pr["reviews"]])


def list_review_comments(fake: FakeGitHub, q: dict[str, str], d: Any, n: str) -> Result:
    pr = _pull(fake, n)
    return _page(fake, f"/pulls/{n}/comments", q,
                 [fake.shapes.review_comment(int(n), c) for c in pr["review_comments"]])


def _resolve(fake: FakeGitHub, ref: str) -> str:
    out = _git(fake.state.bare, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if out.returncode != 0:
        raise HttpError(422, f"No commit found for SHA: {ref}")
    return out.stdout.strip()


def get_commit(fake: FakeGitHub, q: dict[str, str], d: Any, ref: str) -> Result:
    sha = _resolve(fake, ref)
    info = _git(fake.state.bare, "log", "-1", "--format=%P%n%B", sha).stdout.split("\n", 1)
    return 200, fake.shapes.commit(sha, info[1].strip(), info[0].split()), {}


def commit_check_runs(fake: FakeGitHub, q: dict[str, str], d: Any, ref: str) -> Result:
    sha = _resolve(fake, ref)
    latest: dict[str, dict[str, Any]] = {
        name: {"id": 1, "head_sha": sha, "name": name, "status": "completed", "conclusion": conclusion, "at": _now()}
        for name, conclusion in fake.ci.items()}
    for run in fake.state.check_runs:  # GitHub's default filter=latest: newest run per name
        if run["head_sha"] == sha:
            latest[run["name"]] = run
    runs = [fake.shapes.check_run(r) for r in latest.values()]
    return 200, {"total_count": len(runs), "check_runs": runs}, {}


def _statuses(fake: FakeGitHub, sha: str) -> list[dict[str, Any]]:
    return [s for s in reversed(fake.state.statuses) if s["sha"] == sha]


def combined_status(fake: FakeGitHub, q: dict[str, str], d: Any, ref: str) -> Result:
    sha = _resolve(fake, ref)
    latest: dict[str, dict[str, Any]] = {}
    for s in _statuses(fake, sha):
        latest.setdefault(s["context"], s)
    states = {s["state"] for s in latest.values()}
    overall = ("failure" if states & {"failure", "error"} else "pending" if "pending" in states or not states
               else "success")
    return 200, {"state": overall, "sha": sha, "total_count": len(latest),
                 "statuses": [fake.shapes.status(s) for s in latest.values()], "repository": fake.shapes.repo(),
                 "commit_url": f"{fake.shapes.repo_url}/commits/{sha}",
                 "url": f"{fake.shapes.repo_url}/commits/{sha}/status"}, {}


def list_statuses(fake: FakeGitHub, q: dict[str, str], d: Any, ref: str) -> Result:
    sha = _resolve(fake, ref)
    return _page(fake, f"/commits/{ref}/statuses", q, [fake.shapes.status(s) for s in _statuses(fake, sha)])


def get_ref(fake: FakeGitHub, q: dict[str, str], d: Any, branch: str) -> Result:
    sha = fake.branch_sha(branch)
    if not sha:
        raise HttpError(404, "Not Found")
    return 200, fake.shapes.git_ref(branch, sha), {}


def delete_ref(fake: FakeGitHub, q: dict[str, str], d: Any, branch: str) -> Result:
    if not fake.branch_sha(branch):
        raise HttpError(422, "Reference does not exist")
    fake.delete_branch(branch)
    return 204, None, {}


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", r"/?", get_repo),
    ("GET", r"/issues", list_issues),
    ("POST", r"/issues", create_issue),
    ("GET", r"/issues/(\d+)", get_issue),
    ("PATCH", r"/issues/(\d+)", edit_issue),
    ("GET", r"/issues/(\d+)/comments", list_comments),
    ("POST", r"/issues/(\d+)/comments", create_comment),
    ("GET", r"/issues/(\d+)/labels", list_issue_labels),
    ("PUT", r"/issues/(\d+)/labels", set_issue_labels),
    ("POST", r"/issues/(\d+)/labels", add_issue_labels),
    ("DELETE", r"/issues/(\d+)/labels/(.+)", remove_issue_label),
    ("GET", r"/labels", list_labels),
    ("GET", r"/pulls", list_pulls),
    ("POST", r"/pulls", create_pull),
    ("GET", r"/pulls/(\d+)", get_pull),
    ("PATCH", r"/pulls/(\d+)", edit_pull),
    ("PUT", r"/pulls/(\d+)/merge", merge_pull),
    ("GET", r"/pulls/(\d+)/reviews", list_reviews),
    ("GET", r"/pulls/(\d+)/comments", list_review_comments),
    ("GET", r"/commits/(.+)/check-runs", commit_check_runs),
    ("GET", r"/commits/(.+)/status", combined_status),
    ("GET", r"/commits/(.+)/statuses", list_statuses),
    ("GET", r"/commits/([^/]+)", get_commit),
    ("GET", r"/git/ref/heads/(.+)", get_ref),
    ("GET", r"/git/refs/heads/(.+)", get_ref),
    ("DELETE", r"/git/refs/heads/(.+)", delete_ref),
]
