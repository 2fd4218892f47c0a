"""Role prompts: one Jinja2 template per role under ``prompts/``, hashed into the ledger.

Each template has a ``system`` and a ``user`` block. The SHA-256 of the role's template
(together with the shared ``_seed.j2`` macros it imports) goes into every ledger row, so a
changed prompt is visible in the evidence. ``GERMINATE_PROMPTS_DIR`` points elsewhere.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel

from germinate.errors import ConfigError
from germinate.llm import Gateway

SHARED = ("_seed.j2",)
DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"


@dataclass(frozen=True)
class Prompt:
    """Rendered messages for one call and the hash of the template that made them."""

    role: str
    messages: list[dict[str, Any]]
    template_sha256: str


def prompts_dir() -> Path:
    return Path(os.environ.get("GERMINATE_PROMPTS_DIR") or DEFAULT_PROMPTS_DIR)


@cache
def _environment(directory: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # prompts are plain text for a model, not HTML
    )


def template_path(role: str) -> Path:
    return prompts_dir() / f"{role}.md.j2"


def template_sha256(role: str) -> str:
    """SHA-256 of the role's template and the shared macros it imports."""
    digest = hashlib.sha256()
    for path in (template_path(role), *(prompts_dir() / name for name in SHARED)):
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def render(role: str, **context: Any) -> Prompt:
    """The system and user messages of ``role``'s template rendered with ``context``."""
    path = template_path(role)
    if not path.exists():
        raise ConfigError(
            f"prompt template {path} is missing: every role needs prompts/{role}.md.j2 "
            f"(set GERMINATE_PROMPTS_DIR to use another folder)"
        )
    env = _environment(prompts_dir())
    try:
        template = env.get_template(path.name)
        ctx = template.new_context(context)
        system = "".join(template.blocks["system"](ctx)).strip()
        user = "".join(template.blocks["user"](ctx)).strip()
    except KeyError as exc:
        raise ConfigError(f"prompt template {path} needs a {{% block {exc.args[0]} %}}") from exc
    except jinja2.TemplateError as exc:
        raise ConfigError(f"prompt template {path} does not render: {exc}") from exc
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    return Prompt(role=role, messages=messages, template_sha256=template_sha256(role))


def ask_role(
    gw: Gateway, role: str, schema: type[BaseModel] | None, *, ticket_id: str, **context: Any
) -> BaseModel | str:
    """Render ``role``'s prompt with ``context`` and ask its model (template hash in the ledger)."""
    prompt = render(role, **context)
    return gw.call(
        role, prompt.messages, schema, ticket_id=ticket_id, template_sha256=prompt.template_sha256
    )


def clip(text: str, limit: int, what: str = "text") -> str:
    """``text`` cut to ``limit`` characters, saying so (a model must know it sees a part)."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... {what} truncated: {len(text) - limit} more characters not shown]"
