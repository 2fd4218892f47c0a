"""The environment a run of target code gets: an allowlist, never the operator's whole environment.

Model keys, forge tokens, ``PREFECT_*`` and ``GERMINATE_*`` settings stay out unless the seed
names a variable in ``execution.env_passthrough``. HOME and TMPDIR are the sandbox's own.
Dependency installs (the only runs with network) also get the proxy, CA-bundle and ``PIP_*``
settings, so that pip reaches the index the operator configured.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

ALWAYS = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "SOURCE_DATE_EPOCH")
LOCALE_PREFIX = "LC_"
# Only for dependency installs (network on): how to reach the package index.
INSTALL_NAMES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy",
                 "all_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
INSTALL_PREFIX = "PIP_"


def allowed_env(extra: Mapping[str, str], passthrough: Iterable[str] = (),
                source: Mapping[str, str] | None = None) -> dict[str, str]:
    """``source`` (default ``os.environ``) reduced to the allowlist and ``passthrough``, plus ``extra``."""
    source = os.environ if source is None else source
    names = set(ALWAYS) | set(passthrough)
    env = {k: v for k, v in source.items() if k in names or k.startswith(LOCALE_PREFIX)}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(extra)
    return env


def install_names(source: Mapping[str, str] | None = None) -> list[str]:
    """The names an install step also gets: proxies, CA bundles and ``PIP_*`` settings."""
    source = os.environ if source is None else source
    return [k for k in source if k in INSTALL_NAMES or k.startswith(INSTALL_PREFIX)]
