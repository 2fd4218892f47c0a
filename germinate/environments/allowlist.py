"""The environment a run of target code gets: an allowlist, never the operator's whole environment.

Model keys, forge tokens, ``PREFECT_*`` and ``GERMINATE_*`` settings stay out unless the seed
names a variable in ``execution.env_passthrough``. HOME and TMPDIR are the sandbox's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

ALWAYS = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "SOURCE_DATE_EPOCH")
LOCALE_PREFIX = "LC_"


def allowed_env(extra: Mapping[str, str], passthrough: Iterable[str] = (),
                source: Mapping[str, str] | None = None) -> dict[str, str]:
    """``source`` (default ``os.environ``) reduced to the allowlist and ``passthrough``, plus ``extra``."""
    source = os.environ if source is None else source
    names = set(ALWAYS) | set(passthrough)
    env = {k: v for k, v in source.items() if k in names or k.startswith(LOCALE_PREFIX)}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(extra)
    return env
