"""Terminal escapes and markup from a hostile menu never reach a screen (issue 12, item 8).

A menu comes from the upstream (or a menu file); its names, options and note chips are shown on
the kiosk's Textual terminal, on the cashier's SSH terminal and by CLI commands. Here a real core
on 127.0.0.1 serves a menu whose names hold a window-title OSC (`ESC ] 0 ; pwned BEL`), a clear
screen (`ESC [ 2 J`), colours, a bidi override and Textual markup, and the test reads what the
kiosk shows (rendered strips, the SVG screenshot, the bytes written to a real pseudo-terminal)
and what `edge printers jobs` prints.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from textual.content import Content

from edge.cli import cli
from edge.config import parse_config
from edge.core.service import EdgeService
from edge.ui.cashier.cashier_app import create_cashier_app
from edge.ui.cashier.cashier_home import HomeScreen
from edge.ui.cashier.soldout import SoldOutScreen
from edge.ui.kiosk_app import create_app
from edge.ui.screens.item import ItemScreen
from tests.cashier.helpers import seed
from tests.ui.conftest import DEMO_MENU, RunningCore, menu_ready, notices, screen_text, tap, text_of
from tests.support import pilot_wait_for as wait_for

ESC = "\x1b"
TITLE = "\\u001b]0;pwned\\u0007"  # TOML escapes: the text the core serves holds the raw bytes
CLEAR = "\\u001b[2J"
RED, RESET = "\\u001b[31m", "\\u001b[0m"
RLO, PDF = "\\u202e", "\\u202c"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
MARKUP = "[red]Free[/red] [@click=app.quit]x[/]"

# (text in the demo menu, hostile text) -> what a screen must show instead
HOSTILE = {
    'zh = "水晶虾饺皇"': f'zh = "{CLEAR}水晶{TITLE}虾饺皇{RED}"',
    'en = "Shrimp dumplings (har gow)"': f'en = "Shrimp {RED}dumplings{RESET} {RLO}wog rah{PDF}"',
    'zh = "蟹籽烧卖"': f'zh = "蟹籽烧卖 {MARKUP}"',
    'zh = "蜜汁叉烧包"': 'zh = "蜜汁叉烧包[/]"',  # unbalanced markup
    '{ id = "steamed", zh = "蒸点"': f'{{ id = "steamed", zh = "蒸{TITLE}点"',
    '{ id = "large", zh = "大"': f'{{ id = "large", zh = "大{CLEAR}{TITLE}"',
    '{ id = "rush", zh = "加急"': f'{{ id = "rush", zh = "加急{RED}\\t{TITLE}"',
    '{ id = "dimsum", zh = "点心"': f'{{ id = "dimsum{TITLE}", zh = "点心"',
}
SHOWN = {"har_gow_zh": "水晶虾饺皇", "har_gow_en": "Shrimp dumplings wog rah", "siu_mai": f"蟹籽烧卖 {MARKUP}",
         "char_siu_bao": "蜜汁叉烧包[/]", "steamed": "蒸点"}


MARKUP_ONLY = ('zh = "蟹籽烧卖"', 'zh = "蜜汁叉烧包"')


def hostile_menu(path: Path, markup: bool) -> Path:
    text = DEMO_MENU.read_text(encoding="utf-8")
    for plain, hostile in HOSTILE.items():
        assert text.count(plain) == 1, plain
        if markup or plain not in MARKUP_ONLY:
            text = text.replace(plain, hostile)
    text = text.replace('station = "dimsum"', f'station = "dimsum{TITLE}"')
    path.write_text(text, encoding="utf-8")
    return path


def start_core(tmp_path: Path, markup: bool) -> RunningCore:
    """A real core on 127.0.0.1 serving the hostile menu (no printers: kitchen jobs wait in attention)."""
    menu = hostile_menu(tmp_path / "menu.toml", markup)
    config = parse_config(f'[device]\ndata_dir = "{tmp_path / "data"}"\n[menu]\nfile = "{menu}"\n', environ={})
    running = RunningCore(EdgeService(config).open()).start()
    served = requests.get(f"{running.url}/v1/menu", timeout=10).json()
    assert any("\x1b]0;pwned\x07" in item["zh"] for item in served["items"])  # the core serves it raw
    return running


@pytest.fixture
def hostile_core(tmp_path):
    """Names with escape sequences, bidi overrides and Textual markup."""
    running = start_core(tmp_path, markup=True)
    yield running
    running.close()


@pytest.fixture
def escapes_core(tmp_path):
    """Names with escape sequences and bidi overrides only (no markup, which alone crashed the kiosk)."""
    running = start_core(tmp_path, markup=False)
    yield running
    running.close()


def assert_clean(text: str, where: str) -> None:
    assert ESC not in text, f"{where}: an escape character reached the screen: {text!r}"
    assert "pwned" not in text and "[2J" not in text and "[31m" not in text, where
    assert not any(ch in BIDI for ch in text), f"{where}: a bidi override reached the screen"
    assert not any(ord(ch) < 0x20 and ch != "\n" or 0x7F <= ord(ch) <= 0x9F for ch in text), where


def widget_texts(app) -> str:
    """The plain text of every Label, Static and Button of the current screen."""
    texts = []
    for widget in app.screen.query("Label, Static, Button"):
        content = widget.label if hasattr(widget, "label") else widget.render()
        texts.append(str(getattr(content, "plain", content)))
    return "\n".join(texts)


async def test_kiosk_shows_hostile_names_cleaned_and_markup_literally(hostile_core):
    app = create_app(hostile_core.url, language="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await menu_ready(pilot)
        await tap(pilot, "#cat-steamed")
        for where, text in [("strips", screen_text(app)), ("widgets", widget_texts(app)),
                            ("svg", app.export_screenshot())]:
            assert_clean(text, where)
        assert text_of(app, "#cat-steamed") == SHOWN["steamed"]
        assert text_of(app, "#item-har_gow").split("\n")[:2] == [SHOWN["har_gow_zh"], SHOWN["har_gow_en"]]
        # markup is shown as typed: no colour, no clickable action, and "[/]" does not crash the screen
        siu_mai = app.screen.query_one("#item-siu_mai").label
        assert isinstance(siu_mai, Content) and siu_mai.plain.startswith(SHOWN["siu_mai"])
        assert not siu_mai.spans
        assert text_of(app, "#item-char_siu_bao").startswith(SHOWN["char_siu_bao"])
        assert "[red]Free" in screen_text(app)

        # the dish screen (option names) and a note chip, then the order goes through
        await tap(pilot, "#cat-congee")
        await tap(pilot, "#item-beef_chow_fun")
        await wait_for(pilot, lambda: isinstance(app.screen, ItemScreen), what="the dish screen")
        assert_clean(screen_text(app), "dish screen")
        assert_clean(widget_texts(app), "dish screen widgets")
        assert text_of(app, "#opt-large").startswith("大 +¥5.00") or "大" in text_of(app, "#opt-large")
        await tap(pilot, "#opt-large")
        await tap(pilot, "#add-to-cart")
        await wait_for(pilot, lambda: not isinstance(app.screen, ItemScreen), what="the menu again")
        await tap(pilot, "#checkout")
        await pilot.pause()
        assert_clean(screen_text(app), "checkout")
        assert_clean(widget_texts(app), "checkout widgets")
        assert text_of(app, "#order-note-rush") == "加急 "  # the tab became a space
        assert app.is_running


async def test_kiosk_at_80x24_shows_the_hostile_menu_cleaned(escapes_core):
    app = create_app(escapes_core.url, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await menu_ready(pilot)
        assert_clean(screen_text(app), "80x24")
        assert_clean(app.export_screenshot(), "80x24 svg")
        assert "Shrimp dumplings wog rah" in screen_text(app)


HOSTILE_STAFF = ("c9", "王\x1b]0;pwned\x07\u202e[@click=app.quit]收银[/]", "cashier", "1234")


async def test_cashier_shows_staff_and_menu_names_cleaned_and_literal(hostile_core):
    """The cashier screen (also run over SSH): a staff name from the upstream with a title
    sequence, a bidi override and markup, in the staff list, the top bar and the login notice;
    the hostile menu on the 估清 screen."""
    seed(hostile_core.service, staff=(HOSTILE_STAFF,))
    shown = "王[@click=app.quit]收银[/]"
    app = create_cashier_app(hostile_core.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query("#staff-c9")), what="the staff list")
        assert_clean(screen_text(app), "login")
        assert text_of(app, "#staff-c9").removeprefix("✓ ") == shown  # the only staff member: chosen
        await tap(pilot, "#staff-c9")
        for digit in HOSTILE_STAFF[3]:
            await tap(pilot, f"#key-{digit}")
        await tap(pilot, "#key-ok")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="the cashier home")
        sent = [(n.message, n.markup) for n in app._notifications]  # the login notice names the staff
        assert (f"{shown} 已登录", False) in sent  # shown literally, never as markup
        assert_clean(screen_text(app) + notices(app) + widget_texts(app), "cashier home")
        await tap(pilot, "#open-soldout")
        await wait_for(pilot, lambda: isinstance(app.screen, SoldOutScreen), what="the 估清 screen")
        await wait_for(pilot, lambda: "水晶虾饺皇" in widget_texts(app), what="the dishes")
        assert_clean(screen_text(app) + widget_texts(app), "估清")
        assert "蟹籽烧卖 [red]Free[/red] [@click=app.quit]x[/]" in widget_texts(app)
        assert app.is_running


def read_until(fd: int, proc: subprocess.Popen, needle: bytes, timeout: float) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and needle not in out:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    return out


def test_kiosk_in_a_real_terminal_writes_no_hostile_sequence(escapes_core, tmp_path):
    """`edge ui` in a pseudo-terminal of 80x24: the bytes Textual's driver writes hold the dishes'
    names, and neither the window-title sequence nor the bidi override of the hostile menu."""
    config = tmp_path / "ui.toml"
    config.write_text('[ui]\nlanguage = "zh"\n', encoding="utf-8")
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "edge", "ui", "--config", str(config), "--url", escapes_core.url],
                            stdin=child, stdout=child, stderr=child, env=env, close_fds=True, start_new_session=True)
    os.close(child)
    try:
        out = read_until(main, proc, "虾饺皇".encode(), timeout=90)
        out += read_until(main, proc, b"\x00never", timeout=2)  # the rest of the first frames
        assert "虾饺皇".encode() in out, f"the kiosk did not draw the menu: {out[-400:]!r}"
        os.write(main, b"\x11")  # ctrl+q
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        out += read_until(main, proc, b"\x00never", timeout=1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        os.close(main)
    assert b"pwned" not in out and b"\x1b]0;" not in out
    assert "\u202e".encode() not in out
    assert "蒸点".encode() in out


def test_cli_job_listing_prints_cleaned_station_names(hostile_core):
    """`edge printers jobs` lists the kitchen jobs of an order placed over HTTP: their station id
    comes from the hostile menu. The listing shows it without its window-title sequence; the JSON
    output keeps it whole, with the controls written as \\u escapes a terminal does not obey."""
    order = {"client_token": "termesc-cli-1", "service": "takeaway",
             "lines": [{"item_id": "har_gow", "qty": 1}]}
    placed = requests.post(f"{hostile_core.url}/v1/orders", json=order, timeout=10)
    assert placed.status_code == 201, placed.text
    raw = requests.get(f"{hostile_core.url}/v1/print-jobs", timeout=10).json()
    assert any("\x1b]0;pwned\x07" in (job.get("station_id") or "") for job in raw["jobs"])  # held raw

    listing = CliRunner().invoke(cli, ["printers", "jobs", "--core", hostile_core.url])
    assert listing.exit_code == 0, listing.output
    assert_clean(listing.output, "edge printers jobs")
    assert "dimsum" in listing.output and placed.json()["ticket_no"] in listing.output

    as_json = CliRunner().invoke(cli, ["printers", "jobs", "--json", "--core", hostile_core.url])
    assert as_json.exit_code == 0, as_json.output
    assert not any(ord(ch) < 0x20 and ch != "\n" or 0x7F <= ord(ch) <= 0x9F or ch in BIDI for ch in as_json.output)
    assert json.loads(as_json.output)["jobs"] == raw["jobs"]  # nothing lost


def test_cli_error_from_the_core_is_printed_cleaned(hostile_core):
    """An error message of the core that names a hostile id is printed without its sequences."""
    result = CliRunner().invoke(cli, ["printers", "reprint", "--core", hostile_core.url,
                                      "job\x1b]0;pwned\x07\x1b[2J"])
    assert result.exit_code != 0
    assert_clean(result.output, "error")


def test_events_of_the_core_reach_the_ui_cleaned(escapes_core):
    """The event stream (printer problems, scans) over real HTTP: the UI's client yields it cleaned."""
    import threading

    from edge.ui.core_client import CoreClient

    client, got = CoreClient(escapes_core.url), []

    def follow() -> None:
        for kind, data in client.events():
            if kind == "printer":
                got.append(data)
                return

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    deadline = time.monotonic() + 30
    while escapes_core.service.events.subscriber_count < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    escapes_core.service.events.publish("printer", {"printer": "k\x1b]0;pwned\x07", "state": "problem",
                                                    "detail": "paper \x1b[2J\u202eout\x9b5m"})
    reader.join(timeout=30)
    client.close()
    assert len(got) == 1
    assert {k: got[0][k] for k in ("printer", "state", "detail")} == {"printer": "k", "state": "problem",
                                                                      "detail": "paper out"}


def test_screens_take_label_and_static_from_the_literal_widgets():
    """A guard: a screen that imported Textual's own Label or Static would show data as markup."""
    root = Path(__file__).resolve().parents[2] / "edge" / "ui"
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py") if path.name != "plain.py"
                 for line in path.read_text(encoding="utf-8").splitlines()
                 if line.startswith("from textual.widgets import")
                 and {"Label", "Static"} & {name.strip() for name in line.split("import", 1)[1].split(",")}]
    assert offenders == []
