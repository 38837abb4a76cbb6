"""Scanner test fixtures: a guard against leaked threads."""

from __future__ import annotations

import threading

import pytest

from tests.support import wait_for


@pytest.fixture
def no_leaked_threads():
    """Fails the test when it leaves a thread running (compared with threading.enumerate() before)."""
    before = set(threading.enumerate())
    yield
    try:
        wait_for(lambda: not (set(threading.enumerate()) - before), timeout=3.0)
    except AssertionError:
        pass  # named below
    leaked = [t.name for t in set(threading.enumerate()) - before]
    assert not leaked, f"threads left running: {leaked}"
