"""Forge benchmark (issue 7): what intake and webhooks cost, and a GitHub round trip.

1. LocalForge: create N ticket files, list them.
2. Intake of N tickets into the store: first poll (N new, N cycles started) and a repeat poll
   (nothing new: the de-duplication cost a poll pays every few minutes).
3. Webhook receiver: signed deliveries handled in-process (HMAC check + delivery record +
   dispatch of a ``ping``), then the same deliveries replayed (answered ``duplicate``).
4. GitHubForge (real PyGithub) against the loopback fake: listing N task issues (paginated,
   30 a page) and a push + open PR + merge round trip.
Run: ``python tests/benchmarks/bench_forge.py [--tickets N]``.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from germinate.forge.github import GitHubForge  # noqa: E402
from germinate.forge.local import LocalForge  # noqa: E402
from germinate.intake import intake  # noqa: E402
from germinate.seed import Seed  # noqa: E402
from germinate.store import Store  # noqa: E402
from germinate.webhook import WebhookReceiver  # noqa: E402
from tests.fakes.github import FakeGitHub, make_remote  # noqa: E402


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    (path / "a.py").write_text("A = 1\n")
    git(path, "add", "-A")
    git(path, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "init")
    return path


def timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bench_local(tmp: Path, n: int) -> None:
    repo = make_repo(tmp / "local")
    seed = Seed.model_validate({"project": {"name": "bench"}})
    store = Store.open(repo=repo)
    forge = LocalForge(repo, seed, store)
    t_create, _ = timed(lambda: [forge.create_ticket(f"ticket {i}", labels=["ai-task"]) for i in range(n)])
    t_list, tickets = timed(lambda: forge.list_tickets(["ai-task"]))
    print(f"local tickets     create {n}: {t_create * 1000 / n:.2f} ms each; list {n}: {t_list * 1000:.0f} ms")
    started: list[str] = []
    t_first, _ = timed(lambda: intake(store, "bench", seed, tickets, repo=str(repo),  # type: ignore[arg-type]
                                      start=lambda r, t: started.append(t) or t))  # type: ignore[func-returns-value]
    t_again, _ = timed(lambda: intake(store, "bench", seed, tickets, repo=str(repo),  # type: ignore[arg-type]
                                      start=lambda r, t: started.append(t) or t))  # type: ignore[func-returns-value]
    print(f"intake            first poll {n} new: {t_first * 1000:.0f} ms ({len(started)} started); "
          f"repeat poll: {t_again * 1000:.0f} ms (0 started: {len(started) == n})")
    receiver = WebhookReceiver(secret="s", store=store, seed=seed, repo=str(repo), forge=lambda: forge,
                               gate=lambda f: None, start=lambda r, t: t)  # type: ignore[arg-type,return-value]
    body = json.dumps({"zen": "Keep it logically awesome."}).encode()
    sig = "sha256=" + hmac.new(b"s", body, hashlib.sha256).hexdigest()
    for label in ("deliveries", "replays"):
        times = []
        for i in range(n):
            headers = {"X-GitHub-Event": "ping", "X-GitHub-Delivery": f"d-{i}", "X-Hub-Signature-256": sig}
            start = time.perf_counter()
            receiver.handle(headers, body)
            times.append(time.perf_counter() - start)
        print(f"webhook {label:<10}{n}: median {statistics.median(times) * 1000:.2f} ms, "
              f"p95 {sorted(times)[int(n * 0.95)] * 1000:.2f} ms")
    store.close()


def bench_github(tmp: Path, n: int) -> None:
    repo = make_repo(tmp / "gh")
    bare = make_remote(tmp, repo)
    seed = Seed.model_validate({"project": {"name": "bench"}, "forge": {"kind": "github", "repo": "acme/widget"}})
    with FakeGitHub(bare, token="t") as fake:
        for i in range(n):
            fake.create_issue(f"issue {i}", labels=["ai-task"])
        forge = GitHubForge(repo, seed, token="t", base_url=fake.base_url)
        t_list, tickets = timed(lambda: forge.list_tickets(["ai-task"]))
        print(f"github list       {len(tickets)} issues ({len(fake.requests)} requests): {t_list * 1000:.0f} ms")
        wt = tmp / "wt"
        git(repo, "worktree", "add", "-q", "-b", "germinate/gh-1", str(wt))
        (wt / "b.py").write_text("B = 2\n")
        git(wt, "add", "-A")
        git(wt, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "b")
        sha = git(wt, "rev-parse", "HEAD")
        before = len(fake.requests)

        def round_trip() -> str:
            forge.push_branch("germinate/gh-1", wt)
            cr = forge.open_change_request(branch="germinate/gh-1", title="B", body="b", draft=False,
                                           ticket_id="gh-1")
            return forge.merge(cr, head_sha=sha, message="land B")

        t_trip, _ = timed(round_trip)
        print(f"github round trip push + PR + merge: {t_trip * 1000:.0f} ms ({len(fake.requests) - before} requests)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GERMINATE_HOME"] = str(Path(tmp) / "home")
        for key, value in {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
                           "GIT_COMMITTER_EMAIL": "b@b"}.items():
            os.environ.setdefault(key, value)
        print(f"forge benchmark: {args.tickets} tickets, python {sys.version.split()[0]}, {os.cpu_count()} cores")
        bench_local(Path(tmp), args.tickets)
        bench_github(Path(tmp), args.tickets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
