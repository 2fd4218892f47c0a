"""Which Prefect API a command talks to: the configured one, or Germinate's local server."""

from __future__ import annotations

import os


def configured_api_url() -> str:
    """PREFECT_API_URL from the environment or the active Prefect profile ('' if none)."""
    from prefect.settings import PREFECT_API_URL

    return os.environ.get("PREFECT_API_URL") or str(PREFECT_API_URL.value() or "")


def connect(*, start: bool) -> str:
    """The API URL to use; with ``start``, start (or reuse) Germinate's local server if none is set.

    Pauses for approval need a server a second shell can reach, so Prefect's throw-away
    ephemeral API is never used by ``germinate run``.
    """
    url = configured_api_url()
    if url:
        return url
    from germinate.server import ensure_server, running_server

    info = running_server()
    if info is not None:
        url = info.api_url
    elif start:
        print("No PREFECT_API_URL set: starting a local Prefect server (germinate server --background)...")
        url = ensure_server(background=True)
    if url:
        os.environ["PREFECT_API_URL"] = url
    return url
