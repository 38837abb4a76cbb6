"""Shared by the cashier screen tests: a core with real printers (simulators) for the three kitchen
stations, and the check that everything a screen shows can be reached and read at a size."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Button, Input

from edge.printer_sim.simulator import PrinterSimulator
from edge.ui.widgets.plain import Label

STATIONS = ("dimsum", "kitchen", "bar")


def printer_config(sims: dict[str, PrinterSimulator]) -> str:
    text = "".join(f'[printers.{name}]\nurl = "tcp://127.0.0.1:{sim.port}"\ntimeout = 2.0\n'
                   for name, sim in sims.items())
    return text + "[stations]\n" + "".join(f'{name} = "{name}"\n' for name in sims)


def start_printers() -> dict[str, PrinterSimulator]:
    return {name: PrinterSimulator(port=0, name=name).start() for name in STATIONS}


def shown(app, widget) -> bool:
    return all(node.display for node in widget.ancestors_with_self if node is not app)


async def assert_all_reachable(pilot) -> int:
    """Every button, input and label of the screen on top, scrolled to if its box scrolls, lies
    inside the visible part of its box and of the screen, and every button's words fit on it.
    Returns how many widgets were checked."""
    app, screen = pilot.app, pilot.app.screen
    problems, checked = [], 0
    for widget in list(screen.query("Button, Input, Label")):
        if not shown(app, widget) or not isinstance(widget, (Button, Input, Label)):
            continue
        widget.scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        geometry = screen.find_widget(widget)
        what = widget.id or str(widget.label if isinstance(widget, Button) else widget.render())[:30]
        if not screen.region.contains_region(geometry.clip) or not geometry.clip.contains_region(geometry.region):
            problems.append(f"{what}: {geometry.region} is outside what shows ({geometry.clip})")
        if isinstance(widget, Button) and cell_len(str(widget.label)) > widget.content_size.width:
            problems.append(f"{what}: its words are cut ({widget.content_size.width} cells)")
        checked += 1
    assert not problems, f"{type(screen).__name__} at {app.size}: " + "; ".join(problems)
    return checked
