"""After a long outage the device's pull (the commands the phones' rounds wait in) backs off at
most PULL_BACKOFF_CAP_S, while the push keeps the full cap: a round sent while the upstream was
unreachable reaches the kitchen within ~30 s of it coming back, not up to 5 minutes later."""

from __future__ import annotations

import random

from edge.sync.backoff import Backoff
from edge.sync.worker import PULL_BACKOFF_CAP_S, SyncWorker


def waits(worker: SyncWorker, slot: str, failures: range, retry_after: float | None = None) -> list[float]:
    """The sleeps the worker takes after these failures (recorded, not slept)."""
    slept: list[float] = []
    worker._stopping.wait = slept.append
    for n in failures:
        worker._sleep_after_failure(slot, n, retry_after)
    return slept


def test_the_pull_backs_off_at_most_30_s_and_the_push_up_to_its_cap(config):
    worker = SyncWorker(config, backoff=Backoff(rng=random.Random(5)))
    pull, push = waits(worker, "pull", range(1, 60)), waits(worker, "push", range(1, 60))
    assert PULL_BACKOFF_CAP_S == 30.0
    assert max(pull) <= 30.0 < max(push) <= 300.0
    assert max(pull[20:]) > 15.0, "still backing off, up to its cap"
    assert min(waits(worker, "pull", range(50, 55), retry_after=120.0)) >= 120.0, "the upstream's Retry-After wins"
