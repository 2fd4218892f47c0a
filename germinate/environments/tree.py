"""A throwaway copy of exactly one commit: what a sandboxed run works on.

Read from git's objects (``ls-tree`` + one ``cat-file --batch``), not from a worktree: no
untracked or ignored file, no ``.git``, and no ``.gitattributes`` ``export-ignore`` /
``export-subst`` rewriting what ``git archive`` would hand out. Submodules are left out.

One addition, as ``pip install -e .`` makes it in a checkout: a version file the project's build
writes from git (setuptools-scm, hatch-vcs) and the commit lacks, computed on the host from
``git describe`` (``generated.materialise``), so the tests import what a developer's would.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath

from germinate.environments.generated import materialise
from germinate.errors import RepoError

GIT_TIMEOUT_S = 300.0


def _git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    done = subprocess.run(["git", "-C", str(repo), *args], input=data, capture_output=True, timeout=GIT_TIMEOUT_S,
                          check=False, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    if done.returncode != 0:
        raise RepoError(f"git {' '.join(args[:2])} failed in {repo}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _entries(repo: Path, sha: str) -> list[tuple[str, str, str]]:
    """(mode, object id, path) of every blob and link in the commit's tree."""
    entries = []
    for record in _git(repo, "ls-tree", "-r", "-z", "--full-tree", sha).split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        if kind != "blob":
            continue  # a submodule is another repository's commit
        path = raw_path.decode("utf-8", errors="surrogateescape")
        parts = PurePosixPath(path).parts
        if path.startswith("/") or ".." in parts or ".git" in parts:
            raise RepoError(f"commit {sha[:12]} holds a path that cannot be copied safely: {path!r}")
        entries.append((mode, oid, path))
    return entries


def _blobs(repo: Path, oids: list[str]) -> list[bytes]:
    """The content of each object, in order, from one ``git cat-file --batch``."""
    out = _git(repo, "cat-file", "--batch", data="".join(f"{o}\n" for o in oids).encode())
    blobs, pos = [], 0
    for _ in oids:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        start = header_end + 1
        blobs.append(out[start:start + size])
        pos = start + size + 1
    return blobs


def export_commit(repo: Path, sha: str, dest: Path) -> Path:
    """Write the files of commit ``sha`` (of ``repo``, a repository or worktree) into ``dest``."""
    try:
        commit = _git(repo, "rev-parse", "--verify", f"{sha}^{{commit}}").decode().strip()
    except RepoError:
        raise RepoError(f"cannot copy {sha!r} of {repo} for a test run: no such commit. Fix: pass a commit that "
                        "exists there (git log --oneline)") from None
    entries = _entries(repo, commit)
    dest.mkdir(parents=True, exist_ok=True)
    for (mode, _oid, path), content in zip(entries, _blobs(repo, [e[1] for e in entries]), strict=True):
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            os.symlink(content.decode("utf-8", errors="surrogateescape"), target)
            continue
        target.write_bytes(content)
        target.chmod(0o755 if mode == "100755" else 0o644)
    materialise(repo, commit, dest)
    return dest
