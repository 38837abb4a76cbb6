"""The upstream shares only the domain and the protocol with the device: importing its app, CLI
or gateway loads no device module (database, config, sync, core, payments, ledger, ...)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SHARED = ("edge.money", "edge.menu", "edge.cart", "edge.orders", "edge.codes", "edge.tables", "edge.screen_text")
DEVICE = ("edge.db", "edge.migrations", "edge.config", "edge.sync", "edge.core", "edge.payments", "edge.ledger",
          "edge.cashier", "edge.technician", "edge.printer", "edge.scanner", "edge.ui",
          "edge.launcher", "edge.demo", "edge.maintenance", "edge.cli", "edge.refusal")


def edge_modules_loaded_by(module: str) -> list[str]:
    code = f"import {module}, sys, json; print(json.dumps(sorted(m for m in sys.modules if m.startswith('edge'))))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


@pytest.mark.parametrize("module", ["upstream.app", "upstream.cli", "upstream.gateway", "upstream.server"])
def test_upstream_loads_no_device_module(module):
    loaded = edge_modules_loaded_by(module)
    device = [m for m in loaded if any(m == d or m.startswith(d + ".") for d in DEVICE)]
    assert device == [], f"{module} loads device modules {device}"
    other = [m for m in loaded if m not in ("edge", "edge.protocol") and not m.startswith("edge.protocol.")
             and m not in SHARED]
    assert other == [], f"{module} loads edge modules beyond the domain and the protocol: {other}"


def test_the_app_uses_the_protocol():
    """A guard on the guard: the subprocess really sees the edge modules the upstream shares."""
    loaded = edge_modules_loaded_by("upstream.app")
    assert "edge.protocol.signing" in loaded and "edge.orders" in loaded
