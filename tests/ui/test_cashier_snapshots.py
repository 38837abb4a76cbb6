"""Snapshots (pytest-textual-snapshot) at kiosk size, Chinese text: the kiosk's start screen and
the cashier's login, home (a voucher just scanned) and 估清 screens. Made against real cores with
fixed data; `pytest --snapshot-update` rewrites them after an intended change of a screen."""

from __future__ import annotations

from edge.ui.kiosk_app import create_app
from edge.ui.cashier.cashier_app import create_cashier_app
from edge.ui.cashier.soldout import SoldOutScreen
from tests.cashier.helpers import voucher
from tests.ui.conftest import menu_ready, screen_text, tap
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
