"""The provisioning wizard's step: a technician screen that is one step of the wizard (`step`
set: "Next" opens the following step) or opened alone from the home screen (`step` None: "Next"
is not shown, saving goes back). The steps, in order, are the session's
`TechnicianScreens.wizard` (edge/ui/technician/screens.py): device → enroll → printers →
stations → camera → done."""

from __future__ import annotations

from edge.ui.technician.technician_screen import TechScreen, bilingual
from edge.ui.widgets.buttons import TouchButton


class WizardStep(TechScreen):
    """A screen that is one step of the wizard (`step` set) or opened alone (`step` None)."""

    def __init__(self, step: int | None = None):
        super().__init__()
        self.step = step

    def nav(self, next_label: str = "next", *extra: TouchButton):
        buttons = [TouchButton(bilingual("back"), id="back"), *extra]
        if self.step is not None:
            buttons.append(TouchButton(bilingual(next_label), id="next", variant="primary"))
        return self.footer(*buttons)

    def header(self, extra: str = ""):
        step = f"{self.step + 1}/{len(self.tech.screens.wizard)}" if self.step is not None else ""
        return super().header(" ".join(x for x in (step, extra) if x))

    def go_next(self) -> None:
        if self.step is None:
            self.app.pop_screen()
            return
        steps = self.tech.screens.wizard
        self.app.push_screen(steps[self.step + 1](step=self.step + 1))

    def on_button_pressed(self, event) -> None:
        if event.button.id == "next":
            event.stop()
            self.go_next()
            return
        super().on_button_pressed(event)
