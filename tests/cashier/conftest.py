"""Fixtures of the cashier tests: cores with code keys and staff, served on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.cashier.helpers import Served, open_service
from tests.sync.fixtures import (make_device, pg_cluster, sqlite_upstream, sqlite_upstream_db, upstream,  # noqa: F401
                                 upstream_db)


@pytest.fixture
def served(tmp_path):
    """`served(printers=None, name="core")`: a seeded core with its HTTP API."""
    made = []

    def factory(printers: dict[str, int] | None = None, name: str = "core", **kw) -> Served:
        made.append(Served(open_service(tmp_path / name, printers, **kw)))
        return made[-1]

    yield factory
    for core in made:
        core.close()
