"""Technician commands: `edge doctor`, `edge logs export`, `edge technician set-pin|scan-printers`.

Registered in edge/cli.py:

    from edge.technician.cli import doctor, logs_group, technician_group
    cli.add_command(doctor)
    cli.add_command(logs_group, "logs")
    cli.add_command(technician_group, "technician")

Only click is imported at module level (keeps `edge --help` fast).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from edge.screen_text import clean_line, terminal_json

CONFIG_OPTION = click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                             help="Config file (default: $EDGE_CONFIG, else the running core's, ./edge.toml,"
                                  " ./.demo/edge.toml, the user config).")


def _config(config_path: str | None, database: bool = False):
    """The device's config (edge/config.py `find_config`); with `database`, refuse when its
    database does not exist (a command that only reads never creates one)."""
    from edge.config import ConfigError, find_config, require_database

    try:
        config = find_config(config_path)
        return require_database(config) if database else config
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.command("doctor")
@CONFIG_OPTION
@click.option("--json", "as_json", is_flag=True, help="A JSON list of {name, ok, detail, fix}.")
def doctor(config_path: str | None, as_json: bool) -> None:
    """Check camera, decoders, printers, disk, clock, database, enrollment, upstream and queues.

    One line per check: OK, or PROBLEM with the fix. Exit status 1 when any check found a problem.
    """
    from edge.technician.doctor import core_status, format_line, run_doctor

    config = _config(config_path, database=True)
    found = run_doctor(config, core_status(config.core_url))
    if as_json:
        click.echo(terminal_json([c.to_json() for c in found], indent=2))
    else:
        for check in found:
            click.echo(clean_line(format_line(check)))
        problems = sum(not c.ok for c in found)
        click.echo(f"{problems} problem(s) in {len(found)} checks" if problems else f"all {len(found)} checks OK")
    sys.exit(1 if any(not c.ok for c in found) else 0)


@click.group("logs")
def logs_group() -> None:
    """Logs for support."""


@logs_group.command("export")
@CONFIG_OPTION
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Bundle file (default: ./matou-support-<device>-<time>.tar.gz).")
def logs_export(config_path: str | None, out: str | None) -> None:
    """Write a redacted support bundle: config, doctor, logs, DB counts, versions.

    Never payment codes (every 16+ digit run is masked), never keys, never database rows.
    """
    from edge.technician.bundle import export_bundle

    config = _config(config_path, database=True)
    target = (Path(out) if out
              else Path.cwd() / f"matou-support-{config.device.name}-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz")
    try:
        result = export_bundle(config, target)
    except OSError as error:
        raise click.ClickException(f"cannot write {target}: {error.strerror or error}") from None
    redacted = ", ".join(f"{n} {what}" for what, n in result["redacted"].items() if n) or "nothing"
    click.echo(f"wrote {result['path']} ({len(result['members'])} files; redacted: {redacted})")


@click.group("technician")
def technician_group() -> None:
    """Technician access and printer search (the screens: `edge ui --mode technician`)."""


def _read_new_pin() -> str:
    """The new PIN, twice: asked on the terminal, or read from piped stdin (the demo, scripts) —
    never from the terminal when stdin is a pipe (getpass would wait on /dev/tty)."""
    stdin = click.get_text_stream("stdin")
    if stdin.isatty():
        return click.prompt("new technician PIN (6-12 digits)", hide_input=True, confirmation_prompt=True)
    lines = [stdin.readline().strip(), stdin.readline().strip()]
    if lines[0] != lines[1]:
        raise click.ClickException("the two PINs given on stdin differ")
    return lines[0]


@technician_group.command("set-pin")
@CONFIG_OPTION
def set_pin_command(config_path: str | None) -> None:
    """Set this device's technician PIN (6-12 digits) and clear a lockout. Needs shell access."""
    from edge.ledger.db import connect
    from edge.ledger.migrations import migrate
    from edge.technician.auth import PinRefused, check_new_pin, set_pin

    config = _config(config_path)
    pin = _read_new_pin()
    try:
        check_new_pin(pin)
    except PinRefused as error:
        raise click.ClickException(str(error)) from None
    db = connect(config.db_path)
    try:
        migrate(db)
        set_pin(db, pin)
    finally:
        db.close()
    click.echo("technician PIN set; wrong-PIN lockout cleared")


@technician_group.command("scan-printers")
@CONFIG_OPTION
@click.option("--subnet", default=None, help="Range to scan, at most a /24 of this device's network "
                                            "(default: the device's own subnet).")
@click.option("--port", "ports", type=click.IntRange(1, 65535), multiple=True, help="TCP port (default 9100).")
@click.option("--json", "as_json", is_flag=True)
def scan_printers(config_path: str | None, subnet: str | None, ports: tuple[int, ...], as_json: bool) -> None:
    """Look for network printers (TCP 9100) on this device's own subnet and ask each for its status."""
    from edge.technician.netscan import ScanRefused, scan_subnet

    config = _config(config_path)
    timeout = config.technician.scan_timeout_ms / 1000 if hasattr(config, "technician") else 0.4
    try:
        result = scan_subnet(subnet, ports or (9100,), connect_timeout=timeout)
    except ScanRefused as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(terminal_json(result, indent=2))
        return
    for found in result["found"]:
        label = "printer" if found["printer"] else "not a printer?"
        click.echo(clean_line(f"{found['url']:<28} {label:<15} {found['state']}: {found['detail']}"))
    click.echo(f"{len(result['found'])} open of {result['scanned']} addresses in {result['network']} "
               f"({result['took_s']} s); add one with the technician screen or [printers.NAME] url")


@click.group()
def main_group() -> None:
    """Stand-alone entry (`python -m edge.technician.cli`), the same commands as `edge …`."""


main_group.add_command(doctor)
main_group.add_command(logs_group, "logs")
main_group.add_command(technician_group, "technician")

if __name__ == "__main__":
    main_group()
