"""The technician's start: provisioning wizard, diagnostics, printers, camera, PIN, exit."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Vertical

from edge.ui.technician.camera import CameraScreen
from edge.ui.technician.diagnostics import DiagnosticsScreen
from edge.ui.technician.pin import PinScreen
from edge.ui.technician.printers import PrintersScreen
from edge.ui.technician.provision import DeviceScreen
from edge.ui.technician.technician_screen import TechScreen, bilingual, leave_technician
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label


class HomeScreen(TechScreen):
    TITLE_KEY = "title"
    DEFAULT_CSS = """
    HomeScreen #home-grid { grid-size: 2; grid-rows: 3; grid-gutter: 1 2; height: auto; }
    HomeScreen #home-grid Button { width: 1fr; }
    HomeScreen #home-summary { height: auto; margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        yield self.header()
        with Vertical(classes="tech-body"):
            yield Label("…", id="home-summary")
            with Grid(id="home-grid"):
                yield TouchButton(bilingual("provision"), id="go-provision", variant="primary")
                yield TouchButton(bilingual("diagnostics"), id="go-diagnostics")
                yield TouchButton(bilingual("printers"), id="go-printers")
                yield TouchButton(bilingual("camera"), id="go-camera")
                yield TouchButton(bilingual("change_pin"), id="go-pin")
                yield TouchButton(bilingual("exit"), id="go-exit", variant="error")

    def on_mount(self) -> None:
        self.refresh_summary()

    def on_screen_resume(self) -> None:
        self.refresh_summary()

    def refresh_summary(self) -> None:
        self.call(self.client.state, done=self._summary, group="state")

    def _summary(self, state: dict) -> None:
        device, e = state["device"], state.get("enrollment")
        where = f"store {e['store_id']} ({e['status']})" if e else "未开通 not enrolled"
        self.query_one("#home-summary", Label).update(
            f"{device['name']} · 前缀 prefix {device['ticket_prefix']} · {where} · "
            f"{len(state['printers'])} printer(s)")

    def on_button_pressed(self, event) -> None:
        target = event.button.id
        event.stop()
        if target == "go-provision":
            self.app.push_screen(DeviceScreen(step=0))
        elif target == "go-diagnostics":
            self.app.push_screen(DiagnosticsScreen())
        elif target == "go-printers":
            self.app.push_screen(PrintersScreen())
        elif target == "go-camera":
            self.app.push_screen(CameraScreen())
        elif target == "go-pin":
            self.app.push_screen(PinScreen(change=True))
        elif target == "go-exit":
            self.action_back()

    def action_back(self) -> None:
        leave_technician(self.app)
