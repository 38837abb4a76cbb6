"""Settings made on the technician screen: `<data_dir>/provisioned.toml`, layered over the config.

The config file (`/etc/matou/edge.toml` on a Pi) is the administrator's: the core cannot write
it (systemd's ProtectSystem=strict keeps /etc read-only for it) and the screen never rewrites a
file somebody commented by hand. What a technician sets on the screen — device name, ticket
prefix, camera, printers, stations — goes to `provisioned.toml` in the data dir instead, written
by the core, and wins over the config file for those keys:

    [device]    name, ticket_prefix
    [scanner]   source
    [printers.NAME]  url, profile   (when present, the screen's list replaces the file's printers)
    [stations]  station = "PRINTER" (when present, replaces the file's stations)

Delete the file to go back to the config file alone. A broken file is ignored (logged, and
`edge doctor` names it) so that a bad edit never stops the kitchen.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import tomllib
from pathlib import Path

from edge.config import Config, ConfigError, PrinterConfig
from edge.protocol.private_files import create_private, private_dir

log = logging.getLogger(__name__)
FILE_NAME = "provisioned.toml"
NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
PREFIX_RE = re.compile(r"^[A-Za-z]{1,2}$")
DEVICE_KEYS = ("name", "ticket_prefix")
PRINTER_KEYS = ("url", "profile", "timeout", "backup")


class SettingsError(ValueError):
    """A setting that cannot be used; the message says which and why."""


def settings_path(config: Config) -> Path:
    return config.data_dir / FILE_NAME


def read_settings(config: Config) -> dict:
    path = settings_path(config)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: cannot be read: {error}") from None
    unknown = set(doc) - {"device", "scanner", "printers", "stations"}
    if unknown:
        raise SettingsError(f"{path}: unknown section [{sorted(unknown)[0]}]")
    return doc


def _scanner_source_ok(source: str) -> bool:
    return source == "" or source.isdigit() or source in ("picamera", "csi") or \
        re.fullmatch(r"/dev/video[0-9]{1,2}", source) is not None or Path(source).exists()


def merged(config: Config, doc: dict) -> Config:
    """`config` with the settings of `doc` applied; SettingsError (naming the key) when invalid."""
    device = doc.get("device", {})
    if not isinstance(device, dict) or set(device) - set(DEVICE_KEYS):
        raise SettingsError(f"[device] on the screen takes only {', '.join(DEVICE_KEYS)}")
    name = device.get("name", config.device.name)
    prefix = device.get("ticket_prefix", config.device.ticket_prefix)
    if not (isinstance(name, str) and NAME_RE.match(name)):
        raise SettingsError("device name: 1-32 letters, digits, '-' or '_'")
    if not (isinstance(prefix, str) and PREFIX_RE.match(prefix)):
        raise SettingsError("ticket prefix: 1-2 latin letters, e.g. 'A'")
    scanner = doc.get("scanner", {})
    if not isinstance(scanner, dict) or set(scanner) - {"source"}:
        raise SettingsError("[scanner] on the screen takes only source")
    source = scanner.get("source", config.scanner.source)
    if "source" in scanner and not (isinstance(source, str) and _scanner_source_ok(source)):
        raise SettingsError(f"camera source {source!r}: use a number (0 = /dev/video0), /dev/videoN or picamera")
    printers = dict(config.printers)
    if "printers" in doc:
        printers = {}
        for pname, values in (doc["printers"] or {}).items():
            if not NAME_RE.match(str(pname)) or not isinstance(values, dict) or set(values) - set(PRINTER_KEYS) \
                    or not isinstance(values.get("url"), str):
                raise SettingsError(f"printer {pname!r}: needs a url (and maybe profile); name of letters and digits")
            try:
                printers[pname] = PrinterConfig(**values)
            except (ConfigError, TypeError) as error:
                raise SettingsError(f"printer {pname}: {error}") from None
    from edge.printer.spool import check_printers  # lazy: the print spool stays out of `edge doctor`'s start

    try:
        check_printers(printers)
    except ValueError as error:
        raise SettingsError(str(error)) from None
    stations = dict(doc["stations"]) if "stations" in doc else {s: p for s, p in config.stations.items()}
    for station, pname in stations.items():
        if not NAME_RE.match(str(station)) or pname not in printers:
            raise SettingsError(f"station {station!r} uses printer {pname!r}, which is not configured")
    return dataclasses.replace(config, device=dataclasses.replace(config.device, name=name, ticket_prefix=prefix),
                               scanner=dataclasses.replace(config.scanner, source=source),
                               printers=printers, stations=stations)


def with_settings(config: Config) -> Config:
    """The config the core runs with: the file's, with provisioned.toml on top (when it is valid)."""
    try:
        return merged(config, read_settings(config))
    except SettingsError as error:
        log.error("technician settings ignored: %s", error)
        return config


def _toml_value(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise SettingsError(f"cannot store {value!r}")
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def render(doc: dict) -> str:
    lines = ["# Written by the Matou core from the technician screen; wins over the config file.",
             "# Delete this file to go back to the config file alone (docs/technician.md)."]
    for section in ("device", "scanner"):
        if doc.get(section):
            lines += ["", f"[{section}]"] + [f"{k} = {_toml_value(v)}" for k, v in doc[section].items()]
    for pname, values in (doc.get("printers") or {}).items():
        lines += ["", f"[printers.{pname}]"] + [f"{k} = {_toml_value(v)}" for k, v in values.items() if v != ""]
    if "printers" in doc and not doc["printers"]:
        lines += ["", "[printers]"]
    if "stations" in doc:
        lines += ["", "[stations]"] + [f"{s} = {_toml_value(p)}" for s, p in doc["stations"].items()]
    return "\n".join(lines) + "\n"


def save_settings(config: Config, changes: dict) -> tuple[Config, dict]:
    """Validate `changes` on top of the current file and `config`, write the file atomically.
    Returns (the new effective config, the new file's document)."""
    doc = read_settings(config) if settings_path(config).exists() else {}
    for section in ("device", "scanner"):
        if changes.get(section):
            doc.setdefault(section, {}).update(changes[section])
    for section in ("printers", "stations"):
        if section in changes:
            doc[section] = changes[section]
    new = merged(config, doc)
    text = render(doc)
    if tomllib.loads(text) != {k: v for k, v in doc.items() if v or k in ("printers", "stations")}:
        raise SettingsError("settings did not survive a round trip")  # pragma: no cover - a bug guard
    path = settings_path(config)
    private_dir(path.parent)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    return new, doc
