"""Wait for a condition instead of sleeping a fixed time: poll until true or fail after a bound
generous enough for a busy machine."""

from __future__ import annotations

import time


def wait_for(predicate, timeout: float = 10.0, what: str = "condition", interval: float = 0.02):
    """Poll `predicate` until it returns something true (returned); AssertionError after `timeout` s."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= end:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


async def pilot_wait_for(pilot, condition, timeout: float = 30.0, what: str = "condition") -> None:
    """The same for a Textual pilot: lets the app run between polls, then one more pause. The
    bound is generous: a core answering a screen on a machine busy with other work is slow."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await pilot.pause(0.02)
    await pilot.pause()
