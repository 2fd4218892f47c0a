"""The target's own virtual environment, kept under the germinate home.

The target's tests never run in Germinate's interpreter: each target gets a venv under
``project_dir(repo, "venvs", <key>)``, where the key hashes the dependency files
(pyproject.toml, setup.cfg, setup.py, requirements*.txt), the setup command and the Python
version. The venv is built once per key (``python -m venv``, then pytest + coverage, then
``execution.setup_command``) and reused until a dependency file changes. A project versioned
from git gets its version as ``SETUPTOOLS_SCM_PRETEND_VERSION`` (``environments.generated``). A failed setup is
returned as a ``TargetEnv`` with ``ok=False`` and the log tail, never raised.

``GERMINATE_TARGET_VENV`` names an existing venv to use as is (no build, no setup): handy
when a target's environment is managed elsewhere, and how the tests share one venv.
"""

from __future__ import annotations

import configparser
import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from germinate.environments.allowlist import allowed_env, install_names
from germinate.environments.generated import build_variables
from germinate.environments.tree import export_commit
from germinate.home import project_dir, state_lock
from germinate.process import error_line, execute, log_tail
from germinate.seed import Seed

if TYPE_CHECKING:
    from germinate.environments import Environment

ENV_VAR = "GERMINATE_TARGET_VENV"
ENV_FORMAT = "1"  # bump to rebuild every target venv after a change in how they are built
TOOLS = ("pytest", "coverage")
TEST_EXTRAS = ("test", "tests", "testing", "dev")
READY_FILE = "germinate-env.json"
SETUP_TIMEOUT_S = 1800.0


@dataclass(frozen=True)
class TargetEnv:
    """A target venv: its interpreter, its key, and whether it is usable."""

    venv: Path
    key: str
    ok: bool
    reason: str = ""
    log_tail: str = ""
    built: bool = False  # built in this call (not reused)

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def base_python(self) -> list[Path]:
        """The folders the venv's interpreter lives in (``pyvenv.cfg`` home; the link's target)."""
        found: list[Path] = []
        cfg = self.venv / "pyvenv.cfg"
        if cfg.is_file():
            for line in cfg.read_text(encoding="utf-8", errors="replace").splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "home" and value.strip():
                    found.append(Path(value.strip()).resolve().parent)
        real = self.python.resolve()
        if real.exists():
            found.append(real.parent.parent)
        return [p for p in dict.fromkeys(found) if p.is_dir() and p != Path("/")]

    def readable(self) -> list[Path]:
        """What a sandboxed run needs to read to use this venv: the venv and its base Python."""
        return [self.venv.resolve(), *self.base_python()]

    def process_env(self, passthrough: Iterable[str] = ()) -> dict[str, str]:
        """The allowlisted environment that makes subprocesses run inside this venv (no keys, no tokens)."""
        env = allowed_env({}, passthrough)
        env["VIRTUAL_ENV"] = str(self.venv)
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env['PATH']}"
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        return env


def dependency_files(worktree: Path) -> list[Path]:
    """The files whose content decides what the target's venv holds."""
    names = ["pyproject.toml", "setup.cfg", "setup.py"]
    found = [worktree / n for n in names if (worktree / n).is_file()]
    found += sorted(p for p in worktree.glob("requirements*.txt") if p.is_file())
    found += sorted(p for p in worktree.glob("requirements/*.txt") if p.is_file())
    return found


def declared_extras(worktree: Path) -> list[str]:
    """Optional-dependency groups the target declares (pyproject or setup.cfg)."""
    extras: list[str] = []
    pyproject = worktree / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            extras += list(data.get("project", {}).get("optional-dependencies", {}))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            pass  # pip will report the broken file when it installs
    setup_cfg = worktree / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser()
        with contextlib.suppress(configparser.Error, UnicodeDecodeError):
            parser.read(setup_cfg, encoding="utf-8")
            if parser.has_section("options.extras_require"):
                extras += list(parser["options.extras_require"])
    return extras


def default_setup_command(worktree: Path) -> str:
    """``pip install -e .`` (+ test extras), else the requirements files, else nothing."""
    if (worktree / "pyproject.toml").is_file() or (worktree / "setup.py").is_file():
        wanted = [e for e in TEST_EXTRAS if e in declared_extras(worktree)]
        return f"pip install -e '.[{','.join(wanted)}]'" if wanted else "pip install -e ."
    reqs = sorted(p.name for p in worktree.glob("requirements*.txt") if p.is_file())
    return " ".join(["pip install", *(f"-r {r}" for r in reqs)]) if reqs else ""


def environment_key(worktree: Path, setup_command: str) -> str:
    """Hash of dependency files, setup command, Python version and env format."""
    digest = hashlib.sha256()
    digest.update(f"{ENV_FORMAT}\0{sys.version_info[:3]}\0{setup_command}\0".encode())
    for path in dependency_files(worktree):
        digest.update(path.relative_to(worktree).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _run(cmd: list[str], sandbox: Environment, *, copy: Path, target: TargetEnv, env: dict[str, str],
         log: Path) -> tuple[int, str]:
    """One setup step in the sandbox: network on (it installs), the venv and the copy writable."""
    result = sandbox.run(cmd, cwd=copy, env=env, timeout=SETUP_TIMEOUT_S, log=log, network=True,
                         writable=[target.venv.resolve(), copy], readable=target.base_python())
    if result.exit_code is None:
        return -1, log_tail(log) + f"\n(timed out after {SETUP_TIMEOUT_S:.0f}s)"
    return result.exit_code, log_tail(log)


def build_environment(venv: Path, worktree: Path, setup_command: str, key: str = "", *,
                      sandbox: Environment | None = None, passthrough: Iterable[str] = ()) -> TargetEnv:
    """Create ``venv`` from scratch: venv, then (sandboxed) pytest + coverage and the setup command.

    The install steps run target code (``setup.py``, build backends) on a throwaway copy of the
    worktree's commit, with the network on; only the venv and that copy are writable.
    """
    from germinate.environments.select import environment_for
    from germinate.seed import Execution

    sandbox = sandbox or environment_for(Execution.model_validate({}))  # never a silent fallback to no isolation
    if venv.exists():
        shutil.rmtree(venv)
    started = time.monotonic()
    venv.parent.mkdir(parents=True, exist_ok=True)
    log = venv.parent / f"{venv.name}.setup.log"
    made = execute([sys.executable, "-m", "venv", str(venv)], cwd=venv.parent, env=dict(os.environ),
                   timeout=SETUP_TIMEOUT_S, log=log)[0]  # Germinate's own interpreter: no target code yet
    if made != 0:
        return TargetEnv(venv=venv, key=key, ok=False, log_tail=log_tail(log), built=True,
                         reason=f"could not create the venv (exit {made}). Fix: check that '{sys.executable} -m "
                                "venv' works on this machine")
    steps: list[tuple[str, list[str]]] = [
        ("install pytest and coverage", [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *TOOLS]),
    ]
    if setup_command.strip():
        steps.append((f"run the setup command '{setup_command}'", ["/bin/sh", "-c", setup_command]))
    target = TargetEnv(venv=venv, key=key, ok=True)
    env = target.process_env([*passthrough, *install_names()])
    with tempfile.TemporaryDirectory(prefix="germinate-setup-") as tmp:
        copy = export_commit(worktree, "HEAD", Path(tmp) / "tree")
        env.update(build_variables(worktree, "HEAD", copy))  # the copy has no .git to read a version from
        for what, cmd in steps:
            code, output = _run(cmd, sandbox, copy=copy, target=target, env=env, log=log)
            if code != 0:
                said = error_line(output)
                reason = f"could not {what} (exit {code}{': ' + said if said else ''}). Fix: make it work by " \
                         "hand in a fresh venv, or set execution.setup_command in seed.yaml"
                return TargetEnv(venv=venv, key=key, ok=False, reason=reason, log_tail=output, built=True)
    (venv / READY_FILE).write_text(json.dumps({
        "key": key, "setup_command": setup_command, "python": sys.version.split()[0],
        "build_seconds": round(time.monotonic() - started, 2),
    }))
    return TargetEnv(venv=venv, key=key, ok=True, built=True)


def ensure_environment(worktree: Path, seed: Seed, *, repo: Path, sandbox: Environment | None = None) -> TargetEnv:
    """The target's venv for this worktree's dependency files: reused, or built once (in ``sandbox``)."""
    override = os.environ.get(ENV_VAR)
    if override:
        venv = Path(override).expanduser()
        if not (venv / "bin" / "python").exists():
            return TargetEnv(venv=venv, key="override", ok=False,
                             reason=f"{ENV_VAR}={override} has no bin/python. Fix: point it at a venv, or unset it")
        return TargetEnv(venv=venv, key="override", ok=True)
    setup = seed.execution.setup_command
    setup = default_setup_command(worktree) if setup is None else setup
    key = environment_key(worktree, setup)
    root = project_dir(repo, "venvs")
    venv = root / key
    with state_lock(root / f"{key}.lock"):  # two cycles never build one venv at once
        if (venv / READY_FILE).is_file() and (venv / "bin" / "python").exists():
            return TargetEnv(venv=venv, key=key, ok=True)
        if sandbox is None:
            from germinate.environments.select import environment_for

            sandbox = environment_for(seed.execution)
        return build_environment(venv, worktree, setup, key, sandbox=sandbox,
                                 passthrough=seed.execution.env_passthrough)
