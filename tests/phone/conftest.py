"""A table's world for the phone page's browser tests: a real upstream (its HTTP server on
127.0.0.1, SQLite), three printer-sims (one per kitchen station), a real `edge core` process
enrolled with the upstream and printing to them, and headless Chromium (Debian's, no download)
with phone-sized pages, each phone in its own browser context (its own cookies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from edge.config import load_config
from edge.demo.setup import MENU_FILE
from edge.printer_sim.simulator import PrinterSimulator
from edge.sync.enroll import enroll
from tests.support import CoreProcess, free_port, wait_for
from tests.sync.fixtures import pg_cluster, upstream_db  # noqa: F401 - the upstream on both engines
from tests.support.upstream_trust import trust_section
from upstream.enroll import add_store, make_token
from upstream.schema import open_database
from upstream.server import BackgroundUpstream
from upstream.store_settings import publish_menu_file, rotate_table_key, table_code

CHROMIUM = "/usr/bin/chromium"
STORE = "s1"
STATIONS = ("dimsum", "kitchen", "bar")
PHONE = {"width": 390, "height": 844}
# A phone's browser as WeChat's in-app browser names itself (the page must work there).
WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
             " Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN")
ALIPAY_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0"
             " Mobile Safari/537.36 AlipayClient/10.5.90.8000 Language/zh-Hans")


@dataclass
class World:
    root: Path
    upstream: object  # .url and .db: BackgroundUpstream, or the payments tests' upstream with a gateway
    sims: dict[str, PrinterSimulator]
    core: CoreProcess
    browser: Browser
    log: object = None
    contexts: list = field(default_factory=list)

    @property
    def db(self):
        return self.upstream.db

    def table_url(self, table: str = "12") -> str:
        """The table card's URL with the upstream's own address for its host (the host is not signed)."""
        code = table_code(self.db, STORE, table, "order.example.com")
        return self.upstream.url + code.split("order.example.com", 1)[1]

    def phone(self, table: str = "12", user_agent: str = WECHAT_UA, url: str | None = None) -> Page:
        """A new phone (its own cookies) that scanned the table's code: the page loaded."""
        context = self.browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                           user_agent=user_agent, locale="zh-CN")
        self.contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(url or self.table_url(table))
        return page

    def tickets(self, station: str | None = None) -> list[str]:
        """The texts printed so far, at one station or at all of them."""
        return [t.text for name, sim in self.sims.items() if station in (None, name) for t in sim.tickets]

    def round_tickets(self, round_no: int, station: str | None = None) -> list[str]:
        """The kitchen tickets of a table's round (第N轮) printed so far."""
        return [t for t in self.tickets(station) if f"第{round_no}轮" in t]


def wait_text(page: Page, selector: str, text: str, timeout_s: float = 30.0, exact: bool = False) -> None:
    """Wait until the element's visible text contains (or, `exact`, is) `text`: the page follows
    the table live."""
    page.wait_for_function(
        "([s, t, exact]) => { const e = document.querySelector(s);"
        " return e && (exact ? e.innerText.trim() === t : e.innerText.includes(t)); }",
        arg=[selector, text, exact], timeout=timeout_s * 1000)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def bare_upstream(upstream_db):
    """Only the upstream (no device), on SQLite and on PostgreSQL: store s1 with the demo menu,
    and another store s2. 127.0.0.1 is its trusted proxy (a test may say the scan came over https)."""
    db = upstream_db
    add_store(db, STORE, "粤点茶楼")
    publish_menu_file(db, STORE, str(MENU_FILE))
    rotate_table_key(db, STORE)
    add_store(db, "s2", "别家")
    rotate_table_key(db, "s2")
    server = BackgroundUpstream(db, trusted_proxies=["127.0.0.1"], clock=lambda: 1_800_000_000_000).start()
    yield server
    server.stop()


def device_world(tmp_path: Path, browser: Browser, db, upstream):
    """Printer-sims and a real core enrolled with `upstream` (anything with .url and .db whose
    store s1 has the demo menu): a World once the device asks the upstream for its commands.
    Stop it with `close_world`."""
    rotate_table_key(db, STORE)
    sims = {name: PrinterSimulator(port=0, name=name).start() for name in STATIONS}
    port = free_port()
    config_file = tmp_path / "edge.toml"
    printers = "".join(f'[printers.{name}]\nurl = "tcp://127.0.0.1:{sim.port}"\ntimeout = 2.0\n'
                       for name, sim in sims.items())
    config_file.write_text(
        f'[device]\ndata_dir = "{tmp_path / "data"}"\nticket_prefix = "A"\n[core]\nport = {port}\n'
        f'[menu]\nfile = "{MENU_FILE}"\n{trust_section(upstream.url, db)}{printers}[stations]\n'
        + "".join(f'{name} = "{name}"\n' for name in STATIONS) + 'report = "bar"\n',  # calls: the bar's printer
        encoding="utf-8")
    enroll(load_config(config_file), make_token(db, STORE, "cashier", upstream.url)[0])
    log = open(tmp_path / "core.log", "ab")
    core = CoreProcess(config_file, port, log)
    world = World(tmp_path, upstream, sims, core, browser, log=log)
    core.start()
    wait_for(lambda: db.scalar("SELECT last_seen_ms FROM devices WHERE store_id = ?", [STORE]), timeout=30,
             what="the device asking the upstream for its commands")
    return world


def close_world(world: World) -> None:
    for context in world.contexts:
        context.close()
    world.core.kill()
    world.log.close()
    for sim in world.sims.values():
        sim.stop()


@pytest.fixture
def world(tmp_path, browser):
    db = open_database(str(tmp_path / "upstream.sqlite"))
    add_store(db, STORE, "粤点茶楼")
    publish_menu_file(db, STORE, str(MENU_FILE))
    upstream = BackgroundUpstream(db).start()
    made = device_world(tmp_path, browser, db, upstream)
    yield made
    close_world(made)
    upstream.stop()
    db.close()
