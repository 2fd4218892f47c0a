"""A new user's whole path on real projects (issue 12), through the real ``germinate`` CLI.

For each real project fetched for measuring (``/work/.mirror/<owner+name>/repo``, cloned fresh
into a temporary folder; nothing is vendored), with a fresh ``GERMINATE_HOME`` and a clean
environment, exactly what a new user types:

1. ``germinate init .``, then ``git commit`` of the ``seed.yaml`` it wrote (no edits);
2. ``germinate validate seed.yaml``;
3. ``germinate sense . --json``, next to a bare ``coverage run -m pytest`` of the same commit in
   a fresh venv built with the ``setup_command`` init wrote (compared over the files sense measures);
4. ``germinate gate --base C^ --head C --seed seed.yaml --json`` on the newest human commit C that
   touched Python;
5. ``germinate ticket new`` and ``germinate run --ticket ID --approve human`` with the scripted
   model (``GERMINATE_MODEL=scripted/…``, docs/scripted-model.md): its tester adds a test file,
   its implementer appends a small function to a product module; the cycle pauses for a person,
   who answers with ``germinate approve RUN_ID``;
6. ``germinate land CHANGE`` (the change request ``germinate status`` names), then checks: main
   moved to a new commit, its tree is the tested tree plus the growth log, ``AUTOGEN_LOG.md``
   names the ticket, the user's checkout is clean, and ``germinate sense`` on main counts the
   new tests.

One Prefect server (``germinate server --background``) serves every run and is stopped at the end.
Run: ``python tests/benchmarks/bench_newuser.py [--project humanize] [--no-bare] [--keep]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
MIRRORS = Path("/work/.mirror")
GERMINATE = Path(sys.executable).with_name("germinate")
BOTS = ("[bot]", "dependabot", "pre-commit-ci", "github-actions", "renovate")
FUNCTION = '''

def clamp_to_range(value: float, low: float, high: float) -> float:
    """Return ``value`` limited to the closed range ``low``..``high``."""
    if low > high:
        raise ValueError("low must not exceed high")
    return max(low, min(value, high))
'''
TEST = '''import pytest

from {package} import clamp_to_range


def test_clamp_to_range_limits_both_ends():
    assert clamp_to_range(5, 0, 3) == 3
    assert clamp_to_range(-1, 0, 3) == 0
    assert clamp_to_range(2, 0, 3) == 2


def test_clamp_to_range_refuses_an_empty_range():
    with pytest.raises(ValueError):
        clamp_to_range(1, 3, 0)
'''


@dataclass(frozen=True)
class Project:
    """A real project and where the scripted change goes in it."""

    mirror: str
    module: str  # the product file the implementer appends a function to
    package: str  # that file's import name
    tests: str  # the folder of the new test file


PROJECTS = {
    "humanize": Project("python-humanize+humanize", "src/humanize/lists.py", "humanize.lists", "tests"),
    "itsdangerous": Project("pallets+itsdangerous", "src/itsdangerous/encoding.py", "itsdangerous.encoding",
                            "tests/test_itsdangerous"),
    "cachetools": Project("tkem+cachetools", "src/cachetools/keys.py", "cachetools.keys", "tests"),
    "more-itertools": Project("more-itertools+more-itertools", "more_itertools/recipes.py",
                              "more_itertools.recipes", "tests"),
}


@dataclass
class Walk:
    """What one project's path produced: per step (exit code, key figure), and what landed."""

    project: str
    steps: dict[str, tuple[int | None, str]] = field(default_factory=dict)
    landed: dict[str, str] = field(default_factory=dict)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def user_env(home: Path, api_url: str, transcript: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A fresh shell's environment: a fresh GERMINATE_HOME, the scripted model, the shared server."""
    env = {k: os.environ[k] for k in ("PATH", "LANG", "TMPDIR") if k in os.environ} | (extra or {})
    return {**env, "HOME": str(home), "GERMINATE_HOME": str(home / "germinate"), "PREFECT_API_URL": api_url,
            "GERMINATE_MODEL": f"scripted/{transcript}", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.org",
            "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.org"}


def cli(env: dict[str, str], cwd: Path, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    done = subprocess.run([str(GERMINATE), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    log = Path(env["HOME"]) / "cli.log"
    with log.open("a") as out:
        out.write(f"\n$ germinate {' '.join(args)}  -> exit {done.returncode} in {time.monotonic() - started:.1f} s\n"
                  f"{done.stdout}\n{done.stderr}\n")
    return done


def transcript(project: Project, repo: Path, ticket: str, dest: Path) -> Path:
    """The scripted model's answers: a plan, a new test file, the function appended to the module."""
    text = (repo / project.module).read_text()
    tail = text.rstrip("\n").splitlines()
    anchor = "\n".join(tail[-3:])
    if text.count(anchor) != 1:
        raise SystemExit(f"{project.module}: its last three lines are not unique; pick another module")
    test_path = f"{project.tests}/test_clamp_to_range.py"
    block = "{path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n"
    summary = f"Add clamp_to_range() to {project.module} with its tests"
    data = {"version": 1, "description": f"bench_newuser: {summary}", "responses": {
        "architect": [{"match": ticket, "content": {
            "summary": summary, "acceptance_criteria": ["clamp_to_range(5, 0, 3) == 3",
                                                         "clamp_to_range(1, 3, 0) raises ValueError"],
            "scope": [project.module, test_path], "tests_to_add": [f"{test_path}::test_clamp_to_range_limits_both_ends"],
            "risks": []}}],
        "tester": [{"match": ticket, "content": block.format(path=test_path, search="",
                                                             replace=TEST.format(package=project.package))}],
        "implementer": [{"match": ticket, "content": block.format(path=project.module, search=anchor + "\n",
                                                                  replace=anchor + "\n" + FUNCTION)}],
        "reviewer": [{"match": ticket, "repeat": True, "content": {
            "verdict": "approve", "summary": "Small, tested helper.", "comments": [],
            "rubric": {"correctness": 5, "tests": 5, "style": 4, "design": 4, "security": 5}}}],
        "maintainer": [{"content": "Small and tested; land it.", "repeat": True}],
    }}
    dest.write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


def coverage_figure(files: dict[str, Any]) -> str:
    stmts = sum(f["statements"] for f in files.values())
    covered = sum(f["covered"] for f in files.values())
    branches = sum(f.get("branches", 0) for f in files.values())
    figure = f"{covered}/{stmts} stmts"
    if branches:
        figure += f", {sum(f.get('covered_branches', 0) for f in files.values())}/{branches} branches"
    return figure


def bare_run(repo: Path, setup: str, work: Path, measured: set[str]) -> str:
    """A bare ``coverage run -m pytest`` of repo's HEAD in a fresh venv set up with ``setup``."""
    tree, venv = work / "bare-tree", work / "bare-venv"
    git(work, "clone", "-q", str(repo), str(tree))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    for cmd in ("python -m pip install -q pytest coverage", setup):
        if subprocess.run(["/bin/sh", "-c", cmd], cwd=tree, env=env, capture_output=True).returncode:
            return f"setup failed: {cmd}"
    ran = subprocess.run(["coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tree, env=env,
                         capture_output=True, text=True)
    subprocess.run(["coverage", "json", "-q", "-o", str(work / "bare.json")], cwd=tree, env=env, check=False)
    summary = ran.stdout.strip().splitlines()[-1] if ran.stdout.strip() else f"exit {ran.returncode}"
    files = json.loads((work / "bare.json").read_text())["files"] if (work / "bare.json").is_file() else {}
    same = {path: {"statements": f["summary"]["num_statements"], "covered": f["summary"]["covered_lines"],
                   "branches": f["summary"].get("num_branches", 0),
                   "covered_branches": f["summary"].get("covered_branches", 0)}
            for path, f in files.items() if path in measured}
    counts = ", ".join(re.findall(r"\d+ (?:passed|failed|skipped|errors?)", re.sub(r"\x1b\[[0-9;]*m", "", summary)))
    return f"{counts}; {coverage_figure(same)} ({len(same)} of {len(files)} files)"


def sense(walk: Walk, step: str, env: dict[str, str], repo: Path) -> dict[str, Any]:
    done = cli(env, repo, "sense", ".", "--json")
    try:
        snap: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        walk.steps[step] = (done.returncode, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "?")
        return {}
    t = snap["tests"]
    figure = (f"{snap['health']}: {t['passed']} passed, {t['failed']} failed, {t['errors']} errors, "
              f"{t['skipped']} skipped; {coverage_figure(snap['coverage']['files'])}")
    walk.steps[step] = (done.returncode, figure)
    return snap


def human_python_commit(repo: Path) -> str:
    """The newest non-merge commit by a person (not a bot) that changed a Python file, before the seed."""
    for line in git(repo, "log", "--no-merges", "--format=%H%x09%an", "HEAD~1", "--", "*.py").splitlines():
        sha, author = line.split("\t", 1)
        if not any(bot in author.lower() for bot in BOTS):
            return sha
    raise SystemExit(f"{repo}: no human commit touching Python")


def gate(walk: Walk, env: dict[str, str], repo: Path) -> None:
    sha = human_python_commit(repo)
    done = cli(env, repo, "gate", "--base", f"{sha}^", "--head", sha, "--seed", "seed.yaml", "--json")
    try:
        report = json.loads(done.stdout)
        failing = [g["name"] for g in report["gates"] if not g["passed"] and g["severity"] != "warn"]
        figure = f"{sha[:8]}: {report.get('verdict', '?')}" + (f" ({', '.join(failing)})" if failing else "")
    except (json.JSONDecodeError, KeyError):
        figure = f"{sha[:8]}: {(done.stderr.strip().splitlines() or ['no output'])[-1]}"
    walk.steps["gate"] = (done.returncode, figure)


def run_and_approve(walk: Walk, env: dict[str, str], repo: Path, ticket: str) -> None:
    """``germinate run --approve human`` in the background; ``germinate approve`` when status names the pause."""
    log = Path(env["HOME"]) / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(GERMINATE), "run", ".", "--ticket", ticket, "--approve", "human"], cwd=repo,
                                env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    approved: tuple[int | None, str] = (None, "never paused")
    deadline = time.monotonic() + 1800
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(3)
        if approved[0] is not None:
            continue
        waiting = re.search(r"germinate approve ([0-9a-f-]{36})", cli(env, repo, "status", ".").stdout)
        if waiting:
            done = cli(env, repo, "approve", waiting.group(1), "--by", "ada", "--comment", "bench: looks right")
            approved = (done.returncode, f"run {waiting.group(1)[:8]} resumed")
    if proc.poll() is None:
        proc.kill()
    code = proc.wait()
    rows = [re.split(r"\s{2,}", line.strip()) for line in log.read_text().splitlines()
            if re.match(rf"\s*\d+\s+{re.escape(ticket)}\s", line)]  # the summary table: #, ticket, outcome...
    walk.steps["approve"] = approved
    walk.steps["run"] = (code, f"{ticket}: {rows[-1][2]}" if rows and len(rows[-1]) > 2 else log.read_text()[-200:])


def land(walk: Walk, env: dict[str, str], repo: Path, ticket: str, default: str) -> None:
    status = cli(env, repo, "status", ".").stdout
    change = re.search(r"germinate land (\S+) --repo", status)
    branch = re.search(r"branch (\S+)", status)
    if not change or not branch:
        walk.steps["land"] = (None, "no change request in 'germinate status'")
        return
    main_before, tested = git(repo, "rev-parse", default), git(repo, "rev-parse", branch.group(1))
    done = cli(env, repo, "land", change.group(1), "--repo", ".")
    last = [ln for ln in done.stdout.splitlines() if ln.strip()]
    walk.steps["land"] = (done.returncode, (last[-1] if last else done.stderr.strip()[-200:]))
    main_after = git(repo, "rev-parse", default)
    differs = git(repo, "diff", "--name-only", tested, main_after).split()
    reporting = yaml.safe_load((repo / "seed.yaml").read_text()).get("reporting") or {}
    records = {reporting.get("growth_log", "AUTOGEN_LOG.md"), reporting.get("capabilities", "docs/CAPABILITIES.md")}
    walk.landed = {
        "main": f"{main_before[:8]} -> {main_after[:8]}" if main_after != main_before else "did not move",
        "tree": (f"tested tree ({tested[:8]}) + growth records: {', '.join(differs)}" if set(differs) <= records
                 else f"differs from the tested tree ({tested[:8]}) in {differs}"),
        "log": "entry names " + ticket if ticket in git(repo, "show", f"{default}:AUTOGEN_LOG.md") else "no entry",
        "checkout": "clean" if not git(repo, "status", "--porcelain") else "dirty",
    }


def walk_project(name: str, project: Project, source: Path, work: Path, api_url: str, *, bare: bool,
                 extra_env: dict[str, str] | None = None) -> Walk:
    """The whole path on a fresh clone of ``source`` (also driven by tests/integration/test_newuser_path.py)."""
    walk = Walk(name)
    home = work / "user"
    home.mkdir(parents=True)
    repo = work / name
    git(work, "clone", "-q", str(source), str(repo))
    default = git(repo, "symbolic-ref", "--short", "HEAD")  # main, master...
    env = user_env(home, api_url, work / "transcript.yaml", extra_env)
    done = cli(env, repo, "init", ".")
    setup = str(yaml.safe_load((repo / "seed.yaml").read_text())["execution"].get("setup_command") or "")
    walk.steps["init"] = (done.returncode, f"setup_command: {setup}")
    git(repo, "add", "seed.yaml")
    git(repo, "-c", "user.name=Ada", "-c", "user.email=ada@example.org", "commit", "-qm", "Add the Germinate seed")
    done = cli(env, repo, "validate", "seed.yaml")
    walk.steps["validate"] = (done.returncode, (done.stdout.strip().splitlines() or [""])[0])
    snap = sense(walk, "sense", env, repo)
    if bare and snap:
        walk.steps["bare"] = (0, bare_run(repo, setup, work, set(snap["coverage"]["files"])))
    gate(walk, env, repo)
    done = cli(env, repo, "ticket", "new", f"Add clamp_to_range() to {project.package}", "--repo", ".",
               "--body", "A helper that limits a value to a closed range, with tests.")
    found = re.search(r"local-\d+", done.stdout)
    walk.steps["ticket"] = (done.returncode, found.group(0) if found else done.stdout.strip()[-100:])
    if not found:
        return walk
    transcript(project, repo, found.group(0), work / "transcript.yaml")
    run_and_approve(walk, env, repo, found.group(0))
    land(walk, env, repo, found.group(0), default)
    if walk.landed.get("main", "did not move") != "did not move":
        sense(walk, "sense after", env, repo)
    return walk


def start_server(home: Path) -> str:
    env = {**user_env(home, "", home / "none.yaml"), "GERMINATE_HOME": str(home / "germinate")}
    env.pop("PREFECT_API_URL")
    done = subprocess.run([str(GERMINATE), "server", "--background", "--port", "0"], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"germinate server failed: {done.stdout}{done.stderr}")
    return str(json.loads((home / "germinate" / "server.json").read_text())["api_url"])


def stop_server(home: Path) -> None:
    env = {**user_env(home, "", home / "none.yaml")}
    env.pop("PREFECT_API_URL")
    subprocess.run([str(GERMINATE), "server", "--stop"], env=env, capture_output=True, check=False)


def table(walks: list[Walk]) -> str:
    steps = ["bench", "init", "validate", "sense", "bare", "gate", "ticket", "approve", "run", "land", "sense after"]
    rows = ["| project | step | exit | key figure |", "|---|---|---|---|"]
    for walk in walks:
        for step in steps:
            if step in walk.steps:
                code, figure = walk.steps[step]
                rows.append(f"| {walk.project} | {step} | {code} | {figure.replace('|', '/')} |")
        for what, value in walk.landed.items():
            rows.append(f"| {walk.project} | landed: {what} | | {value} |")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", action="append", choices=sorted(PROJECTS), help="only these (repeatable)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare coverage run")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs: <project>/user/cli.log)")
    args = parser.parse_args(argv)
    names = args.project or sorted(PROJECTS)
    missing = [n for n in names if not (MIRRORS / PROJECTS[n].mirror / "repo").is_dir()]
    if missing:
        print(f"skipped: no mirror for {', '.join(missing)} under {MIRRORS}")
        names = [n for n in names if n not in missing]
    work = Path(tempfile.mkdtemp(prefix="bench-newuser-"))
    walks = []
    try:
        api_url = start_server(work / "server")
        for name in names:
            started = time.monotonic()
            source = MIRRORS / PROJECTS[name].mirror / "repo"
            try:
                walks.append(walk_project(name, PROJECTS[name], source, work / name, api_url, bare=not args.no_bare))
            except (subprocess.CalledProcessError, OSError, ValueError, KeyError) as error:
                walks.append(Walk(name, steps={"bench": (None, f"stopped: {error}")}))
            print(f"{name}: {time.monotonic() - started:.0f} s", flush=True)
    finally:
        stop_server(work / "server")
        print(table(walks))
        if args.keep:
            print(f"kept {work}")
        else:
            subprocess.run(["rm", "-rf", str(work)], check=False)
    landed = all(w.landed.get("log", "").startswith("entry") for w in walks)
    return 0 if walks and landed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
