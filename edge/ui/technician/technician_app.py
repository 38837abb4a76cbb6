"""`edge ui --mode technician`: the technician screens as their own app, for any terminal (SSH
included, 80x24 and up). The same screens open over the kiosk (edge/ui/technician/kiosk_entry.py)."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from edge.ui.technician.screens import SCREENS
from edge.ui.technician.technician_client import TechnicianClient
from edge.ui.technician.technician_screen import TechnicianSession
from edge.ui.widgets.plain import PlainNotices


class TechnicianApp(PlainNotices, App):
    TITLE = "Matou technician"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False)]

    def __init__(self, client: TechnicianClient, language: str = "zh", *, scan_subnet: str | None = None,
                 scan_ports: list[int] | None = None):
        super().__init__()
        self.animation_level = "none"
        self.lang = language
        self.client = client
        self.technician_session = TechnicianSession(client, SCREENS, from_kiosk=False, scan_subnet=scan_subnet,
                                                    scan_ports=scan_ports)

    def get_default_screen(self):
        return SCREENS.home()

    def on_mount(self) -> None:
        self.push_screen(SCREENS.pin())

    def on_unmount(self) -> None:
        self.client.close()


def create_technician_app(core_url: str, language: str = "zh", **kwargs) -> TechnicianApp:
    return TechnicianApp(TechnicianClient(core_url), language=language, **kwargs)
