"""Configuration: frozen dataclasses read from a TOML file plus EDGE_* environment overrides.

Where the file comes from: `--config FILE`, else `$EDGE_CONFIG` (the test seam), else
`<platformdirs user_config_dir>/edge.toml` if it exists, else built-in defaults. Commands
(`find_config`) look between $EDGE_CONFIG and the user file for the config of the core that runs
now (edge/running_core.py), then ./edge.toml, then ./.demo/edge.toml (the demo folder).
Environment overrides name a section and a key: `EDGE_CORE_PORT=8766`,
`EDGE_DEVICE_TICKET_PREFIX=B`, `EDGE_DEVICE_DATA_DIR=/var/lib/matou`.
A typo is refused with the file, the line and the key (and the key it probably meant).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from edge import running_core
from edge.printer_profiles import get_profile
from edge.printer_urls import parse_printer_url

APP_NAME = "matou"


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names file, line and key."""


@dataclass(frozen=True)
class DeviceConfig:
    name: str = "counter-1"
    ticket_prefix: str = "A"
    data_dir: str = ""  # empty: platformdirs user data dir


@dataclass(frozen=True)
class CoreConfig:
    host: str = "127.0.0.1"
    port: int = 8765


@dataclass(frozen=True)
class UiConfig:
    core_url: str = ""  # empty: http://<core.host>:<core.port>
    language: str = "zh"
    screen: str = ""  # this UI's screen id ("" a new one per start); [scanner] screen names the camera's

    def __post_init__(self) -> None:
        _check_screen_id("ui", self.screen)


@dataclass(frozen=True)
class MenuConfig:
    file: str = ""  # a menu TOML imported at start-up when its version is new to the device


@dataclass(frozen=True)
class ScannerConfig:
    source: str = ""  # "" none; "0" /dev/video0 index; "/dev/video2"; "picamera"; an image folder or video file
    fps: int = 15
    screen: str = ""  # the UI screen id the camera belongs to ("" none: its payment codes need one waiting pay screen)

    def __post_init__(self) -> None:
        _check_screen_id("scanner", self.screen)


def _check_screen_id(section: str, screen: str) -> None:
    if screen and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", screen):
        raise ConfigError(f"[{section}] screen must be 1-64 letters, digits, '-' or '_', got {screen!r}")


PAYMENT_MODES = ("pay_later", "pay_first")


@dataclass(frozen=True)
class PaymentsConfig:
    # "pay_later": orders print at once, payment (code or counter) may follow (today's behaviour);
    # "pay_first": an order prints only once paid (by code, or cash taken by the cashier).
    mode: str = "pay_later"

    def __post_init__(self) -> None:
        if self.mode not in PAYMENT_MODES:
            raise ConfigError(f"[payments] mode must be one of {', '.join(PAYMENT_MODES)}, got {self.mode!r}")


@dataclass(frozen=True)
class CashierConfig:
    # A void (退菜) worth more than this many fen needs a manager's id and PIN, like a refund.
    void_manager_above_fen: int = 5000

    def __post_init__(self) -> None:
        if self.void_manager_above_fen < 0:
            raise ConfigError(f"[cashier] void_manager_above_fen is 0 or more fen, got {self.void_manager_above_fen}")


@dataclass(frozen=True)
class TechnicianConfig:
    session_minutes: int = 15  # a technician session ends after this long without use
    min_free_mib: int = 256  # `edge doctor` reports a problem below this much free disk in the data dir
    scan_timeout_ms: int = 400  # LAN printer scan: TCP connect timeout per address


@dataclass(frozen=True)
class UpstreamConfig:
    # Set at install (hardware/setup.sh --upstream URL --upstream-key KEY; docs/technician.md
    # "Enrollment"): the upstream base URLs an enrollment code may name, and the upstream's
    # Ed25519 public key (`edge-upstream public-key`) every enrollment code must be signed by.
    # A string is read as a comma-separated list (the EDGE_UPSTREAM_ALLOWED_URLS override).
    allowed_urls: tuple[str, ...] = ()
    public_key: str = ""

    def __post_init__(self) -> None:
        urls = self.allowed_urls
        if isinstance(urls, str):
            urls = tuple(u.strip() for u in urls.split(","))
        if not isinstance(urls, (list, tuple)) or not all(isinstance(u, str) for u in urls):
            raise ConfigError(f"[upstream] allowed_urls must be a list of URLs, got {self.allowed_urls!r}")
        urls = tuple(u.strip().rstrip("/") for u in urls if u.strip())
        for url in urls:
            if not re.fullmatch(r"https?://[^\s/?#@]+(/[^\s?#]*)?", url):
                raise ConfigError(f"[upstream] allowed_urls: {url!r} is not an http(s) base URL")
        object.__setattr__(self, "allowed_urls", urls)
        if self.public_key and not re.fullmatch(r"[A-Za-z0-9_-]{43}", self.public_key):
            raise ConfigError("[upstream] public_key must be the 43-character key `edge-upstream public-key` prints")


@dataclass(frozen=True)
class PrinterConfig:
    url: str
    profile: str = "80mm-gb18030"
    timeout: float = 4.0
    backup: str = ""  # another [printers.NAME] that takes this printer's tickets while it is down

    def __post_init__(self) -> None:
        try:
            parse_printer_url(self.url)
            get_profile(self.profile)
        except ValueError as error:
            raise ConfigError(str(error)) from None


@dataclass(frozen=True)
class Config:
    device: DeviceConfig = field(default_factory=DeviceConfig)
    core: CoreConfig = field(default_factory=CoreConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    menu: MenuConfig = field(default_factory=MenuConfig)
    scanner: ScannerConfig = field(default_factory=ScannerConfig)
    payments: PaymentsConfig = field(default_factory=PaymentsConfig)
    cashier: CashierConfig = field(default_factory=CashierConfig)
    technician: TechnicianConfig = field(default_factory=TechnicianConfig)
    upstream: UpstreamConfig = field(default_factory=UpstreamConfig)
    printers: dict[str, PrinterConfig] = field(default_factory=dict)
    stations: dict[str, str] = field(default_factory=dict)  # station id -> printer name
    source: str | None = None

    @property
    def data_dir(self) -> Path:
        return Path(self.device.data_dir or platformdirs.user_data_dir(APP_NAME))

    @property
    def db_path(self) -> Path:
        return self.data_dir / "edge.sqlite"

    @property
    def core_url(self) -> str:
        return self.ui.core_url or f"http://{self.core.host}:{self.core.port}"


SECTIONS = {"device": DeviceConfig, "core": CoreConfig, "ui": UiConfig, "menu": MenuConfig,
            "scanner": ScannerConfig, "payments": PaymentsConfig, "cashier": CashierConfig,
            "technician": TechnicianConfig, "upstream": UpstreamConfig}


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "edge.toml"


def _line_of(text: str, table: str, key: str) -> int | None:
    """Line number (1-based) of `key = ...` inside `[table]` of a TOML text."""
    current = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        header = re.fullmatch(r"\[\s*([^\]]+?)\s*\]", stripped)
        if header:
            current = header.group(1).replace('"', "")
            continue
        if current == table and re.match(rf'"?{re.escape(key)}"?\s*=', stripped):
            return number
    return None


class _Reader:
    def __init__(self, path: str, text: str):
        self.path, self.text = path, text

    def fail(self, table: str, key: str, problem: str) -> ConfigError:
        line = _line_of(self.text, table, key) if key else None
        where = f"{self.path}:{line}" if line else self.path
        return ConfigError(f"{where}: {problem}")

    def section(self, cls, table: str, values: object, required: tuple[str, ...] = ()):
        if not isinstance(values, dict):
            raise self.fail(table, "", f"[{table}] must be a table")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key in values:
            if key not in fields:
                hint = difflib.get_close_matches(key, fields, n=1)
                also = f"; did you mean '{hint[0]}'?" if hint else f"; known keys: {', '.join(fields)}"
                raise self.fail(table, key, f"unknown key '{key}' in [{table}]{also}")
        for key in required:
            if key not in values:
                raise self.fail(table, "", f"[{table}] needs '{key}'")
        for key, value in values.items():
            want = fields[key].type
            ok = {
                "str": isinstance(value, str),
                "int": isinstance(value, int) and not isinstance(value, bool),
                "float": isinstance(value, (int, float)) and not isinstance(value, bool),
            }.get(str(want), True)
            if not ok:
                raise self.fail(table, key, f"'{key}' in [{table}] must be {want}, got {value!r}")
        return cls(**values)


def _env_overrides(doc: dict, environ: dict[str, str]) -> None:
    for name, value in environ.items():
        if not name.startswith("EDGE_") or name == "EDGE_CONFIG":
            continue
        section, _, key = name[5:].lower().partition("_")
        if section not in SECTIONS or not key:
            continue
        kind = {f.name: f.type for f in dataclasses.fields(SECTIONS[section])}.get(key)
        if kind is None:
            raise ConfigError(f"environment variable {name}: unknown key '{key}' in [{section}]")
        if str(kind) == "int":
            if not value.strip().isdigit():
                raise ConfigError(f"environment variable {name} must be a whole number, got {value!r}")
            parsed: object = int(value)
        else:
            parsed = value
        doc.setdefault(section, {})[key] = parsed


def parse_config(text: str, path: str = "<config>", environ: dict[str, str] | None = None) -> Config:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        raise ConfigError(f"{path}:{line.group(1) if line else '?'}: not valid TOML: {error}") from None
    _env_overrides(doc, dict(os.environ if environ is None else environ))
    reader = _Reader(path, text)
    known = {*SECTIONS, "printers", "stations"}
    for table in doc:
        if table not in known:
            hint = difflib.get_close_matches(table, known, n=1)
            raise reader.fail(table, "",
                              f"unknown section [{table}]" + (f"; did you mean [{hint[0]}]?" if hint else ""))
    sections = {name: reader.section(cls, name, doc.get(name, {})) for name, cls in SECTIONS.items()}
    printers = {
        name: reader.section(PrinterConfig, f"printers.{name}", values, required=("url",))
        for name, values in doc.get("printers", {}).items()
    }
    stations = doc.get("stations", {})
    for station, printer in stations.items():
        if printer not in printers:
            raise reader.fail("stations", station,
                              f"station '{station}' uses printer '{printer}', which has no [printers.{printer}]")
    prefix = sections["device"].ticket_prefix
    if not (1 <= len(prefix) <= 2 and prefix.isalpha() and prefix.isascii()):
        raise reader.fail("device", "ticket_prefix", "ticket_prefix must be 1-2 latin letters, e.g. 'A'")
    return Config(**sections, printers=printers, stations=dict(stations), source=path)


def load_config(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Config:
    env = dict(os.environ if environ is None else environ)
    chosen = Path(path) if path else Path(env["EDGE_CONFIG"]) if env.get("EDGE_CONFIG") else None
    if chosen is None:
        candidate = default_config_path()
        chosen = candidate if candidate.exists() else None
    if chosen is None:
        return parse_config("", "<defaults>", env)
    try:
        text = chosen.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{chosen}: no such config file (make one with `edge init`)") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{chosen}: not UTF-8 text") from None
    return parse_config(text, str(chosen), env)


def find_config(path: str | Path | None = None, environ: dict[str, str] | None = None,
                cwd: Path | None = None) -> Config:
    """The config a command means, in this order: `--config`, $EDGE_CONFIG, the config of the
    core that runs now (its runtime file), ./edge.toml, ./.demo/edge.toml (`edge demo`'s folder),
    the user config file, built-in defaults."""
    env = dict(os.environ if environ is None else environ)
    if path or env.get("EDGE_CONFIG"):
        return load_config(path, env)
    running = running_core.running_core(env)
    if running is not None:  # its config, with the database and URL it uses (EDGE_* of its service)
        config = load_config(running["config"], env)
        device, ui = config.device, config.ui
        if isinstance(running.get("db"), str) and Path(running["db"]) != config.db_path:
            device = dataclasses.replace(device, data_dir=str(Path(running["db"]).parent))
        if isinstance(running.get("url"), str) and running["url"] != config.core_url:
            ui = dataclasses.replace(ui, core_url=running["url"])
        return dataclasses.replace(config, device=device, ui=ui)
    here = Path.cwd() if cwd is None else cwd
    for candidate in (here / "edge.toml", here / ".demo" / "edge.toml"):
        if candidate.is_file():
            return load_config(candidate, env)
    return load_config(None, env)


def require_database(config: Config) -> Config:
    """The config, if its device database exists; a command that only reads never creates one."""
    if not config.db_path.is_file():
        where = f"config {config.source}" if config.source and config.source != "<defaults>" else "no config found"
        raise ConfigError(f"no device database at {config.db_path} ({where}) and no core running: give "
                          "--config FILE (or set $EDGE_CONFIG), or run this where the device runs "
                          "(`edge core` / `edge demo` create the database)")
    return config


CONFIG_TEMPLATE = '''\
# Matou edge device configuration. Every key is optional; shown are the defaults.
# Environment variables override single keys: EDGE_<SECTION>_<KEY>, e.g. EDGE_CORE_PORT=8766.

[device]
# Name shown in status and on the day report.
name = "counter-1"
# Ticket numbers are this prefix plus a daily sequence: A001, A002, ...
# Give every device in a store its own prefix so numbers never collide offline.
ticket_prefix = "A"
# Where the database lives. Empty: the platform's user data dir ({data_dir}).
data_dir = ""

[core]
# The local API listens here. Keep it on 127.0.0.1: it has no authentication.
host = "127.0.0.1"
port = 8765

[ui]
# Where the UI finds the core. Empty: http://<core.host>:<core.port>
core_url = ""
# First language of the kiosk: "zh" or "en".
language = "zh"
# This UI's screen id (letters, digits, - _): set it to the camera's [scanner] screen on the
# kiosk the camera stands at. "" a new id at each start.
screen = ""

[menu]
# A menu file (TOML) imported at start-up when its version is new to this device.
file = ""

[scanner]
# The camera the core reads codes with: "" (none), "0" (/dev/video0), "/dev/video2",
# "picamera" (Pi CSI camera), or a folder of images / a video file (demos, tests).
source = ""
# Frames decoded per second at most.
fps = 15
# The screen the camera stands at: a UI started with the same `--screen` id (or [ui] screen).
# "" (none): a payment code the camera reads pays only while exactly one pay screen waits.
screen = ""

# One table per printer. url: tcp://host:port (port 9100 on most network printers).
# profile: 80mm-gb18030 (48 columns), 80mm-gbk, 76mm-gb18030 (42), 58mm-gb18030 (32).
#[printers.kitchen]
#url = "tcp://192.168.1.50:9100"
#profile = "80mm-gb18030"
#timeout = 4.0

[payments]
# "pay_later": orders print at once (pay at the counter or by code afterwards);
# "pay_first": an order prints only once paid (payment code, or cash taken by the cashier).
mode = "pay_later"

[cashier]
# A void (退菜) worth more than this many fen needs a manager's id and PIN (5000 = ¥50).
void_manager_above_fen = 5000

[technician]
# Technician mode (docs/technician.md): session length, the doctor's free-disk threshold,
# and the LAN printer scan's connect timeout per address.
session_minutes = 15
min_free_mib = 256
scan_timeout_ms = 400

[upstream]
# Set at install (hardware/setup.sh --upstream URL --upstream-key KEY). The upstream base URLs
# an enrollment code may name: a code for any other upstream is refused.
allowed_urls = [{allowed_urls}]
# The upstream's public key (`edge-upstream public-key`): enrollment codes must be signed by it.
# Empty: the first enrollment pins the key of the (allowed) upstream it enrolls with.
public_key = "{public_key}"

# Which printer each kitchen station prints on (station ids come from the menu); `receipt` is the
# counter's receipt printer (customer receipts, and the day report unless `report` names another).
[stations]
#dimsum = "kitchen"
#kitchen = "kitchen"
#bar = "kitchen"
#receipt = "counter"
#report = "counter"
'''


def config_template(upstream_urls: tuple[str, ...] = (), upstream_key: str = "") -> str:
    """The commented config `edge init` writes; `upstream_*` fill the [upstream] section (checked)."""
    UpstreamConfig(tuple(upstream_urls), upstream_key)
    return CONFIG_TEMPLATE.format(data_dir=platformdirs.user_data_dir(APP_NAME),
                                  allowed_urls=", ".join(f'"{u}"' for u in upstream_urls), public_key=upstream_key)
