"""``open_forge``: the forge a seed asks for."""

from __future__ import annotations

from pathlib import Path

from germinate.forge.base import Forge
from germinate.seed import Seed
from germinate.store import Store


def open_forge(repo: Path, seed: Seed, store: Store) -> Forge:
    """LocalForge by default; GitHubForge when ``forge.kind`` is ``github`` (token from the environment)."""
    if seed.forge.kind == "github":
        from germinate.forge.github import GitHubForge

        return GitHubForge(Path(repo), seed, store=store)
    from germinate.forge.local import LocalForge

    return LocalForge(Path(repo), seed, store)
