"""Snapshots (pytest-textual-snapshot) at kiosk size, Chinese text: the kiosk's start screen and
the cashier's login, home (a voucher just scanned), 估清 and order screens (the order at 80x24
too). Made against real cores with fixed data; `pytest --snapshot-update` rewrites them after an
intended change of a screen."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from edge.config import parse_config
from edge.core.service import EdgeService
from edge.ledger.clock import Clock, Instant
from edge.ui.kiosk_app import create_app
from edge.ui.cashier.cashier_app import create_cashier_app
from edge.ui.cashier.order import OrderScreen
from edge.ui.cashier.soldout import SoldOutScreen
from tests.cashier.helpers import place, seed, voucher
from tests.support import wait_for as wait_until
from tests.ui.cashier_fit import printer_config, start_printers
from tests.ui.conftest import DEMO_MENU, RunningCore, menu_ready, screen_text, tap
from tests.support import pilot_wait_for as wait_for
from tests.ui.test_cashier_flows import SIZE, cashier_core, detail, login, subscribed  # noqa: F401

async def settle(pilot) -> None:
    """No toast, no focus ring: what a snapshot shows must not depend on timing."""
    pilot.app.clear_notifications()
    pilot.app.set_focus(None)
    await pilot.pause(0.2)


UI = type("UI", (), {"wait_for": staticmethod(wait_for), "tap": staticmethod(tap), "screen_text": screen_text})


def test_kiosk_start_screen(snap_compare, cashier_core):
    async def ready(pilot):
        await menu_ready(pilot)
        await wait_for(pilot, lambda: pilot.app.core_state == "online"
                       and "系统正常" in str(pilot.app.screen.query_one("#status").render()), what="online")
        await settle(pilot)

    assert snap_compare(create_app(cashier_core.url), terminal_size=SIZE, run_before=ready)


def test_cashier_login(snap_compare, cashier_core):
    async def ready(pilot):
        await wait_for(pilot, lambda: bool(pilot.app.screen.query("#staff-c1")), what="staff")
        await tap(pilot, "#staff-c1")
        await tap(pilot, "#key-1")
        await tap(pilot, "#key-2")
        await settle(pilot)

    assert snap_compare(create_cashier_app(cashier_core.url), terminal_size=SIZE, run_before=ready)


def test_cashier_home_with_a_voucher_scanned(snap_compare, cashier_core):
    async def ready(pilot):
        await login(pilot, UI)
        await subscribed(pilot, UI, cashier_core)
        pilot.app.client.scan(voucher("SPRING25", 2500))
        await wait_for(pilot, lambda: "有效，可核销" in detail(pilot.app), what="checked")
        await settle(pilot)

    assert snap_compare(create_cashier_app(cashier_core.url), terminal_size=SIZE, run_before=ready)


def test_cashier_sold_out_screen(snap_compare, cashier_core):
    async def ready(pilot):
        await login(pilot, UI)
        await tap(pilot, "#open-soldout")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, SoldOutScreen)
                       and bool(pilot.app.screen.query("#so-har_gow")), what="dishes")
        await tap(pilot, "#so-har_gow")
        await wait_for(pilot, lambda: pilot.app.screen.query_one("#so-har_gow").selected, what="sold out")
        await settle(pilot)

    assert snap_compare(create_cashier_app(cashier_core.url), terminal_size=SIZE, run_before=ready)


class PinnedClock(Clock):
    """Every order placed at 2026-03-14 12:30 local: the order screen shows when it was placed."""

    def now(self) -> Instant:
        local = datetime(2026, 3, 14, 12, 30)
        return Instant(int(local.timestamp() * 1000), time.monotonic_ns(), "snapshot", True, local)


@pytest.fixture
def pinned_core(tmp_path):
    sims = start_printers()
    text = f'[device]\ndata_dir = "{tmp_path}"\n[menu]\nfile = "{DEMO_MENU}"\n{printer_config(sims)}'
    running = RunningCore(EdgeService(parse_config(text, environ={}), clock=PinnedClock()).open()).start()
    seed(running.service)
    yield running
    running.close()
    for sim in sims.values():
        sim.stop()


def printed(core, order_id: str) -> bool:
    with core.service.ledger.reading():
        return {r[0] for r in core.service.db.execute("SELECT state FROM print_jobs WHERE order_id = ?",
                                                        [order_id])} == {"printed"}


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
def test_cashier_order_screen(snap_compare, pinned_core, size):
    order = place(pinned_core.service, lines=(("har_gow", 2), ("milk_tea", 1), ("char_siu_bao", 1)))
    wait_until(lambda: printed(pinned_core, order["id"]), what="the kitchen tickets printed")

    async def ready(pilot):
        await login(pilot, UI)
        pilot.app.push_screen(OrderScreen(order["id"]))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, OrderScreen) and pilot.app.screen.stations
                       and any("水吧" in str(label.render()) for label in pilot.app.screen.query(".c-line-text")),
                       what="the order with its print jobs")
        await settle(pilot)

    assert snap_compare(create_cashier_app(pinned_core.url), terminal_size=size, run_before=ready)
