"""`edge printers status|jobs|reprint` and `edge print-test`: technicians' printer commands.

The running core owns the printers (one connection per printer at a time), so these talk to
its local API (docs/protocol.md, "Printing"). `edge print-test` goes through the core as a
technician (it asks for the technician PIN, or reads $EDGE_TECHNICIAN_PIN, and logs in); `edge
printers reprint` as a staff member (edge/staff_login.py: --staff ID, --pin PIN); the core
prints only to its configured printers and to tcp:// addresses on the LAN. It prints directly,
from this process, only when no core is running, or with `--direct` (any url this user may open:
a usb://, serial:// or file:// printer the core does not know).
"""

from __future__ import annotations

import os

import click

from edge.config import ConfigError, find_config
from edge.screen_text import clean_line, terminal_json
from edge.staff_login import staff_options, staff_session

CONFIG_OPTION = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             help="Config file (default: $EDGE_CONFIG, else the running core's, ./edge.toml,"
                                  " ./.demo/edge.toml, the user config).")
URL_OPTION = click.option("--core", "core_url", default=None, help="Core API URL (default: from the config).")


def _core(config_path: str | None, core_url: str | None) -> str:
    if core_url:
        return core_url.rstrip("/")
    try:
        return find_config(config_path).core_url
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _call(method: str, url: str, **kwargs):
    import requests

    if method != "GET":
        kwargs.setdefault("json", {})  # the core takes only JSON on a state-changing request
    try:
        answer = requests.request(method, url, timeout=kwargs.pop("timeout", 10), **kwargs)
    except requests.RequestException as error:
        raise click.ClickException(f"cannot reach the core at {url.split('/v1/')[0]}: is `edge core` running? "
                                   f"({error.__class__.__name__})") from None
    if answer.status_code >= 400:
        try:
            message = answer.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = answer.text[:200]
        raise click.ClickException(clean_line(str(message)))
    return answer.json()


PIN_ENV = "EDGE_TECHNICIAN_PIN"
SESSION_HEADER = "X-Technician-Session"


def _technician_login(core: str) -> str:
    """A technician session from the core (the PIN from $EDGE_TECHNICIAN_PIN or asked for);
    ClickException "cannot reach the core" when no core runs."""
    state = _call("GET", f"{core}/v1/technician/state")
    if not state.get("pin_set"):
        raise click.ClickException("the core prints a test page only for a technician, and this device has no "
                                   "technician PIN yet: set one with `edge technician set-pin`, or print from "
                                   "here with --direct")
    pin = os.environ.get(PIN_ENV) or click.prompt("technician PIN", hide_input=True, err=True)
    return _call("POST", f"{core}/v1/technician/login", json={"pin": pin})["session"]


def _table(rows: list[list[str]], header: list[str]) -> None:
    rows = [[clean_line(str(cell)) for cell in row] for row in rows]  # names and errors: no terminal sequences
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@click.group("printers")
def printers() -> None:
    """Printers of the running core: status, jobs, reprint."""


@printers.command("status")
@CONFIG_OPTION
@URL_OPTION
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(config_path: str | None, core_url: str | None, as_json: bool) -> None:
    """Each printer: ok / problem / unknown (no reply is never "ok"), why, and its queue."""
    doc = _call("GET", f"{_core(config_path, core_url)}/v1/printers")
    if as_json:
        click.echo(terminal_json(doc, indent=2))
        return
    rows = []
    for name, p in doc["printers"].items():
        waiting = sum(n for s, n in p.get("jobs", {}).items() if s in ("queued", "sending", "sent"))
        detail = p["detail"] + (f" ({p['warning']})" if p.get("warning") and p["warning"] not in p["detail"] else "")
        rows.append([name, p["state"].upper() if p["state"] != "ok" else "ok", detail, str(waiting),
                     p.get("backup") or "-", p["url"], p["profile"]])
    _table(rows, ["PRINTER", "STATE", "DETAIL", "WAITING", "BACKUP", "URL", "PROFILE"])
    if doc.get("unassigned"):
        click.echo(f"jobs with no printer (attention): {sum(doc['unassigned'].values())}")


@printers.command("jobs")
@CONFIG_OPTION
@URL_OPTION
@click.option("--printer", default=None, help="Only this printer's jobs.")
@click.option("--state", type=click.Choice(["queued", "sending", "sent", "printed", "failed", "attention"]),
              default=None, help="Only jobs in this state.")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, 500))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def jobs(config_path: str | None, core_url: str | None, printer: str | None, state: str | None, limit: int,
         as_json: bool) -> None:
    """Recent print jobs, newest first."""
    params = {"limit": limit, **({"printer": printer} if printer else {}), **({"state": state} if state else {})}
    doc = _call("GET", f"{_core(config_path, core_url)}/v1/print-jobs", params=params)
    if as_json:
        click.echo(terminal_json(doc, indent=2))
        return
    rows = []
    for j in doc["jobs"]:
        state_text = j["state"] + (" (unconfirmed)" if j["unconfirmed"] else "") + (" 补打" if j["reprint"] else "")
        where = j["printer"] or "-"
        if j.get("origin_printer"):
            where += f" (from {j['origin_printer']})"
        seq = f"#{j['station_seq']:04d}" if j.get("station_seq") is not None else ""
        rows.append([j["id"], j["kind"], j.get("ticket_no") or "", j.get("station_id") or "", seq, where,
                     state_text, (j.get("last_error") or "")[:60]])
    _table(rows, ["JOB", "KIND", "TICKET", "STATION", "SEQ", "PRINTER", "STATE", "LAST ERROR"])


@printers.command("reprint")
@CONFIG_OPTION
@URL_OPTION
@staff_options
@click.argument("job_id")
def reprint(config_path: str | None, core_url: str | None, staff_id: str | None, pin: str | None,
            job_id: str) -> None:
    """Print JOB again, marked 补打 REPRINT (as a staff member: --staff ID --pin PIN)."""
    core = _core(config_path, core_url)
    with staff_session(core, staff_id, pin, "a reprint") as headers:
        doc = _call("POST", f"{core}/v1/print-jobs/{job_id}/reprint", headers=headers)
    job = doc["job"]
    click.echo(clean_line(f"queued reprint {job['id']} of {job_id} on printer {job['printer']}"))


def print_test_exit_code(outcome: str) -> int:
    """0 printed (the printer confirmed it), 1 not printed (paper out, offline, refused, …),
    3 sent but not confirmed (the printer does not answer GS r: read the page to know)."""
    if outcome == "printed":
        return 0
    return 3 if outcome.startswith("sent") else 1


@click.command("print-test")
@CONFIG_OPTION
@URL_OPTION
@click.option("--url", "printer_url", required=True,
              help="tcp://HOST:PORT, usb://VID:PID, serial:///dev/ttyUSB0?baud=9600 or file:///dev/usb/lp0")
@click.option("--profile", default=None, help="Profile to try (default: the printer's, else 80mm-gb18030).")
@click.option("--direct", is_flag=True, help="Do not go through the core: open the printer from here.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def print_test(config_path: str | None, core_url: str | None, printer_url: str, profile: str | None, direct: bool,
               as_json: bool) -> None:
    """Print a test page (Chinese in GB18030 and GBK, raster, widths, QR) to choose a profile.

    Exit status: 0 printed, 1 not printed (the reason is shown), 3 sent but not confirmed."""
    from edge.printer_profiles import get_profile
    from edge.printer_urls import parse_printer_url

    try:
        parse_printer_url(printer_url)
        if profile:
            get_profile(profile)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    doc = None
    if not direct:
        core = _core(config_path, core_url)
        try:
            session = _technician_login(core)
        except click.ClickException as error:
            if "cannot reach the core" not in error.message:
                raise
            click.echo("core not running: printing directly", err=True)
        else:
            try:
                doc = _call("POST", f"{core}/v1/print-test", headers={SESSION_HEADER: session},
                            json={"url": printer_url, **({"profile": profile} if profile else {})}, timeout=70)
            finally:
                try:
                    _call("POST", f"{core}/v1/technician/logout", headers={SESSION_HEADER: session}, json={})
                except click.ClickException:
                    pass
    if doc is None:
        from edge.printer.testing import print_test_direct

        doc = print_test_direct(printer_url, profile)
    if as_json:
        click.echo(terminal_json(doc, indent=2))
        raise SystemExit(print_test_exit_code(doc["outcome"]))
    status = doc.get("status") or {}
    click.echo(clean_line(f"printer {printer_url}: status {status.get('state', 'unknown')} "
                          f"({status.get('detail', '')})"))
    click.echo(clean_line(f"test page ({doc.get('profile')}, {doc.get('via')}): {doc['outcome']}"))
    click.echo("read the page: 1 ok -> *-gb18030, only 2 ok -> *-gbk, only 3 ok -> *-raster; "
               "the longest ruler on one line gives the width (48: 80mm, 42: 76mm, 32: 58mm)")
    raise SystemExit(print_test_exit_code(doc["outcome"]))
