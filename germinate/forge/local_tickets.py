"""LocalForge's tickets: one markdown file each, YAML front matter on top, comments at the end.

```
---
id: local-3
title: Add a --json flag
kind: forge
labels: [ai-task]
status: open
created: '2026-01-01T00:00:00+00:00'
---
The body, as the user wrote it.

<!-- germinate:comments -->
**germinate** (2026-01-02T10:00:00+00:00): Landed in abc123.
```

The folder lives in Germinate's state directory (never in the user's code) unless
``forge.tickets_dir`` in the seed says otherwise. Files are plain text: edit them by hand.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import yaml

from germinate.errors import ConfigError
from germinate.models import Ticket, TicketKind

COMMENTS_MARKER = "<!-- germinate:comments -->"
_FRONT = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.S)
KINDS: tuple[str, ...] = get_args(TicketKind)
_NUMBERED = re.compile(r"(\d+)-.+\.md\Z")
MAX_CLAIM_TRIES = 1000


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:48] or "ticket"


class TicketFile:
    """One parsed ticket file."""

    def __init__(self, path: Path):
        self.path = path
        text = path.read_text(encoding="utf-8")
        match = _FRONT.match(text)
        if not match:
            raise ConfigError(f"{path}: no YAML front matter. Fix: start the file with '---', the fields, '---'")
        try:
            meta = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: front matter is not valid YAML ({exc}). Fix: correct the header") from None
        if not isinstance(meta, dict) or "title" not in meta:
            raise ConfigError(f"{path}: front matter needs at least 'title'. Fix: add 'title: ...'")
        self.meta: dict[str, Any] = meta
        body, _, comments = match.group(2).partition(COMMENTS_MARKER)
        self.body = body.strip()
        self.comments = comments.strip()

    @property
    def ticket_id(self) -> str:
        return str(self.meta.get("id") or f"local-{self.path.name.split('-', 1)[0]}")

    @property
    def status(self) -> str:
        return str(self.meta.get("status", "open"))

    @property
    def labels(self) -> list[str]:
        return [str(x) for x in self.meta.get("labels") or []]

    def ticket(self) -> Ticket:
        kind = self.meta.get("kind", "forge")
        if kind not in KINDS:
            raise ConfigError(f"{self.path}: kind {kind!r} is not one of {', '.join(KINDS)}. Fix: correct 'kind'")
        return Ticket(id=self.ticket_id, title=str(self.meta["title"]), body=self.body, kind=kind,
                      source="local", source_ref=str(self.path), labels=self.labels)

    def save(self) -> None:
        text = f"---\n{yaml.safe_dump(self.meta, sort_keys=False).strip()}\n---\n{self.body}\n"
        if self.comments:
            text += f"\n{COMMENTS_MARKER}\n{self.comments}\n"
        tmp = self.path.with_suffix(".md.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path)

    def add_comment(self, body: str, author: str = "germinate") -> None:
        entry = f"**{author}** ({_now()}): {body.strip()}"
        self.comments = f"{self.comments}\n\n{entry}".strip()


class TicketFolder:
    """The folder of ticket files."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)

    def numbered(self) -> list[tuple[int, Path]]:
        """(number, path) of every ticket file, by number (stray files like ``1a-x.md`` are left alone)."""
        found = [(int(m.group(1)), p) for p in self.path.glob("[0-9]*-*.md") if (m := _NUMBERED.match(p.name))]
        return sorted(found)

    def files(self) -> list[TicketFile]:
        return [TicketFile(p) for _, p in self.numbered()]

    def _claim_number(self) -> int:
        """The next free ticket number, claimed with an exclusive create so two writers never share one."""
        start = max((n for n, _ in self.numbered()), default=0) + 1
        for number in range(start, start + MAX_CLAIM_TRIES):
            if any(self.path.glob(f"{number}-*.md")):
                continue
            try:
                (self.path / f".{number}.claimed").open("x").close()
            except FileExistsError:
                continue
            return number
        raise ConfigError(f"could not claim a ticket number in {self.path} after {MAX_CLAIM_TRIES} tries. "
                          "Fix: remove stale .N.claimed files there")

    def find(self, ticket_id: str) -> TicketFile:
        for f in self.files():
            if f.ticket_id == ticket_id:
                return f
        raise ConfigError(f"no local ticket {ticket_id!r} in {self.path}. Fix: 'germinate ticket list' shows the ids")

    def create(self, title: str, body: str = "", labels: list[str] = (), kind: str = "forge") -> Ticket:  # type: ignore[assignment]
        """Write a new ticket file; the number is claimed with an exclusive create (no duplicates)."""
        if not title.strip():
            raise ConfigError("a ticket needs a title. Fix: germinate ticket new \"what should change\"")
        if kind not in KINDS:
            raise ConfigError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
        number = self._claim_number()
        path = self.path / f"{number}-{_slug(title)}.md"
        meta = {"id": f"local-{number}", "title": title.strip(), "kind": kind,
                "labels": list(dict.fromkeys(labels)), "status": "open", "created": _now()}
        tmp = path.with_suffix(".md.tmp")  # readers never see half a ticket
        tmp.write_text(f"---\n{yaml.safe_dump(meta, sort_keys=False).strip()}\n---\n{body.strip()}\n",
                       encoding="utf-8")
        tmp.replace(path)
        return TicketFile(path).ticket()
