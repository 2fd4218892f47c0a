"""Whether a process on this machine still runs (a lease's owner, a server Germinate started)."""

from __future__ import annotations

import os
from pathlib import Path


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs: it exists and is not a zombie (one that exited, not yet reaped).

    A process owned by another user counts as alive; without ``/proc`` a pid that answers does.
    """
    try:
        os.kill(pid, 0)
        stat = Path(f"/proc/{pid}/stat").read_text()
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # no /proc: the pid answered, so it is alive
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
