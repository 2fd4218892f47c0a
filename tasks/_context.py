"""What every stage task opens the same way: the seed, the store, the gateway, the forge."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from germinate.home import project_dir
from germinate.seed import LoadedSeed
from germinate.store import Store

if TYPE_CHECKING:
    from germinate.llm import Gateway


def open_store(repo: str | Path) -> Store:
    """The target's store (migrated on first use)."""
    return Store.open(repo=Path(repo))


def open_gateway(repo: str | Path, loaded: LoadedSeed, store: Store, *, cycle_id: str, run_id: str) -> Gateway:
    """The model gateway for one cycle: ledger rows carry the cycle and the run; the full
    prompts and replies are kept under the project's ``llm`` folder by their ledger hashes."""
    from germinate.llm import Gateway

    return Gateway(loaded.seed, store, project=loaded.seed.project.name, cycle_id=cycle_id, run_id=run_id,
                   archive_dir=project_dir(repo, "llm"))
