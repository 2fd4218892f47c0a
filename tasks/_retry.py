"""Which task failures Prefect retries: transient I/O only.

A retry repeats the same inputs, so it helps only when the failure came from outside them: a
disk or network hiccup (``OSError``; an unreachable forge is one, ``ForgeUnreachable``) or
the forge's rate limit (``RateLimited``). Everything else is deterministic and fails at once:
a refused write (``WriteRefused``, ``Frozen``), a blocked or vanished change request, a bad
seed, and any ``RepoError`` ("not a git repository", conflicts, a dirty tree).
"""

from __future__ import annotations

from typing import Any

from germinate.forge.errors import RateLimited

IO_ERRORS: tuple[type[BaseException], ...] = (OSError, RateLimited)


def retry_on_io(task: Any, task_run: Any, state: Any) -> bool:
    """A ``retry_condition_fn``: retry only I/O failures (see ``IO_ERRORS``)."""
    error = state.data if isinstance(state.data, BaseException) else None
    if error is None:
        try:
            error = state.result(raise_on_failure=False)
        except Exception as exc:  # noqa: BLE001 - the state may not hold a readable result
            error = exc
    return isinstance(error, IO_ERRORS)
