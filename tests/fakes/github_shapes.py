"""GitHub REST response shapes for the fake (docs.github.com/rest), with the fake's own URLs."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.github import FakeState


class Shapes:
    def __init__(self, base_url: str, state: FakeState):
        self.base = base_url
        self.state = state

    @property
    def repo_url(self) -> str:
        return f"{self.base}/repos/{self.state.owner}/{self.state.name}"

    @property
    def html(self) -> str:
        return f"{self.base}/{self.state.owner}/{self.state.name}"

    @staticmethod
    def node_id(kind: str, number: int) -> str:
        return base64.b64encode(f"{kind}_{number}".encode()).decode()

    def user(self, login: str) -> dict[str, Any]:
        return {"login": login, "id": abs(hash(login)) % 100000, "node_id": self.node_id("U", len(login)),
                "type": "User", "site_admin": False, "url": f"{self.base}/users/{login}",
                "html_url": f"{self.base}/{login}"}

    def label(self, label: dict[str, Any]) -> dict[str, Any]:
        return {"id": label["id"], "node_id": self.node_id("LA", label["id"]), "name": label["name"],
                "color": label["color"], "default": False, "description": label["description"],
                "url": f"{self.repo_url}/labels/{label['name']}"}

    def repo(self) -> dict[str, Any]:
        s = self.state
        return {"id": 4242, "node_id": self.node_id("R", 4242), "name": s.name,
                "full_name": f"{s.owner}/{s.name}", "owner": self.user(s.owner), "private": False,
                "html_url": self.html, "url": self.repo_url, "default_branch": s.default_branch,
                "clone_url": s.bare.as_uri(), "git_url": s.bare.as_uri(), "archived": False,
                "issues_url": f"{self.repo_url}/issues{{/number}}", "pulls_url": f"{self.repo_url}/pulls{{/number}}",
                "labels_url": f"{self.repo_url}/labels{{/name}}",
                "permissions": {"admin": False, "push": True, "pull": True}}

    def issue(self, issue: dict[str, Any]) -> dict[str, Any]:
        n = issue["number"]
        url = f"{self.repo_url}/issues/{n}"
        out = {"id": issue["id"], "node_id": self.node_id("I", n), "number": n, "title": issue["title"],
               "body": issue["body"], "state": issue["state"], "state_reason": issue["state_reason"],
               "labels": [self.label(lb) for lb in issue["labels"]], "user": self.user(issue["user"]),
               "url": url, "html_url": f"{self.html}/{'pull' if issue['is_pull'] else 'issues'}/{n}",
               "repository_url": self.repo_url,
               "comments_url": f"{url}/comments", "labels_url": f"{url}/labels{{/name}}",
               "events_url": f"{url}/events", "comments": len(self.state.comments.get(n, [])),
               "created_at": issue["created_at"], "updated_at": issue["updated_at"],
               "closed_at": issue["closed_at"], "locked": False, "assignees": [], "assignee": None}
        if issue["is_pull"]:
            out["pull_request"] = {"url": f"{self.repo_url}/pulls/{n}", "html_url": f"{self.html}/pull/{n}",
                                   "diff_url": f"{self.html}/pull/{n}.diff", "patch_url": f"{self.html}/pull/{n}.patch"}
        return out

    def comment(self, number: int, c: dict[str, Any]) -> dict[str, Any]:
        return {"id": c["id"], "node_id": self.node_id("IC", c["id"]), "body": c["body"],
                "user": self.user(c["user"]), "url": f"{self.repo_url}/issues/comments/{c['id']}",
                "html_url": f"{self.html}/issues/{number}#issuecomment-{c['id']}",
                "issue_url": f"{self.repo_url}/issues/{number}", "created_at": c["created_at"],
                "updated_at": c["created_at"], "author_association": c.get("association", "MEMBER")}

    def _ref(self, branch: str, sha: str) -> dict[str, Any]:
        return {"label": f"{self.state.owner}:{branch}", "ref": branch, "sha": sha,
                "user": self.user(self.state.owner), "repo": self.repo()}

    def pull(self, pr: dict[str, Any], head_sha: str, base_sha: str) -> dict[str, Any]:
        n = pr["number"]
        issue = self.state.issues[n]
        url = f"{self.repo_url}/pulls/{n}"
        return {"id": issue["id"], "node_id": self.node_id("PR", n), "number": n, "url": url,
                "html_url": f"{self.html}/pull/{n}", "issue_url": f"{self.repo_url}/issues/{n}",
                "state": pr["state"], "title": issue["title"], "body": issue["body"], "draft": pr["draft"],
                "merged": pr["merged"], "merged_at": pr.get("merged_at"),
                "merged_by": self.user(pr["merged_by"]) if pr.get("merged_by") else None,
                "merge_commit_sha": pr.get("merge_commit_sha"), "mergeable": pr["state"] == "open",
                "mergeable_state": "clean", "head": self._ref(pr["head"], head_sha),
                "base": self._ref(pr["base"], base_sha), "user": self.user(issue["user"]),
                "labels": [self.label(lb) for lb in issue["labels"]], "created_at": issue["created_at"],
                "updated_at": issue["updated_at"], "closed_at": issue["closed_at"],
                "comments_url": f"{self.repo_url}/issues/{n}/comments",
                "review_comments_url": f"{url}/comments", "commits_url": f"{url}/commits",
                "statuses_url": f"{self.repo_url}/statuses/{head_sha}", "locked": False}

    def review(self, n: int, r: dict[str, Any]) -> dict[str, Any]:
        return {"id": r["id"], "node_id": self.node_id("PRR", r["id"]), "user": self.user(r["user"]),
                "body": r["body"], "state": r["state"], "commit_id": r["commit_id"],
                "submitted_at": r["submitted_at"], "html_url": f"{self.html}/pull/{n}#pullrequestreview-{r['id']}",
                "pull_request_url": f"{self.repo_url}/pulls/{n}",
                "author_association": r.get("association", "MEMBER")}

    def review_comment(self, n: int, c: dict[str, Any]) -> dict[str, Any]:
        return {"id": c["id"], "node_id": self.node_id("PRRC", c["id"]), "path": c.get("path", ""),
                "line": c.get("line"), "position": c.get("line"), "body": c["body"], "user": self.user(c["user"]),
                "commit_id": c["commit_id"], "url": f"{self.repo_url}/pulls/comments/{c['id']}",
                "pull_request_url": f"{self.repo_url}/pulls/{n}", "created_at": c["created_at"],
                "updated_at": c["created_at"], "html_url": f"{self.html}/pull/{n}#discussion_r{c['id']}",
                "author_association": c.get("association", "MEMBER")}

    def check_run(self, c: dict[str, Any]) -> dict[str, Any]:
        return {"id": c["id"], "node_id": self.node_id("CR", c["id"]), "head_sha": c["head_sha"],
                "name": c["name"], "status": c["status"], "conclusion": c["conclusion"],
                "url": f"{self.repo_url}/check-runs/{c['id']}", "html_url": f"{self.html}/runs/{c['id']}",
                "details_url": f"{self.html}/runs/{c['id']}", "started_at": c["at"],
                "completed_at": c["at"] if c["status"] == "completed" else None, "external_id": "",
                "output": {"title": None, "summary": None, "text": None, "annotations_count": 0}}

    def status(self, s: dict[str, Any]) -> dict[str, Any]:
        return {"id": s["id"], "node_id": self.node_id("SC", s["id"]), "state": s["state"],
                "context": s["context"], "description": None, "target_url": f"{self.html}/ci/{s['id']}",
                "url": f"{self.repo_url}/statuses/{s['sha']}", "created_at": s["at"], "updated_at": s["at"],
                "avatar_url": None}

    def commit(self, sha: str, message: str, parents: list[str]) -> dict[str, Any]:
        url = f"{self.repo_url}/commits/{sha}"
        return {"sha": sha, "node_id": self.node_id("C", len(sha)), "url": url,
                "html_url": f"{self.html}/commit/{sha}", "comments_url": f"{url}/comments",
                "commit": {"message": message, "url": f"{self.repo_url}/git/commits/{sha}",
                           "author": None, "committer": None, "comment_count": 0},
                "parents": [{"sha": p, "url": f"{self.repo_url}/commits/{p}"} for p in parents],
                "files": [], "stats": {"additions": 0, "deletions": 0, "total": 0}}

    def git_ref(self, branch: str, sha: str) -> dict[str, Any]:
        return {"ref": f"refs/heads/{branch}", "node_id": self.node_id("REF", len(branch)),
                "url": f"{self.repo_url}/git/refs/heads/{branch}",
                "object": {"sha": sha, "type": "commit", "url": f"{self.repo_url}/git/commits/{sha}"}}
