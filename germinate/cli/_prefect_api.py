"""Which Prefect API a command talks to: one resolution for every command.

1. ``PREFECT_API_URL`` in the environment, or in the active Prefect profile: the user's choice.
2. Otherwise Germinate's own server (``germinate server``): reused if it runs, started on
   demand (its URL printed) by commands that need one.
3. A temporary ("ephemeral") Prefect server only when asked for with Prefect's own
   ``PREFECT_SERVER_EPHEMERAL_ENABLED=true``: nobody can see, approve or schedule its runs.

Prefect reads its settings once, when ``prefect.settings`` is first imported; a URL set in
``os.environ`` after that is ignored and Prefect falls back to a temporary server. So the
URL chosen here is put in the environment *and* Prefect's global settings are rebuilt from
it, and the result is checked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from germinate.errors import ConfigError

EPHEMERAL_ENV = "PREFECT_SERVER_EPHEMERAL_ENABLED"


@dataclass(frozen=True)
class PrefectApi:
    """The API a command talks to, and where that choice came from."""

    url: str  # '' only for a temporary server the user asked for
    source: str  # "PREFECT_API_URL", "Prefect profile 'x'", "Germinate's server", "temporary server"

    @property
    def ui_url(self) -> str:
        return self.url.removesuffix("/api")


def _asked_for_ephemeral() -> bool:
    return os.environ.get(EPHEMERAL_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _configured() -> PrefectApi | None:
    """The API the user configured (environment or active profile), if any."""
    if os.environ.get("PREFECT_API_URL"):
        return PrefectApi(os.environ["PREFECT_API_URL"], "PREFECT_API_URL")
    from prefect.context import get_settings_context

    context = get_settings_context()
    url = context.settings.api.url
    return PrefectApi(str(url), f"Prefect profile '{context.profile.name}'") if url else None


def _use(url: str) -> None:
    """Make this process's Prefect talk to ``url`` (settings already read are rebuilt)."""
    import prefect.context
    from prefect.settings import get_current_settings

    os.environ["PREFECT_API_URL"] = url
    prefect.context.refresh_global_settings_context()
    if get_current_settings().api.url != url:  # a settings context entered earlier still wins
        raise ConfigError(f"Prefect kept API {get_current_settings().api.url!r} instead of {url}. "
                          f"Fix: export PREFECT_API_URL={url} before running this command")


def _check_reachable(api: PrefectApi) -> None:
    """A configured API that does not answer is an error, never a reason to use another one."""
    import httpx

    try:  # any HTTP answer will do (Prefect Cloud wants a key even for /health); no answer will not
        httpx.get(f"{api.url.rstrip('/')}/health", timeout=10)
    except httpx.TransportError as exc:
        raise ConfigError(f"the Prefect API {api.url} (from {api.source}) does not answer: {exc}. Fix: start that "
                          "server, or unset PREFECT_API_URL to use Germinate's own ('germinate server')") from None


def resolve_api(*, start: bool, quiet: bool = False) -> PrefectApi | None:
    """The Prefect API for this command, made current for Prefect; None if none runs and not ``start``.

    With ``start``, Germinate's server is started when nothing else is configured.
    """
    configured = _configured()
    if configured is not None:
        _check_reachable(configured)
        _use(configured.url)
        return configured
    if _asked_for_ephemeral():
        if not quiet:
            print(f"Using a temporary Prefect server ({EPHEMERAL_ENV} is set): its runs vanish when this "
                  "command ends, and nobody else can see or approve them")
        return PrefectApi("", "temporary server")
    from germinate.server import ensure_server, running_server

    info = running_server()
    if info is None and not start:
        return None
    if info is None:
        if not quiet:
            print("No PREFECT_API_URL set: starting Germinate's Prefect server (germinate server --background)...",
                  flush=True)
        url = ensure_server()
    else:
        url = info.api_url
    _use(url)
    api = PrefectApi(url, "Germinate's server")
    if not quiet:
        print(f"Prefect API: {api.url} (UI {api.ui_url}); from another shell: export PREFECT_API_URL={api.url}",
              flush=True)
    return api


def require_api() -> PrefectApi:
    """The running API for commands that only talk to an existing server (never start one)."""
    api = resolve_api(start=False, quiet=True)
    if api is None:
        raise ConfigError("no Prefect API to reach: PREFECT_API_URL is not set and Germinate's server is not "
                          "running. Fix: export PREFECT_API_URL=<your server>/api, or start 'germinate server'")
    return api


def connect(*, start: bool) -> str:
    """``resolve_api`` for callers that only need the URL ('' when there is none)."""
    api = resolve_api(start=start)
    return api.url if api else ""
