"""Write targets (``ticket:<id>``, ``cr:<id>``, ``repo``) and the ticket marker in change bodies."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Literal

from germinate.errors import ConfigError
from germinate.forge.errors import Frozen

REPO_TARGET = "repo"
_MARKER = re.compile(r"<!--\s*germinate:ticket=(\S+?)\s*-->")

TargetKind = Literal["ticket", "cr", "repo"]


def parse_target(target: str) -> tuple[TargetKind, str]:
    """Split ``ticket:gh-3`` / ``cr:12`` / ``repo`` into (kind, id)."""
    if target == REPO_TARGET:
        return "repo", ""
    kind, _, ident = target.partition(":")
    if kind in ("ticket", "cr") and ident:
        return kind, ident  # type: ignore[return-value]
    raise ConfigError(
        f"unknown forge target {target!r}. Fix: use 'ticket:<ticket id>', 'cr:<change request id>' or 'repo'"
    )


def ticket_marker(ticket_id: str) -> str:
    """A hidden line in a change request body that names the ticket it implements."""
    return f"<!-- germinate:ticket={ticket_id} -->"


def ticket_from_body(body: str | None) -> str:
    """The ticket id a change request body names ('' if none)."""
    match = _MARKER.search(body or "")
    return match.group(1) if match else ""


def with_marker(body: str, ticket_id: str) -> str:
    """``body`` carrying the ticket marker exactly once."""
    if not ticket_id or ticket_from_body(body) == ticket_id:
        return body
    return f"{_MARKER.sub('', body).rstrip()}\n\n{ticket_marker(ticket_id)}\n"


def refuse_if_frozen(labels_of: Callable[[str], list[str]], targets: Iterable[str], freeze: str,
                     how_to_unfreeze: str) -> None:
    """Raise ``Frozen`` if any target carries the freeze label (checked on the forge, at write time)."""
    for target in targets:
        if freeze in labels_of(target):
            raise Frozen(f"{target} carries the {freeze!r} label: automated writes are frozen. "
                         f"Fix: {how_to_unfreeze} when the automation may continue")
