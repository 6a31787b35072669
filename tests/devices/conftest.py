"""The devices tests' own fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def forget_shared_loads() -> Iterator[None]:
    """Each test truncates the tables and ids start again at 1: the hub must not serve a previous test's alert."""
    from api import events

    try:
        events.hub()._loads.clear()
    except RuntimeError:
        pass
    yield
