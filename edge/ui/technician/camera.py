"""Camera test: which camera the core reads, and a live view of what it does — frames per
second, ms per frame, reads per second, scans, the last code (masked: the core never sends a
payment code's digits)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from edge.ui.technician.wizard import WizardStep
from edge.ui.widgets.buttons import ToggleButton
from edge.ui.widgets.plain import Label

SOURCES = (("", "无 None"), ("0", "USB 0"), ("1", "USB 1"), ("picamera", "Pi 摄像头"))
POLL_S = 0.5


class CameraScreen(WizardStep):
    TITLE_KEY = "camera"
    DEFAULT_CSS = """
    CameraScreen #sources { height: 3; }
    CameraScreen #sources Button { width: 1fr; }
    CameraScreen #camera-live { height: auto; border: round $primary; padding: 0 1; }
    """

    def __init__(self, step: int | None = None):
        super().__init__(step)
        self.source: str | None = None

    def compose(self) -> ComposeResult:
        yield self.header()
        with Vertical(classes="tech-body"):
            yield Label("选择摄像头 Which camera (saved at once):")
            yield Horizontal(id="sources")
            yield Label("…", id="camera-live")
            yield Label("把任意二维码对准摄像头 Show any QR code to the camera: reads and the last code appear "
                        "above", id="camera-help")
        yield self.nav("next")

    def on_mount(self) -> None:
        self.call(self.client.state, done=self._state)
        self.poll()
        self.set_interval(POLL_S, self.poll)

    async def _state(self, state: dict) -> None:
        self.source = state["scanner"]["source"]
        choices = list(SOURCES)
        if self.source not in {s for s, _ in SOURCES}:
            choices.append((self.source, f"当前 {self.source[-14:]}"))
        await self.query_one("#sources", Horizontal).mount_all(
            [ToggleButton(label, id=f"source-{n}", value=spec, selected=spec == self.source)
             for n, (spec, label) in enumerate(choices)])

    def poll(self) -> None:
        self.call(self.client.status, done=self._live, failed=lambda error: None, group="poll")

    def _live(self, status: dict) -> None:
        s = status.get("scanner") or {}
        last = (s.get("last") or ["-"])[0]
        self.query_one("#camera-live", Label).update(
            f"状态 State: {s.get('camera') or '-'}   重连 reconnects {s.get('reconnects', 0)}\n"
            f"{s.get('fps', 0)} fps   {s.get('ms_per_frame', 0)} ms/frame   {s.get('reads_per_s', 0)} reads/s   "
            f"扫码 scans {s.get('scans', 0)}\n"
            f"最后 Last code: {last}")

    def on_button_pressed(self, event) -> None:
        button = event.button
        if isinstance(button, ToggleButton):
            event.stop()
            self.source = button.value
            for toggle in self.query(ToggleButton):
                toggle.selected = toggle.value == self.source
            self.call(self.client.settings, {"scanner": {"source": self.source}},
                      done=lambda _: self.notify("已保存 Saved"))
            return
        super().on_button_pressed(event)
