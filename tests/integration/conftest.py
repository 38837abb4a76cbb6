"""Fixtures for the integration tests: a core with the demo menu served on loopback, in process."""

from __future__ import annotations

import pytest

from edge.core.server import BackgroundCore
from edge.core.service import EdgeService
from tests.conftest import make_config


@pytest.fixture
def menu_core(tmp_path):
    """A core with the demo menu and no printers, its API on a free loopback port."""
    service = EdgeService(make_config(tmp_path / "data")).open()
    server = BackgroundCore(service).start()
    yield server
    server.stop()
    service.close()
