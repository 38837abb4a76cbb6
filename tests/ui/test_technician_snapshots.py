"""Snapshots (pytest-textual-snapshot) of the technician screens at kiosk size, Chinese text
first: the first-setup PIN, the home screen and the device step of the wizard, against a real
fresh core. `pytest --snapshot-update` rewrites them after an intended change of a screen."""

from __future__ import annotations

from edge.ui.technician.technician_app import create_technician_app
from edge.ui.technician.technician_home import HomeScreen
from tests.ui.conftest import screen_text, tap
from tests.support import pilot_wait_for as wait_for

SIZE = (120, 40)
PIN = "305917"


async def first_setup(pilot) -> None:
    await wait_for(pilot, lambda: "First setup" in screen_text(pilot.app), what="first setup")
    for digit in "3059":
        await tap(pilot, f"#key-{digit}")


async def home(pilot) -> None:
    await wait_for(pilot, lambda: "First setup" in screen_text(pilot.app), what="first setup")
    for _ in range(2):
        for digit in PIN:
            await pilot.press(digit)
        await pilot.press("enter")
        await pilot.pause(0.1)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, HomeScreen)
                   and "not enrolled" in screen_text(pilot.app), what="home")


async def device_step(pilot) -> None:
    await home(pilot)
    await tap(pilot, "#go-provision")
    await wait_for(pilot, lambda: "counter-1" in screen_text(pilot.app), what="device step")
    await tap(pilot, "#base-kiosk")
    await tap(pilot, "#prefix-next")


def test_technician_first_setup_pin(snap_compare, own_core):
    assert snap_compare(create_technician_app(own_core.url), terminal_size=SIZE, run_before=first_setup)


def test_technician_home(snap_compare, own_core):
    assert snap_compare(create_technician_app(own_core.url), terminal_size=SIZE, run_before=home)


def test_technician_device_step(snap_compare, own_core):
    assert snap_compare(create_technician_app(own_core.url), terminal_size=SIZE, run_before=device_step)
