"""Diagnostics: the doctor's checks from GET /v1/doctor — OK, or the problem and its fix."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from edge.ui.technician.technician_screen import TechScreen, bilingual
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label, Static


class DiagnosticsScreen(TechScreen):
    TITLE_KEY = "diagnostics"
    DEFAULT_CSS = """
    DiagnosticsScreen .check { height: auto; }
    DiagnosticsScreen .check.-ok { color: $success; }
    DiagnosticsScreen .check.-problem { color: $error; }
    DiagnosticsScreen .fix { height: auto; padding-left: 4; color: $warning; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.checks: list[dict] = []

    def compose(self) -> ComposeResult:
        yield self.header()
        with VerticalScroll(classes="tech-body", id="checks"):
            yield Label("正在检查 Checking…", id="checks-summary")
        yield self.footer(TouchButton(bilingual("back"), id="back"),
                          TouchButton(bilingual("refresh"), id="refresh", variant="primary"))

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        self.query_one("#refresh").disabled = True
        self.call(self.client.doctor, done=self.show, failed=self._failed_load, group="doctor")

    def _failed_load(self, error) -> None:
        self.query_one("#refresh").disabled = False
        self.query_one("#checks-summary", Label).update(f"✖ {error.message}")

    async def show(self, doc: dict) -> None:
        self.checks = doc["checks"]
        self.query_one("#refresh").disabled = False
        body = self.query_one("#checks", VerticalScroll)
        await body.remove_children(".check, .fix")
        problems = [c for c in self.checks if not c["ok"]]
        self.query_one("#checks-summary", Label).update(
            f"{len(problems)} 个问题 problem(s) in {len(self.checks)} checks" if problems else
            f"全部正常 all {len(self.checks)} checks OK")
        rows = []
        for n, check in enumerate(self.checks):
            mark = "✔ OK     " if check["ok"] else "✖ PROBLEM"
            rows.append(Static(f"{mark} {check['name']}: {check['detail']}", id=f"check-{n}",
                               classes="check " + ("-ok" if check["ok"] else "-problem"), markup=False))
            if not check["ok"] and check.get("fix"):
                rows.append(Static(f"→ {check['fix']}", classes="fix", markup=False))
        await body.mount_all(rows)

    def on_button_pressed(self, event) -> None:
        if event.button.id == "refresh":
            event.stop()
            self.load()
            return
        super().on_button_pressed(event)
