"""UI test fixtures: a real core (EdgeService + its HTTP API in a thread, demo menu, no printers)
and pilot helpers that tap widgets the way a customer does (scroll into view, then click)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from pathlib import Path

import pytest

from edge.config import parse_config
from edge.core.server import BackgroundCore
from edge.core.service import EdgeService
from edge.ui.core_client import CoreClient
from tests.support import pilot_wait_for as wait_for

ROOT = Path(__file__).resolve().parents[2]

DEMO_MENU = ROOT / "edge" / "demo" / "menu.toml"


@dataclass
class RunningCore:
    """A core on 127.0.0.1 that a test can stop and start again on the same port."""

    service: EdgeService
    server: BackgroundCore | None = None
    port: int = 0

    def start(self) -> RunningCore:
        self.server = BackgroundCore(self.service, port=self.port).start()
        self.port = int(self.server.url.rsplit(":", 1)[1])
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.stop()
        self.service.close()


def make_core(data_dir: Path, extra_config: str = "") -> RunningCore:
    text = f'[device]\ndata_dir = "{data_dir}"\n[menu]\nfile = "{DEMO_MENU}"\n{extra_config}'
    config = parse_config(text, environ={})
    return RunningCore(EdgeService(config).open()).start()


@pytest.fixture(scope="session")
def core(tmp_path_factory):
    """One core for the session: tests find their own order by ticket number / id."""
    running = make_core(tmp_path_factory.mktemp("core"))
    yield running
    running.close()


@pytest.fixture
def core_factory(tmp_path):
    """Cores of this test alone, e.g. with printers: `core_factory('[printers.x]...')`."""
    made: list[RunningCore] = []

    def factory(extra_config: str = "") -> RunningCore:
        made.append(make_core(tmp_path / f"core{len(made)}", extra_config))
        return made[-1]

    yield factory
    for running in made:
        running.close()


@pytest.fixture
def own_core(core_factory):
    """A core of this test alone (for stopping it, or changing its menu)."""
    return core_factory()


@pytest.fixture
def client(core):
    api = CoreClient(core.url)
    yield api
    api.close()


async def tap(pilot, selector: str) -> None:
    """Tap an enabled widget on the current screen; fails if it is disabled or not tappable."""
    await pilot.pause()
    widget = pilot.app.screen.query_one(selector)
    assert not widget.disabled, f"{selector} is disabled"
    widget.scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    assert await pilot.click(selector), f"{selector} is covered or off screen"
    await pilot.pause()


async def menu_ready(pilot) -> None:
    await wait_for(pilot, lambda: bool(pilot.app.screen.query(".dish")), what="the menu")


def text_of(app, selector: str) -> str:
    """The plain text a Label / Button shows ("" while the screen is recomposing and it is not there)."""
    from textual.css.query import NoMatches

    try:
        widget = app.screen.query_one(selector)
    except NoMatches:
        return ""
    content = widget.label if hasattr(widget, "label") else widget.render()
    return str(getattr(content, "plain", content))


def screen_text(app) -> str:
    """Everything the terminal shows now (all layers of the current screen, toasts included).
    Wide (CJK) characters cut by an overlapping layer may show as blanks: check words in
    notices with `notices()`, and use this for what must (not) be visible anywhere."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def notices(app) -> str:
    """The text of the notifications (toasts) shown on the current screen."""
    texts = [widget.render() for widget in app.screen.query("Toast")]
    return "\n".join(str(getattr(text, "plain", text)) for text in texts)


def assert_touch_sized(app) -> None:
    """Every button of the current screen is at least 3 rows high (a finger, not a mouse)."""
    from textual.widgets import Button

    buttons = list(app.screen.query(Button))
    assert buttons
    shown = [b for b in buttons if all(node.display for node in b.ancestors_with_self if node is not app)]
    small = [(b.id, b.outer_size.height) for b in shown if b.outer_size.height < 3]
    assert not small, f"buttons under 3 rows: {small}"


@pytest.fixture
def ui():
    """The pilot helpers, as a fixture so test modules need no import path tricks."""
    return SimpleNamespace(tap=tap, wait_for=wait_for, menu_ready=menu_ready, text_of=text_of,
                           assert_touch_sized=assert_touch_sized, screen_text=screen_text,
                           notices=notices)


async def cashier_login(pilot, cashier, staff_id: str = "c1", pin: str = "1234") -> None:
    """Log in on a cashier app's PIN screen (the seeded cashier by default) and wait for its home."""
    await wait_for(pilot, lambda: bool(cashier.screen.query(f"#staff-{staff_id}")), what="the staff list")
    await tap(pilot, f"#staff-{staff_id}")
    for digit in pin:
        await tap(pilot, f"#key-{digit}")
    await tap(pilot, "#key-ok")
    await wait_for(pilot, lambda: bool(cashier.screen.query("#open-payments")), what="the cashier home")
