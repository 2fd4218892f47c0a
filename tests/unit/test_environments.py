"""The execution seam: each kind's command line, the selector, the allowlist, the commit copy,
and the bubblewrap kind's containment, run for real where bubblewrap works."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from germinate.environments import Limits, SandboxUnavailable
from germinate.environments import bwrap as bwrap_kind
from germinate.environments import docker as docker_kind
from germinate.environments.allowlist import allowed_env, install_names
from germinate.environments.bwrap import BwrapEnvironment, bwrap_argv
from germinate.environments.docker import docker_argv
from germinate.environments.local import LocalEnvironment
from germinate.environments.select import environment_for
from germinate.environments.tree import export_commit
from germinate.errors import RepoError
from germinate.seed import Execution
from tests.conftest import git, make_repo

needs_bwrap = pytest.mark.skipif(bool(bwrap_kind.probe()), reason=f"bubblewrap cannot run here: {bwrap_kind.probe()}")


def execution(**values: object) -> Execution:
    return Execution.model_validate(values)


def test_bwrap_argv_isolates_by_default(tmp_path: Path) -> None:
    argv = bwrap_argv(["python", "-m", "pytest"], cwd=tmp_path, network=False, writable=[tmp_path],
                      readable=[Path("/venv")], limits=Limits(memory_mb=100, processes=10, file_size_mb=1))
    assert argv[0] == "bwrap" and "--unshare-all" in argv and "--share-net" not in argv
    assert "--die-with-parent" in argv and argv[argv.index("--uid") + 1] == "65534"
    assert argv[argv.index("/venv") - 1:argv.index("/venv") + 2] == ["--ro-bind", "/venv", "/venv"]
    assert ["--bind", str(tmp_path), str(tmp_path)] == argv[argv.index("--bind"):argv.index("--bind") + 3]
    assert "/" not in [argv[i + 1] for i, a in enumerate(argv) if a in ("--bind", "--ro-bind")]  # no whole root
    assert argv[-9:] == ["prlimit", "--as=104857600", "--nproc=10", "--fsize=1048576", "--nofile=4096", "--",
                         "python", "-m", "pytest"]
    with_net = bwrap_argv(["true"], cwd=tmp_path, network=True, writable=[], readable=[], limits=Limits())
    assert "--share-net" in with_net


def test_docker_argv_has_no_network_and_limits(tmp_path: Path) -> None:
    argv = docker_argv(["python", "-V"], name="g-1", image="img", cwd=tmp_path, env={"PATH": "/usr/bin"},
                       network=False, writable=[tmp_path], readable=[Path("/venv")], limits=Limits(processes=64))
    assert argv[:3] == ["docker", "run", "--rm"] and argv[-3:] == ["img", "python", "-V"]
    assert argv[argv.index("--network") + 1] == "none" and "--read-only" in argv
    assert argv[argv.index("--pids-limit") + 1] == "64"
    assert f"{tmp_path}:{tmp_path}:rw" in argv and "/venv:/venv:ro" in argv
    assert "HOME=/tmp/home" in argv and "PATH=/usr/bin" in argv
    assert argv[argv.index("--user") + 1] == f"{os.getuid()}:{os.getgid()}" and "ALL" in argv


@pytest.mark.skipif(not docker_kind.probe(), reason="a docker/podman daemon answers here; see the run test")
def test_docker_kind_is_refused_with_the_fix_when_no_daemon_runs() -> None:
    with pytest.raises(SandboxUnavailable, match="execution.sandbox: local"):
        environment_for(execution(sandbox="docker"))


@pytest.mark.skipif(bool(docker_kind.probe()), reason=f"no container daemon here: {docker_kind.probe()}")
def test_docker_kind_runs_contained(tmp_path: Path) -> None:  # pragma: no cover - needs a daemon
    env = environment_for(execution(sandbox="docker"))
    result = env.run(["sh", "-c", "touch /etc/x"], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, timeout=60,
                     log=tmp_path / "log")
    assert result.exit_code != 0


def test_local_is_chosen_only_when_named_and_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    env = environment_for(execution(sandbox="local"))
    assert isinstance(env, LocalEnvironment)
    result = env.run([sys.executable, "-c", "import os; print(os.environ['HOME'])"], cwd=tmp_path,
                     env={"PATH": os.environ["PATH"]}, timeout=30, log=tmp_path / "log")
    assert result.exit_code == 0 and "WITHOUT isolation" in caplog.text
    assert (tmp_path / "log").read_text().strip() != os.path.expanduser("~")  # a throwaway HOME


def test_no_sandbox_refuses_with_a_one_line_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bwrap_kind, "probe", lambda executable="bwrap": "bwrap is not installed")
    monkeypatch.setattr(docker_kind, "probe", lambda: "neither docker nor podman is installed")
    with pytest.raises(SandboxUnavailable) as caught:
        environment_for(execution())
    message = str(caught.value)
    assert "bwrap is not installed" in message and "docker" in message and "\n" not in message
    assert "Fix: install bubblewrap" in message and "execution.sandbox: local" in message


def test_allowlist_drops_keys_tokens_and_prefect() -> None:
    source = {"PATH": "/bin", "LANG": "C.UTF-8", "LC_ALL": "C", "OPENAI_API_KEY": "sk", "GERMINATE_GITHUB_TOKEN": "t",
              "PREFECT_API_URL": "http://x", "AWS_SECRET_ACCESS_KEY": "a", "PIP_INDEX_URL": "https://mirror"}
    env = allowed_env({"VIRTUAL_ENV": "/v"}, source=source)
    assert env == {"PATH": "/bin", "LANG": "C.UTF-8", "LC_ALL": "C", "VIRTUAL_ENV": "/v"}
    assert allowed_env({}, ["PIP_INDEX_URL"], source=source)["PIP_INDEX_URL"] == "https://mirror"
    assert install_names({**source, "HTTPS_PROXY": "http://proxy:3128"}) == ["PIP_INDEX_URL", "HTTPS_PROXY"]


def test_export_is_exactly_the_commit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.py": "A = 1\n", "run.sh": "#!/bin/sh\n", ".gitattributes": "b.py export-ignore\n",
                                      "pkg/b.py": "B = 2\n"})
    (repo / "run.sh").chmod(0o755)
    os.symlink("a.py", repo / "link.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "more")
    (repo / "untracked.py").write_text("U = 1\n")
    (repo / "a.py").write_text("A = 'dirty'\n")
    out = export_commit(repo, "HEAD", tmp_path / "copy")
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if not p.is_dir())
    assert names == [".gitattributes", "a.py", "link.py", "pkg/b.py", "run.sh"]  # export-ignore has no say
    assert (out / "a.py").read_text() == "A = 1\n" and os.readlink(out / "link.py") == "a.py"
    assert os.access(out / "run.sh", os.X_OK) and not (out / ".git").exists()
    with pytest.raises(RepoError, match="no-such"):
        export_commit(repo, "no-such", tmp_path / "none")


@needs_bwrap
def test_bwrap_sees_only_what_it_is_given(tmp_path: Path) -> None:
    work, secret = tmp_path / "work", tmp_path / "secret"
    work.mkdir()
    secret.mkdir()
    (secret / "key").write_text("sk-secret")
    script = ("import os, pathlib, socket\n"
              f"print('secret', os.path.exists({str(secret / 'key')!r}))\n"
              "pathlib.Path('out.txt').write_text('ok')\n"
              "for target in ('/usr/pwned', os.environ['HOME'] + '/x', '/etc/pwned'):\n"
              "    try:\n        open(target, 'w').write('x'); print('wrote', target)\n"
              "    except OSError as e:\n        print('refused', target, type(e).__name__)\n"
              "try:\n    socket.create_connection(('127.0.0.1', 9), timeout=2); print('net on')\n"
              "except OSError:\n    print('net off')\n")
    readable = [Path(sys.prefix), Path(sys.base_prefix)]
    result = BwrapEnvironment().run([sys.executable, "-c", script], cwd=work, env={"PATH": "/usr/bin:/bin"},
                                    timeout=60, log=tmp_path / "log", writable=[work], readable=readable)
    out = (tmp_path / "log").read_text()
    assert result.exit_code == 0, out
    assert "secret False" in out and "net off" in out and (work / "out.txt").read_text() == "ok"
    assert "refused /usr/pwned" in out and "refused /etc/pwned" in out and "wrote /tmp/home/x" in out
    assert not Path("/usr/pwned").exists()


@needs_bwrap
def test_bwrap_timeout_takes_setsid_children_with_it(tmp_path: Path) -> None:
    marker = f"germinate-setsid-{uuid.uuid4().hex[:8]}"
    script = (f"import subprocess, sys, time\n"
              f"subprocess.Popen(['setsid', sys.executable, '-c', 'import time; time.sleep(300)', {marker!r}])\n"
              "time.sleep(300)\n")
    started = time.monotonic()
    result = BwrapEnvironment().run([sys.executable, "-c", script], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"},
                                    timeout=3, log=tmp_path / "log", writable=[tmp_path],
                                    readable=[Path(sys.prefix), Path(sys.base_prefix)])
    assert result.timed_out and time.monotonic() - started < 60
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    assert left == []


@needs_bwrap
def test_bwrap_limits_file_size_memory_and_processes(tmp_path: Path) -> None:
    env = BwrapEnvironment(Limits(memory_mb=0, processes=0, file_size_mb=1, open_files=0))
    script = "open('big', 'wb').write(b'x' * (2 * 1024 * 1024))"
    result = env.run([sys.executable, "-c", script], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, timeout=30,
                     log=tmp_path / "log", writable=[tmp_path], readable=[Path(sys.prefix), Path(sys.base_prefix)])
    assert result.exit_code != 0 and (tmp_path / "big").stat().st_size <= 1024 * 1024
    small = BwrapEnvironment(Limits(memory_mb=200, processes=0, file_size_mb=0, open_files=0))
    hog = "try:\n    b = bytearray(400 * 1024 * 1024)\n    print('allocated')\nexcept MemoryError:\n    print('refused')\n"
    small.run([sys.executable, "-c", hog], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, timeout=30,
              log=tmp_path / "log3", writable=[tmp_path], readable=[Path(sys.prefix), Path(sys.base_prefix)])
    assert (tmp_path / "log3").read_text().strip() == "refused"
    forks = ("import os\nn = 0\ntry:\n    for _ in range(200):\n        if os.fork() == 0:\n"
             "            import time; time.sleep(5); os._exit(0)\n        n += 1\nexcept OSError:\n"
             "    print('limited at', n)\n")
    limited = BwrapEnvironment(Limits(memory_mb=0, processes=20, file_size_mb=0, open_files=0))
    result = limited.run([sys.executable, "-c", forks], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, timeout=60,
                         log=tmp_path / "log2", writable=[tmp_path], readable=[Path(sys.prefix), Path(sys.base_prefix)])
    assert "limited at" in (tmp_path / "log2").read_text()
