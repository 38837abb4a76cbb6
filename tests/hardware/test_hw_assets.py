"""Static checks of the udev rules, the printer profiles and the journald snippets.

Debian 12's udev (252) has no offline rules checker (`udevadm verify` came in 254), so the
rules are parsed here with udev's own line grammar: KEY[{attr}] OP "value", comma-separated.
"""

from __future__ import annotations

import codecs
import re
import tomllib

import pytest
from hw_helpers import HARDWARE

from edge.config import CONFIG_TEMPLATE

RULES = sorted((HARDWARE / "udev").glob("*.rules"))
MATCH_KEYS = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER",
              "DRIVERS", "ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TAG", "TAGS", "TEST", "PROGRAM", "RESULT"}
ASSIGN_KEYS = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR", "SYSCTL", "ENV", "TAG", "RUN",
               "LABEL", "GOTO", "IMPORT", "OPTIONS"}
TOKEN = re.compile(r'\s*([A-Z_]+)(\{[^}]+\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')


def parse_rules(text: str) -> list[list[tuple[str, str | None, str, str]]]:
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        tokens, position = [], 0
        while position < len(line):
            match = TOKEN.match(line, position)
            assert match, f"line {number}: cannot parse at: {line[position:]!r}"
            key, attr, op, value, _ = match.groups()
            tokens.append((key, attr, op, value))
            position = match.end()
        rules.append(tokens)
    return rules


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
def test_udev_rules_parse_with_known_keys(path):
    rules = parse_rules(path.read_text())
    labels = {value for rule in rules for key, _, op, value in rule if key == "LABEL"}
    for rule in rules:
        for key, attr, op, value in rule:
            if op in ("==", "!="):
                assert key in MATCH_KEYS, key
            else:
                assert key in ASSIGN_KEYS, key
            if key in ("ATTR", "ATTRS", "ENV"):
                assert attr, f"{key} needs {{name}}"
            if key == "GOTO":
                assert value in labels, f"GOTO {value} has no LABEL"
            if key == "SYMLINK" and op != "==":
                assert value.startswith("matou-"), value
            if key == "MODE":
                assert value == "0660", "devices are for their group, not everyone"
        if not any(key == "LABEL" for key, *_ in rule):
            assert any(op in ("==", "!=") for _, _, op, _ in rule), f"rule without a match: {rule}"


def test_udev_parser_rejects_a_broken_rule():
    with pytest.raises(AssertionError):
        parse_rules('KERNEL=="lp[0-9]*", GROUP="lp" MODE="0660"\n')


def _rules(name: str) -> list:
    return parse_rules((HARDWARE / "udev" / name).read_text())


def test_printer_rules_give_lp_and_stable_names():
    rules = _rules("70-matou-printers.rules")
    assignments = {(key, value) for rule in rules for key, _, op, value in rule if op in ("=", "+=")}
    assert ("GROUP", "lp") in assignments
    symlinks = {value for key, value in assignments if key == "SYMLINK"}
    assert "matou-printer-usb-$attr{busnum}-$attr{devpath}" in symlinks
    assert {"matou-printer-epson", "matou-printer-winbond", "matou-printer-ics"} <= symlinks
    text = (HARDWARE / "udev/70-matou-printers.rules").read_text()
    assert 'ENV{ID_USB_INTERFACES}=="*:0701??:*"' in text  # USB printer class, any brand


def test_camera_rule_gives_video_and_a_symlink():
    rules = _rules("70-matou-camera.rules")
    assignments = {(key, value) for rule in rules for key, _, op, value in rule if op in ("=", "+=")}
    assert ("GROUP", "video") in assignments and ("SYMLINK", "matou-camera") in assignments


PRINTERS = tomllib.loads((HARDWARE / "printers.toml").read_text(encoding="utf-8"))
PROFILE_NAMES = {"80mm-gb18030", "80mm-gbk", "76mm-gb18030", "58mm-gb18030"}
COLUMNS = {80: 48, 76: 42, 58: 32}


def test_profiles_are_the_ones_the_config_knows():
    assert set(PRINTERS["profiles"]) == PROFILE_NAMES
    for name in PROFILE_NAMES:
        assert name in CONFIG_TEMPLATE
    for name, profile in PRINTERS["profiles"].items():
        assert profile["columns"] == COLUMNS[profile["paper_mm"]], name
        assert name == f"{profile['paper_mm']}mm-{profile['encoding']}"
        codecs.lookup(profile["encoding"])  # a codec Python can encode with


def test_gb18030_and_gbk_profiles_differ_where_it_matters():
    """GB18030 covers characters GBK lacks (e.g. U+20000): the reason for two 80 mm profiles."""
    "宫保鸡丁 叉烧包".encode("gbk")
    "\U00020000".encode("gb18030")
    with pytest.raises(UnicodeEncodeError):
        "\U00020000".encode("gbk")


@pytest.mark.parametrize("model", PRINTERS["models"], ids=lambda m: m["model"])
def test_printer_models(model):
    assert model["profile"] in PROFILE_NAMES
    for key in ("cutter", "buzzer", "known_good"):
        assert isinstance(model[key], bool), key
    assert model["cjk"] in ("font", "raster")
    assert set(model["interfaces"]) <= {"usb", "tcp", "serial"} and model["interfaces"]
    if model["usb_id"]:
        assert re.fullmatch(r"[0-9a-f]{4}:([0-9a-f]{4}|\*)", model["usb_id"])


def test_usb_ids_of_models_have_udev_names():
    text = (HARDWARE / "udev/70-matou-printers.rules").read_text()
    for model in PRINTERS["models"]:
        if model["usb_id"]:
            vendor, product = model["usb_id"].split(":")
            assert f'ATTRS{{idVendor}}=="{vendor}"' in text, model["model"]
            if product != "*":
                assert f'ATTRS{{idProduct}}=="{product}"' in text or vendor == "04b8", model["model"]


def test_only_tested_printers_are_marked_known_good():
    good = [m["model"] for m in PRINTERS["models"] if m["known_good"]]
    assert good == ["Matou printer simulator (edge printer-sim)"]


JOURNALD_KEYS = {"Storage", "Compress", "Seal", "SplitMode", "SyncIntervalSec", "RateLimitIntervalSec",
                 "RateLimitBurst", "SystemMaxUse", "SystemKeepFree", "SystemMaxFileSize", "SystemMaxFiles",
                 "RuntimeMaxUse", "RuntimeKeepFree", "RuntimeMaxFileSize", "RuntimeMaxFiles", "MaxRetentionSec",
                 "MaxFileSec", "ForwardToSyslog", "ForwardToKMsg", "ForwardToConsole", "ForwardToWall",
                 "MaxLevelStore", "MaxLevelSyslog", "MaxLevelKMsg", "MaxLevelConsole", "MaxLevelWall",
                 "ReadKMsg", "Audit", "TTYPath", "LineMax"}


def journald(name: str) -> dict[str, str]:
    lines = (HARDWARE / "journald.conf.d" / name).read_text().splitlines()
    body = [line for line in lines if line.strip() and not line.startswith("#")]
    assert body[0] == "[Journal]"
    return dict(line.split("=", 1) for line in body[1:])


def test_journald_snippets():
    main, volatile = journald("60-matou.conf"), journald("61-matou-volatile.conf")
    assert set(main) <= JOURNALD_KEYS and set(volatile) <= JOURNALD_KEYS
    assert main["Storage"] == "persistent" and volatile["Storage"] == "volatile"
    assert main["SystemMaxUse"] == "64M" and "SystemKeepFree" in main
    assert sorted(["61-matou-volatile.conf", "60-matou.conf"])[-1] == "61-matou-volatile.conf"  # volatile wins


def test_profiles_match_the_printer_package():
    from edge.printer_profiles import PROFILES

    for name, profile in PRINTERS["profiles"].items():
        assert name in PROFILES, name
        assert (PROFILES[name].columns, PROFILES[name].encoding) == (profile["columns"], profile["encoding"])


def test_hardware_paths_named_in_the_docs_exist():
    for doc in ("docs/install-pi.md", "docs/hardware.md", "hardware/README.md"):
        text = (HARDWARE.parent / doc).read_text(encoding="utf-8")
        for match in re.findall(r"`((?:hardware/)?(?:systemd|udev|kiosk|bin|journald\.conf\.d|modules-load\.d)"
                                r"/[\w.@-]+)`", text):
            path = match if match.startswith("hardware/") else f"hardware/{match}"
            assert (HARDWARE.parent / path).exists(), f"{doc} names {match}"
        for match in re.findall(r"hardware/[\w./-]+\.(?:sh|rules|toml|conf|ini|service|timer)", text):
            assert (HARDWARE.parent / match).exists(), f"{doc} names {match}"


def test_maintenance_commands_import_nothing_heavy():
    """edge/cli.py registers them at import: `edge --help` must stay light."""
    import subprocess
    import sys

    code = ("import sys, edge.maintenance.cli; "
            "bad = [m for m in ('textual', 'textual_serve', 'fastapi', 'uvicorn', 'sqlite_utils', 'requests',"
            " 'sqlite3') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
