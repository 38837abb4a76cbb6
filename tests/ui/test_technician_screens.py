"""Technician diagnostics and tools at 80x24: the doctor's checks with their fixes, a printer
address typed on the keypad that is not a printer, the camera's live view (codes masked)."""

from __future__ import annotations

import qrcode

from edge.ui.technician.technician_app import create_technician_app
from edge.ui.technician.diagnostics import DiagnosticsScreen
from edge.ui.technician.technician_home import HomeScreen
from edge.ui.technician.printers import AddressScreen, PrinterSetupScreen
from edge.ui.widgets.buttons import ToggleButton
from tests.technician.helpers import PIN, NotAPrinter

SIZE = (80, 24)
WECHAT = "134567890123456789"


async def logged_in(core, pilot, ui, app) -> None:
    """Log in with the keyboard (the PIN was set before the app started)."""
    await ui.wait_for(pilot, lambda: "Technician PIN" in ui.text_of(app, "#pin-prompt"), what="login")
    for key in PIN:
        await pilot.press(key)
    await pilot.press("enter")
    await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="home")


async def test_diagnostics_show_every_check_with_the_fix(own_core, ui):
    own_core.service.technician.auth.set_pin(PIN)
    app = create_technician_app(own_core.url)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(own_core, pilot, ui, app)
        await ui.tap(pilot, "#go-diagnostics")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, DiagnosticsScreen) and app.screen.checks,
                          what="the checks")
        names = [c["name"] for c in app.screen.checks]
        assert {"camera", "decoders", "printers", "disk", "clock", "database", "enrollment", "upstream",
                "sync queue", "print queue", "core"} <= set(names)
        rows = [str(w.render()) for w in app.screen.query(".check")]
        assert len(rows) == len(names)
        assert any(r.startswith("✖ PROBLEM printers: no printer configured") for r in rows)
        assert any(r.startswith("✔ OK      database: quick_check ok") for r in rows)
        fixes = [str(w.render()) for w in app.screen.query(".fix")]
        assert any("edge enroll" in f for f in fixes)
        await ui.tap(pilot, "#refresh")
        await ui.wait_for(pilot, lambda: len(app.screen.query(".check")) == len(names), what="refreshed")


async def test_an_address_that_is_not_a_printer_is_called_out(own_core, ui):
    server = NotAPrinter()
    try:
        own_core.service.technician.auth.set_pin(PIN)
        app = create_technician_app(own_core.url)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(own_core, pilot, ui, app)
            await ui.tap(pilot, "#go-printers")
            await ui.tap(pilot, "#address")
            assert isinstance(app.screen, AddressScreen)
            for key in "999.1":
                await ui.tap(pilot, "#key-dot" if key == "." else f"#key-{key}")
            await ui.tap(pilot, "#key-ok")
            assert "Not an address" in ui.screen_text(app)
            await ui.tap(pilot, "#key-clear")
            for key in f"127.0.0.1:{server.port}":
                await pilot.press({".": "full_stop", ":": "colon"}.get(key, key))
            await pilot.press("enter")
            await ui.wait_for(pilot, lambda: isinstance(app.screen, PrinterSetupScreen), what="printer setup")
            await ui.wait_for(pilot,
                              lambda: "does not answer like an ESC/POS printer" in ui.text_of(app, "#printer-status"),
                              what="the verdict")
            assert app.screen.url == f"tcp://127.0.0.1:{server.port}"
    finally:
        server.close()


async def test_camera_live_view_counts_reads_and_masks_payment_codes(core_factory, ui, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    qrcode.make(WECHAT, box_size=8, border=4).save(folder / "pay.png")
    core = core_factory(f'[scanner]\nsource = "{folder}"\nfps = 10\n')
    core.service.technician.auth.set_pin(PIN)
    app = create_technician_app(core.url)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(core, pilot, ui, app)
        await ui.tap(pilot, "#go-camera")
        await ui.wait_for(pilot, lambda: "1345************89" in ui.screen_text(app), timeout=15,
                          what="the masked code")
        await ui.wait_for(pilot, lambda: "0.0 fps" not in ui.text_of(app, "#camera-live"), what="fps")
        chosen = [b.value for b in app.screen.query(ToggleButton) if b.selected]
        assert chosen == [str(folder)]  # the configured source is the chosen one
        assert WECHAT not in ui.screen_text(app)
