"""`edge-upstream`: run the reference upstream and operate a fleet (stores, menus, enrollment
codes, devices, staff PINs, table codes, phone-order limits and refusals, orders). Commands
other than `serve` work on the database directly (--database, or $EDGE_UPSTREAM_DATABASE;
default a SQLite file in the user data dir), so they also work while the server runs.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import click

from edge.money import parse_yuan
from edge.orders import new_id
from edge.protocol.private_files import private_process
from edge.screen_text import clean_line, terminal_json
from upstream.code_signing import public_key
from upstream.clock import describe, is_off
from upstream.enroll import add_store, make_token, require_store, revoke
from upstream.errors import ApiError, now_ms
from upstream.gateway.cli import gateway_group
from upstream.members_cli import campaigns_group, dashboard_group, members_group
from upstream.phone_guard import refusals
from upstream.phone_limits import DEFAULT_LIMITS, NAMES
from upstream.phone_orders import list_orders
from upstream.proxies import parse_trusted
from upstream.qr import qr_png, qr_terminal
from upstream.schema import open_database
from upstream.server import build_server
from upstream.store_settings import (phone_limits, publish_menu_file, rotate_table_key, set_phone_limits, set_staff,
                                     table_code)
from upstream.table_rounds import bill, tables_for_device
from upstream.table_sessions import close_session, open_session_of, set_table_settings, table_settings
from upstream.vouchers import issue_voucher

DB_OPTION = click.option("--database", "database", default=None, envvar="EDGE_UPSTREAM_DATABASE",
                         help="SQLite file path or postgresql://user@host:port/db "
                              "(default: $EDGE_UPSTREAM_DATABASE, else upstream.sqlite in the user data dir).")
URL_OPTION = click.option("--url", default="http://127.0.0.1:8800", show_default=True, envvar="EDGE_UPSTREAM_URL",
                          help="This upstream's base URL as devices reach it.")


def _db(database: str | None):
    try:
        return open_database(database)
    except Exception as exc:  # noqa: BLE001 - turn any connection problem into one clear line
        raise click.ClickException(f"cannot open the upstream database: {exc}") from None


def _run(fn, *args):
    try:
        return fn(*args)
    except ApiError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from None


def _when(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000).isoformat(sep=" ", timespec="seconds") if ms else "-"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Matou upstream: the server edge devices sync with, and its fleet commands."""


@cli.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8800, show_default=True)
@click.option("--trusted-proxy", "trusted_proxies", multiple=True, envvar="EDGE_UPSTREAM_TRUSTED_PROXIES",
              help="A reverse proxy's address or network whose X-Forwarded-For is believed for phone-order rate"
                   " limits (repeatable; default: none, the header is ignored).")
def serve(database: str | None, host: str, port: int, trusted_proxies: tuple[str, ...]) -> None:
    """Serve the upstream API (ingest, enrollment, downstream, phone orders)."""
    private_process()  # its database holds every store's keys and PIN hashes
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        trusted = parse_trusted(" ".join(trusted_proxies))
    except ValueError as exc:
        raise click.ClickException(f"bad --trusted-proxy: {exc}") from None
    db = _db(database)
    click.echo(f"upstream on http://{host}:{port} ({db.dialect})")
    # in-app payments: without [inapp] public_url the providers' notifies come back here (the sandboxes)
    if not os.environ.get("EDGE_UPSTREAM_URL"):
        os.environ["EDGE_UPSTREAM_URL"] = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    try:
        build_server(db, host, port, trusted_proxies=[str(n) for n in trusted]).run()
    finally:
        db.close()


@cli.group()
def stores() -> None:
    """Stores."""


@stores.command("add")
@DB_OPTION
@click.argument("store")
@click.option("--name", default="", help="Display name (default: the id).")
def stores_add(database, store, name):
    """Add a store (it gets a table key)."""
    _run(add_store, _db(database), store, name)
    click.echo(f"store {store} added")


@stores.command("list")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True)
def stores_list(database, as_json):
    """List stores."""
    rows = _db(database).query("SELECT store_id, name, menu_version, created_ms FROM stores ORDER BY store_id")
    if as_json:
        click.echo(terminal_json({"stores": rows}))
        return
    for r in rows:
        click.echo(clean_line(f"{r['store_id']:<20} {r['name']:<24} menu {r['menu_version'] or '-'}"))


LIMIT_HELP = {"max_dish_qty": "most of one dish per order", "max_items": "most items per order",
              "max_amount": "most an order may come to, in yuan",
              "max_open_per_table": "open phone orders per table", "table_per_minute": "orders a minute per table",
              "client_per_minute": "orders a minute per client address"}


def _limit_options(fn):
    for name in reversed(NAMES):
        default = getattr(DEFAULT_LIMITS, name)
        shown = f"¥{default // 100}" if name == "max_amount" else default
        fn = click.option(f"--{name.replace('_', '-')}", name, default=None,
                          type=str if name == "max_amount" else click.IntRange(1),
                          help=f"{LIMIT_HELP[name]} (default {shown}).")(fn)
    return fn


@stores.command("limits")
@DB_OPTION
@click.argument("store")
@_limit_options
@click.option("--reset", is_flag=True, help="Back to the defaults first.")
@click.option("--json", "as_json", is_flag=True)
def stores_limits(database, store, reset, as_json, **given):
    """Show or change STORE's phone-order limits (caps, open orders per table, rate limits)."""
    db = _db(database)
    changes = {k: v for k, v in given.items() if v is not None}
    if "max_amount" in changes:
        try:
            changes["max_amount"] = parse_yuan(changes["max_amount"])
        except ValueError as exc:
            raise click.ClickException(f"bad --max-amount: {exc}") from None
    if changes or reset:
        limits = _run(set_phone_limits, db, store, changes, reset)
    else:
        _run(require_store, db, store)
        limits = phone_limits(db, store)
    if as_json:
        click.echo(json.dumps({"store": store, "phone_limits": {n: getattr(limits, n) for n in NAMES}}))
        return
    for name in NAMES:
        value = getattr(limits, name)
        click.echo(f"{name:<20} {f'¥{value / 100:.2f}' if name == 'max_amount' else value}")


@cli.group()
def menu() -> None:
    """Menus."""


@menu.command("publish")
@DB_OPTION
@click.argument("store")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def menu_publish(database, store, file):
    """Publish a menu TOML to STORE's devices (they fetch it by ETag)."""
    version, etag = _run(publish_menu_file, _db(database), store, file)
    click.echo(f"published menu {version} to {store} (etag {etag})")


@cli.command("enroll-token")
@DB_OPTION
@URL_OPTION
@click.argument("store")
@click.option("--role", type=click.Choice(["kiosk", "cashier", "kitchen"]), default="kiosk",
              show_default=True)
@click.option("--png", type=click.Path(dir_okay=False), default=None,
              help="Where to write the QR PNG (default: enroll-<store>-<role>.png here).")
def enroll_token(database, url, store, role, png):
    """Make a one-time enrollment code (10 min), shown as a QR here and as a PNG."""
    db = _db(database)
    text, expires = _run(make_token, db, store, role, url)
    path = qr_png(text, Path(png or f"enroll-{store}-{role}.png"))
    click.echo(qr_terminal(text))
    click.echo(text)
    click.echo(f"one-time code for store {store}, role {role}; valid until {_when(expires)} (10 min)")
    click.echo(f"signed by upstream key {public_key(db)} (devices pin it: `edge-upstream public-key`)")
    click.echo(f"PNG: {path}")
    click.echo("show it to the device's camera, or run on the device: edge enroll '<the text above>'")


@cli.command("public-key")
@DB_OPTION
def print_public_key(database):
    """Print the public key that signs this upstream's enrollment codes (made on first use).

    The installer pins it on every device: hardware/setup.sh --upstream-key KEY, i.e.
    `public_key` in the [upstream] section of edge.toml."""
    click.echo(public_key(_db(database)))


@cli.group()
def vouchers() -> None:
    """Vouchers / coupons (核销 at the cashier: redeemed exactly once)."""


@vouchers.command("issue")
@DB_OPTION
@click.argument("store")
@click.option("--value", "value_yuan", required=True, help="Face value in yuan, e.g. 25 or 12.50.")
@click.option("--expires", required=True, help="Last valid day, YYYY-MM-DD (valid to its end).")
@click.option("--count", default=1, show_default=True, type=click.IntRange(1, 1000))
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Also write each code as a QR PNG into this folder.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per voucher.")
def vouchers_issue(database, store, value_yuan, expires, count, out, as_json):
    """Issue signed voucher codes (MT1V) for STORE; devices verify them offline and redeem online."""
    try:
        value = parse_yuan(value_yuan)
        last_day = datetime.strptime(expires, "%Y-%m-%d")
    except ValueError as exc:
        raise click.ClickException(f"bad --value or --expires: {exc}") from None
    if value <= 0:
        raise click.ClickException("--value must be above 0")
    expires_s = int(last_day.timestamp()) + 24 * 3600 - 1
    if expires_s < time.time():
        raise click.ClickException(f"--expires {expires} is in the past")
    db = _db(database)
    for _ in range(count):
        voucher_id = new_id()[:12].upper()
        code = _run(issue_voucher, db, store, value, expires_s, voucher_id)
        png = str(qr_png(code, Path(out) / f"voucher-{voucher_id}.png")) if out else None
        if as_json:
            click.echo(json.dumps({"voucher_id": voucher_id, "store": store, "value": value, "expires_s": expires_s,
                                   "code": code, "png": png}))
        else:
            click.echo(f"{voucher_id}  ¥{value / 100:.2f}  until {expires}  {code}" + (f"  {png}" if png else ""))


@cli.group()
def devices() -> None:
    """Enrolled devices."""


@devices.command("list")
@DB_OPTION
@click.option("--store", default=None)
@click.option("--json", "as_json", is_flag=True)
def devices_list(database, store, as_json):
    """List devices: enrolled / revoked, last seen, events held, clock (CLOCK OFF past 5 minutes)."""
    db = _db(database)
    rows = db.query("SELECT device_id, store_id, role, name, enrolled_ms, revoked_ms, revoked_reason, last_seen_ms,"
                    " max_seq, events_stored, clock_skew_ms, clock_checked_ms FROM devices"
                    + (" WHERE store_id = ?" if store else "") + " ORDER BY store_id, enrolled_ms",
                    [store] if store else [])
    if as_json:
        click.echo(json.dumps({"devices": [{**r, "status": "revoked" if r["revoked_ms"] else "enrolled",
                                            "clock_off": is_off(r["clock_skew_ms"])} for r in rows]}))
        return
    for r in rows:
        status = "revoked" if r["revoked_ms"] else "enrolled"
        skew = f"  clock {describe(r['clock_skew_ms'])}" if r["clock_skew_ms"] is not None else ""
        click.echo(clean_line(f"{r['device_id']}  {r['store_id']:<12} {r['role']:<8} {r['name']:<16} {status:<9}"
                              f" seen {_when(r['last_seen_ms'])}  events {r['events_stored']}{skew}"
                              f"{'  CLOCK OFF' if is_off(r['clock_skew_ms']) else ''}"))  # names: device-sent


@devices.command("revoke")
@DB_OPTION
@click.argument("device_id")
@click.option("--reason", default="revoked by operator", show_default=True)
def devices_revoke(database, device_id, reason):
    """Revoke a device: its requests are refused from now on; its data is kept."""
    if not revoke(_db(database), device_id, reason):
        raise click.ClickException(f"no enrolled (unrevoked) device {device_id}")
    click.echo(f"device {device_id} revoked; its events and orders are kept")


@cli.group()
def staff() -> None:
    """Cashier / technician PINs (stored as scrypt hashes, sent to the store's devices)."""


@staff.command("set")
@DB_OPTION
@click.argument("store")
@click.argument("staff_id")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["cashier", "manager", "technician"]), default="cashier", show_default=True)
@click.option("--pin", prompt=True, hide_input=True, confirmation_prompt=True)
def staff_set(database, store, staff_id, name, role, pin):
    """Add or change a staff member's PIN."""
    _run(set_staff, _db(database), store, staff_id, name, role, pin)
    click.echo(f"{staff_id} ({role}) set for {store}")


@cli.group()
def tables() -> None:
    """Table codes (QR on each table; phone orders come through them)."""


@tables.command("code")
@DB_OPTION
@click.argument("store")
@click.argument("table")
@click.option("--host", required=True, help="The ordering web host printed in the code, e.g. order.example.com")
@click.option("--png", type=click.Path(dir_okay=False), default=None)
def tables_code(database, store, table, host, png):
    """Print a table's code URL (and write its QR PNG with --png)."""
    text = _run(table_code, _db(database), store, table, host)
    click.echo(text)
    if png:
        click.echo(f"PNG: {qr_png(text, Path(png))}")


@tables.command("rotate-key")
@DB_OPTION
@click.argument("store")
@click.option("--retire-old", is_flag=True, help="Old table codes stop working at once.")
def tables_rotate(database, store, retire_old):
    """Make a new table key (print new table codes afterwards)."""
    click.echo(f"new table key {_run(rotate_table_key, _db(database), store, retire_old)} for {store}")


@tables.command("refusals")
@DB_OPTION
@click.option("--store", default=None)
@click.option("--json", "as_json", is_flag=True)
def tables_refusals(database, store, as_json):
    """Phone orders refused per table and reason (too_large, rate_table, rate_client, open_orders)."""
    rows = refusals(_db(database), store)
    if as_json:
        click.echo(json.dumps({"refusals": rows}, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['store_id']:<12} table {r['table_no']:<8} {r['reason']:<12} {r['refused']:>7}"
                   f"  first {_when(r['first_ms'])}  last {_when(r['last_ms'])}")
    if not rows:
        click.echo("no refused phone orders")


@tables.command("mode")
@DB_OPTION
@click.argument("store")
@click.option("--pay-after", "mode", flag_value="pay_after", help="先吃后付: rounds print at once; pay at the end.")
@click.option("--pay-first", "mode", flag_value="pay_first", help="先付后吃: each round is paid on the phone first.")
@click.option("--strict/--open", default=None,
              help="--strict: a scan joins only a table the cashier opened; --open: the first scan opens it.")
def tables_mode(database, store, mode, strict):
    """Show or set how the store's tables order by phone (new sessions take the new mode)."""
    db = _db(database)
    settings = _run(set_table_settings, db, store, mode, strict) if (mode or strict is not None) \
        else _run(table_settings, db, store)
    words = {"pay_after": "先吃后付 pay after eating", "pay_first": "先付后吃 pay before the kitchen starts"}
    click.echo(f"{store}: {words[settings['mode']]}; "
               + ("strict (the cashier opens each table)" if settings["strict"] else "the first scan opens a table"))


@tables.command("sessions")
@DB_OPTION
@click.argument("store")
@click.option("--json", "as_json", is_flag=True)
def tables_sessions(database, store, as_json):
    """The store's open tables: rounds, what the bill still owes, open calls."""
    db = _db(database)
    _run(require_store, db, store)
    tables = tables_for_device(db, store, now_ms())
    if as_json:
        click.echo(json.dumps({"tables": tables}, ensure_ascii=False))
        return
    for t in tables:
        calls = [c["kind"] for c in t["calls"] if not c["handled_ms"]]
        click.echo(f"table {t['table']:<6} since {_when(t['opened_ms'])}  rounds {len(t['rounds'])}"
                   f"  bill {t['bill']['total'] / 100:.2f}  due {t['bill']['due'] / 100:.2f}"
                   + (f"  calls {', '.join(calls)}" if calls else ""))
    if not tables:
        click.echo(f"no open tables in {store}")


@tables.command("close")
@DB_OPTION
@click.argument("store")
@click.argument("table")
@click.option("--force", is_flag=True, help="Clear the table even though its bill is not paid.")
def tables_close(database, store, table, force):
    """清台: close the table's session (its phones can order nothing more)."""
    db = _db(database)
    session = _run(open_session_of, db, store, table)
    if session is None:
        raise click.ClickException(f"table {table} of {store} is not open")
    due = bill(db, session["session_id"])["due"]
    _run(lambda: close_session(db, store, session["session_id"], "upstream-cli", now_ms(), due=due, force=force))
    click.echo(f"table {table} cleared" + (f" (¥{due / 100:.2f} unpaid)" if due else ""))


@cli.group()
def orders() -> None:
    """Orders as upstream holds them."""


@orders.command("list")
@DB_OPTION
@click.option("--store", required=True)
@click.option("--limit", default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def orders_list(database, store, limit, as_json):
    """List a store's orders (synced from devices, and phone orders)."""
    db = _db(database)
    _run(require_store, db, store)
    rows = list_orders(db, store, limit)
    if as_json:
        click.echo(terminal_json({"store": store, "orders": rows}))
        return
    for o in rows:
        click.echo(clean_line(f"{o['ticket_no'] or '-':<6} {o['id']}  {o['source']:<6} {o['status']:<15} "
                              f"{o['total'] / 100:>8.2f}  table {o['table'] or '-'}{'  LATE' if o['late'] else ''}"))
    click.echo(f"{len(rows)} orders")


@cli.command()
@DB_OPTION
@click.option("--store", default=None)
@click.option("--json", "as_json", is_flag=True)
def alarms(database, store, as_json):
    """Conflicts, sequence gaps, restored backups, foreign rows (an event of one device that would
    change another store's or device's rows: not applied) and clocks off by more than 5 minutes."""
    db = _db(database)
    rows = db.query("SELECT * FROM alarms" + (" WHERE store_id = ?" if store else "") + " ORDER BY id DESC LIMIT 200",
                    [store] if store else [])
    if as_json:
        click.echo(terminal_json({"alarms": rows}))
        return
    for r in rows:
        click.echo(clean_line(f"{_when(r['at_ms'])} {r['kind']:<15} {r['detail']}"))


cli.add_command(gateway_group, "gateway")
cli.add_command(members_group, "members")
cli.add_command(campaigns_group, "campaigns")
cli.add_command(dashboard_group, "dashboard")


def main() -> None:
    cli()


if __name__ == "__main__":
    sys.exit(main())
