"""land_slot holds a slot of the ``tag:germinate-land`` concurrency limit only when such an
active limit exists (what ``prefect concurrency-limit create germinate-land 1`` makes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytestmark = [pytest.mark.prefect]

NAME = "tag:germinate-land"


def _active_slots() -> int | None:
    """The limit's occupied slots; None when there is no such limit."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            return int(client.read_global_concurrency_limit_by_name(NAME).active_slots)
        except ObjectNotFound:
            return None


@pytest.fixture
def land_limit(prefect_harness: None) -> Iterator[None]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        client.create_concurrency_limit(tag="germinate-land", concurrency_limit=1)
    try:
        yield
    finally:
        with get_client(sync_client=True) as client:
            client.delete_concurrency_limit_by_tag("germinate-land")


def test_without_a_limit_no_slot_is_held(prefect_harness: None) -> None:
    from tasks.decide import land_slot

    assert _active_slots() is None
    with land_slot():
        assert _active_slots() is None  # nothing created, nothing asked of the server's write path


def test_with_a_limit_a_slot_is_held_while_landing(land_limit: None) -> None:
    from tasks.decide import land_slot

    assert _active_slots() == 0
    with land_slot():
        assert _active_slots() == 1
    assert _active_slots() == 0
    with pytest.raises(RuntimeError), land_slot():  # a failed landing gives its slot back too
        raise RuntimeError("merge failed")
    assert _active_slots() == 0


def test_an_inactive_limit_is_not_held(land_limit: None) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

    from tasks.decide import land_slot

    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(NAME, GlobalConcurrencyLimitUpdate(active=False))
    with land_slot():
        assert _active_slots() == 0
