"""A stateful loopback fake of the GitHub REST API, plus a bare git repository as the remote.

Only the endpoints GitHubForge uses, answering in GitHub's documented shapes with this
server's own base URL in every ``url`` field, so PyGithub (the real client) is what runs.
State lives in ``FakeGitHub``; tests act as humans through its methods (``add_review``,
``add_check_run``, ``merge_as_human``...) and inspect ``requests`` to prove nothing was
written twice. Branch heads come from the bare repository that ``git push`` really reaches.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.github_shapes import Shapes

DOCS = "https://docs.github.com/rest"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=check)


class HttpError(Exception):
    def __init__(self, status: int, message: str, **extra: Any):
        self.status = status
        self.payload = {"message": message, "documentation_url": DOCS, **extra}


@dataclass
class FakeState:
    owner: str
    name: str
    bare: Path
    token: str
    default_branch: str = "main"
    login: str = "germinate-bot"
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    check_runs: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    next_number: int = 1
    next_id: int = 1000
    limited: list[tuple[int, int, bool]] = field(default_factory=list)  # (status, reset_in, writes only)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


class FakeGitHub:
    """The fake server. Use as a context manager; ``base_url`` is what PyGithub is given."""

    def __init__(self, bare: Path, *, owner: str = "acme", name: str = "widget", token: str = "t0ken"):
        self.state = FakeState(owner=owner, name=name, bare=bare, token=token)
        self.requests: list[tuple[str, str]] = []
        # CI that reports these check runs (name -> conclusion) on every commit pushed, like an Actions workflow
        self.ci: dict[str, str] = {}
        self.lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.shapes = Shapes(self.base_url, self.state)
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def full_name(self) -> str:
        return f"{self.state.owner}/{self.state.name}"

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]

    # --- acting as humans and CI -----------------------------------------------------

    def create_issue(self, title: str, *, body: str = "", labels: list[str] = (), user: str = "alice") -> int:  # type: ignore[assignment]
        with self.lock:
            return self._new_issue(title, body, list(labels), user)["number"]

    def set_issue_labels(self, number: int, labels: list[str]) -> None:
        with self.lock:
            self.state.issues[number]["labels"] = [self._label(n) for n in labels]

    def add_review(self, number: int, *, user: str, state: str, body: str = "",
                   comments: list[dict[str, Any]] = (),  # type: ignore[assignment]
                   association: str = "MEMBER") -> None:
        """A review as GitHub records it; ``association`` is its ``author_association`` (NONE: an outsider)."""
        with self.lock:
            pr = self.state.pulls[number]
            pr["reviews"].append({"id": self.state.new_id(), "user": user, "state": state, "body": body,
                                  "commit_id": self.head_sha(number), "submitted_at": _now(),
                                  "association": association})
            for c in comments:
                pr["review_comments"].append({"id": self.state.new_id(), "user": user, "commit_id": self.head_sha(number),
                                              "created_at": _now(), "association": association, **c})

    def add_check_run(self, sha: str, name: str, conclusion: str | None, status: str = "completed") -> None:
        with self.lock:
            self.state.check_runs.append({"id": self.state.new_id(), "head_sha": sha, "name": name,
                                          "status": status, "conclusion": conclusion, "at": _now()})

    def add_status(self, sha: str, context: str, state: str) -> None:
        with self.lock:
            self.state.statuses.append({"id": self.state.new_id(), "sha": sha, "context": context,
                                        "state": state, "at": _now()})

    def merge_as_human(self, number: int, user: str = "alice") -> str:
        with self.lock:
            return self._merge(number, {"merge_method": "merge"}, by=user)["sha"]

    def close_pull(self, number: int) -> None:
        with self.lock:
            self.state.pulls[number]["state"] = "closed"
            self.state.issues[number]["state"] = "closed"

    def delete_branch(self, branch: str) -> None:
        _git(self.state.bare, "update-ref", "-d", f"refs/heads/{branch}")

    def rate_limit_next(self, count: int, *, status: int = 403, reset_in: int = 1, writes_only: bool = False) -> None:
        """The next ``count`` API requests (or writes) answer as rate limited (403 primary or 429)."""
        with self.lock:
            self.state.limited.extend([(status, reset_in, writes_only)] * count)

    def head_sha(self, number: int) -> str:
        pr = self.state.pulls[number]
        if pr["state"] == "open":
            sha = self.branch_sha(pr["head"])
            if sha:
                pr["head_sha"] = sha
        return pr["head_sha"]

    def branch_sha(self, branch: str) -> str:
        out = _git(self.state.bare, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}", check=False)
        return out.stdout.strip()

    # --- internals ---------------------------------------------------------------------

    def _label(self, name: str) -> dict[str, Any]:
        if name not in self.state.labels:
            self.state.labels[name] = {"id": self.state.new_id(), "name": name, "color": "ededed", "description": None}
        return self.state.labels[name]

    def _new_issue(self, title: str, body: str, labels: list[str], user: str, pull: bool = False) -> dict[str, Any]:
        number = self.state.next_number
        self.state.next_number += 1
        issue = {"id": self.state.new_id(), "number": number, "title": title, "body": body, "state": "open",
                 "state_reason": None, "labels": [self._label(n) for n in labels], "user": user,
                 "created_at": _now(), "updated_at": _now(), "closed_at": None, "is_pull": pull}
        self.state.issues[number] = issue
        self.state.comments[number] = []
        return issue

    def _merge(self, number: int, data: dict[str, Any], by: str) -> dict[str, Any]:
        pr = self.state.pulls.get(number)
        if pr is None:
            raise HttpError(404, "Not Found")
        if pr["merged"] or pr["state"] != "open":
            raise HttpError(405, "Pull Request is not mergeable")
        if pr["draft"]:
            raise HttpError(405, "Pull Request is still a draft")
        head = self.head_sha(number)
        if not self.branch_sha(pr["head"]):
            raise HttpError(422, "Head branch does not exist")
        if data.get("sha") and data["sha"] != head:
            raise HttpError(409, "Head branch was modified. Review and try the merge again.")
        bare = self.state.bare
        base = self.branch_sha(pr["base"])
        tree = _git(bare, "merge-tree", "--write-tree", base, head, check=False)
        if tree.returncode != 0:
            raise HttpError(405, "Pull Request is not mergeable")
        message = data.get("commit_message") or f"Merge pull request #{number} from {pr['head']}"
        title = data.get("commit_title") or f"Merge pull request #{number}"
        parents = ["-p", base] if data.get("merge_method") == "squash" else ["-p", base, "-p", head]
        sha = _git(bare, "commit-tree", tree.stdout.split()[0], *parents, "-m", f"{title}\n\n{message}").stdout.strip()
        _git(bare, "update-ref", f"refs/heads/{pr['base']}", sha, base)
        pr.update(merged=True, state="closed", merge_commit_sha=sha, merged_by=by, merged_at=_now())
        self.state.issues[number].update(state="closed", closed_at=_now())
        return {"sha": sha, "merged": True, "message": "Pull Request successfully merged"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                return

            def setup(self) -> None:
                super().setup()  # headers and body go out as separate writes: no Nagle delay
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, payload, headers = fake._dispatch(self.command, self.path, dict(self.headers), raw)
                body = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        return Handler

    def _dispatch(self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
                  ) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(raw_path)
        path, query = parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self.lock:
            self.requests.append((method, path))
            reset = int(time.time()) + 3600
            rate = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999",
                    "X-RateLimit-Reset": str(reset), "X-RateLimit-Used": "1", "X-RateLimit-Resource": "core"}
            applicable = [i for i, lim in enumerate(self.state.limited) if method != "GET" or not lim[2]]
            if applicable:
                status, reset_in, _ = self.state.limited.pop(applicable[0])
                rate.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + reset_in)})
                if status == 429:
                    rate["Retry-After"] = str(reset_in)
                return status, {"message": "API rate limit exceeded for user ID 1.", "documentation_url": DOCS}, rate
            auth = headers.get("Authorization") or headers.get("authorization") or ""
            if auth.split(" ")[-1] != self.state.token:
                return 401, {"message": "Bad credentials", "documentation_url": DOCS}, rate
            try:
                data = json.loads(raw) if raw else {}
                status, payload, extra = self._route(method, path, query, data)
            except HttpError as exc:
                return exc.status, exc.payload, rate
            return status, payload, {**rate, **extra}

    def _route(self, method: str, path: str, query: dict[str, str], data: dict[str, Any]
               ) -> tuple[int, Any, dict[str, str]]:
        from tests.fakes.github_routes import ROUTES

        if method == "POST" and path == "/graphql":
            return 200, self._graphql(data), {}
        if path == "/user":
            return 200, self.shapes.user(self.state.login), {}
        prefix = f"/repos/{self.state.owner}/{self.state.name}"
        if not path.startswith("/repos/"):
            raise HttpError(404, "Not Found")
        if path != prefix and not path.startswith(prefix + "/"):
            raise HttpError(404, "Not Found")
        rest = path[len(prefix):] or "/"
        for verb, pattern, handler in ROUTES:
            match = re.fullmatch(pattern, rest)
            if verb == method and match:
                args = [unquote(g) for g in match.groups()]
                result: tuple[int, Any, dict[str, str]] = handler(self, query, data, *args)
                return result
        raise HttpError(404, "Not Found")

    def _graphql(self, data: dict[str, Any]) -> dict[str, Any]:
        query = data.get("query", "")
        if "markPullRequestReadyForReview" not in query:
            return {"errors": [{"message": "unsupported by the fake"}]}
        node = data["variables"]["input"]["pullRequestId"]
        for pr in self.state.pulls.values():
            if self.shapes.node_id("PR", pr["number"]) == node:
                pr["draft"] = False
                return {"data": {"markPullRequestReadyForReview": {"clientMutationId": None,
                                                                   "pullRequest": {"isDraft": False}}}}
        return {"errors": [{"message": f"Could not resolve to a node with the global id of '{node}'"}]}


Handler = Callable[..., tuple[int, Any, dict[str, str]]]


def make_remote(tmp: Path, seed_repo: Path) -> Path:
    """A bare repository cloned from ``seed_repo``: the remote that pushes reach."""
    bare = tmp / "remote.git"
    _git(tmp, "clone", "--bare", "-q", str(seed_repo), str(bare))
    return bare
