"""Stopping the sync worker (the core shutting down) does not wait for the upstream's long poll."""

from __future__ import annotations

import time

from edge.sync.state import get_state
from tests.support import wait_for


def long_poll_waiting(worker) -> bool:
    """The pull client has a connected request waiting on the upstream (after the menu pull)."""
    pull = worker._clients.get("pull")
    if pull is None or worker.status()["menu_etag"] is None:
        return False
    adapter = pull[1].session.get_adapter(pull[1].base_url)
    with adapter.waiting_lock:
        return any(getattr(conn, "sock", None) is not None for conn in adapter.waiting)


def test_stop_cuts_the_long_poll_in_flight(sqlite_upstream, make_device):
    device = make_device(sqlite_upstream.url, sqlite_upstream.db)
    worker = device.attach(long_poll_s=60.0).start()
    wait_for(lambda: long_poll_waiting(worker), what="the long poll waiting on the upstream")
    start = time.monotonic()
    worker.stop(timeout=30.0)
    assert time.monotonic() - start < 10.0, "stop waited for the upstream's long poll to answer"
    assert not any(thread.is_alive() for thread in worker._threads)
    state = get_state(device.service.db)
    assert not state.get("last_error"), "a long poll cut by stop() is not recorded as the upstream failing"


def test_a_request_after_the_cut_fails_at_once(sqlite_upstream):
    """stop() may cut between two requests (a menu pull answered, the long poll not sent yet): the
    next request on that session must not start a 60 s wait the worker's stop would sit out."""
    import pytest
    import requests

    from edge.sync.upstream_client import new_session

    session = new_session()
    assert session.get(f"{sqlite_upstream.url}/v1/health", timeout=10).ok
    session.get_adapter(sqlite_upstream.url).cut()
    with pytest.raises(requests.RequestException):
        session.get(f"{sqlite_upstream.url}/v1/health", timeout=10)
