"""Fixtures: sandbox providers (fast scenario timings), an upstream with a gateway, devices."""

from __future__ import annotations

import pytest

from edge.core.server import BackgroundCore
from tests.payments.helpers import device_config, enroll_device, fast_timings, open_device, start_upstream
from tests.sync.fixtures import pg_cluster, sqlite_upstream_db, upstream_db  # noqa: F401
from upstream.gateway.sandbox import SandboxTimings, start_sandboxes


@pytest.fixture
def sandboxes():
    boxes = start_sandboxes(SandboxTimings(password_s=0.3, outage_s=0.6, reverse_after_s=0.4))
    yield boxes
    boxes.stop()


@pytest.fixture
def gw_upstream(sqlite_upstream_db, sandboxes):
    up = start_upstream(sqlite_upstream_db, sandboxes)
    yield up
    up.server.stop()
    up.gateway.stop()


@pytest.fixture
def device(tmp_path, gw_upstream):
    config = device_config(tmp_path / "dev")
    enroll_device(config, gw_upstream.db, gw_upstream.url)
    service = open_device(config)
    yield service
    service.close()


SLOW_DEADLINE = fast_timings(deadline_s={"alipay": 30.0, "wechat": 30.0, "unionpay": 30.0})


@pytest.fixture
def slow_password_world(tmp_path, sqlite_upstream_db, sandboxes):
    """An upstream whose attempts wait 30 s for the customer's password, an enrolled device, its
    core: (upstream, device, core)."""
    up = start_upstream(sqlite_upstream_db, sandboxes, SLOW_DEADLINE)
    config = device_config(tmp_path / "dev")
    enroll_device(config, up.db, up.url)
    device = open_device(config)
    core = BackgroundCore(device).start()
    yield up, device, core
    core.stop()
    device.close()
    up.server.stop()
    up.gateway.stop()
