"""The ``local`` kind: no isolation. Only when the seed says ``execution.sandbox: local``.

The command still gets the allowlisted environment, a throwaway HOME and a copy of the commit
(the callers do that), but it can read and write anything the user can, reach the network and
leave processes behind that called ``setsid``. Every run logs a warning that says so.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

from germinate.environments import ExecResult
from germinate.process import execute

log_ = logging.getLogger("germinate.environments")
WARNING = ("execution.sandbox is 'local': target code runs WITHOUT isolation (it can read your keys, "
           "write anywhere you can, use the network). Fix: install bubblewrap and remove the setting")


class LocalEnvironment:
    """Runs target code as a plain subprocess of Germinate, in its own process group."""

    kind = "local"

    def run(self, argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float, log: Path,
            network: bool = False, writable: Sequence[Path] = (), readable: Sequence[Path] = ()) -> ExecResult:
        log_.warning(WARNING)
        with tempfile.TemporaryDirectory(prefix="germinate-home-") as home:  # keeps ~ out of careless reach
            code, seconds = execute(argv, cwd=cwd, env={**env, "HOME": home}, timeout=timeout, log=log)
        return ExecResult(code, seconds)
