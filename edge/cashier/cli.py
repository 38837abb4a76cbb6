"""`edge vouchers verify|redeem` and `edge report day`: the cashier's commands.

They talk to the running core's local API (the core owns the database, the printers and the
upstream link). Without a running core, `vouchers verify` and `report day` still answer from the
device database (read only): a voucher is then checked offline (signature, store, expiry, this
device's redemptions) and nothing is printed.
"""

from __future__ import annotations

import time

import click

from edge.config import ConfigError, find_config
from edge.screen_text import clean_block, clean_line, terminal_json
from edge.staff_login import staff_options, staff_session

CONFIG_OPTION = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             help="Config file (default: $EDGE_CONFIG, else the running core's, ./edge.toml,"
                                  " ./.demo/edge.toml, the user config).")
URL_OPTION = click.option("--core", "core_url", default=None, help="Core API URL (default: from the config).")


class CoreDown(Exception):
    pass


def _config(config_path: str | None):
    try:
        return find_config(config_path)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _call(base: str, method: str, path: str, body: dict | None = None, session: str | None = None,
          params: dict | None = None, ok=(200, 202)) -> dict:
    import requests

    try:
        sent = {} if body is None and method != "GET" else body  # the core takes only JSON on a POST
        answer = requests.request(method, base.rstrip("/") + path, json=sent, params=params, timeout=30,
                                  headers={"X-Staff-Session": session} if session else None)
    except requests.RequestException as error:
        raise CoreDown(f"cannot reach the core at {base}: is `edge core` running?"
                       f" ({error.__class__.__name__})") from None
    try:
        doc = answer.json()
    except ValueError:
        doc = {}
    if answer.status_code not in ok:
        message = doc.get("error", {}).get("message") if isinstance(doc.get("error"), dict) else answer.text[:200]
        raise click.ClickException(clean_line(str(message or f"HTTP {answer.status_code}")))
    return doc


def _local_db(config):
    from edge.ledger.db import connect

    if not config.db_path.exists():
        raise click.ClickException(f"no device database at {config.db_path} and no core running")
    return connect(config.db_path)


@click.group("vouchers")
def vouchers_group() -> None:
    """Vouchers / coupons (核销): check and redeem."""


def _show_check(doc: dict, as_json: bool) -> None:
    """Show a voucher check and exit: 0 when valid (verify) or redeemed (redeem), else 1."""
    if as_json:
        click.echo(terminal_json(doc, indent=2))
        raise SystemExit(0 if doc["status"] in ("valid", "redeemed") else 1)
    v = doc.get("voucher") or {}
    value = f"{v['value'] / 100:.2f}" if v.get("value") is not None else "?"
    where = {True: "online", False: "offline", None: "not asked upstream"}[doc.get("online")]
    click.echo(clean_line(f"{doc['status']}: voucher {v.get('voucher_id', '?')} ¥{value} ({where})"
                          + (f" - {doc['reason']}" if doc.get("reason") else "")))
    raise SystemExit(0 if doc["status"] in ("valid", "redeemed") else 1)


@vouchers_group.command("verify")
@CONFIG_OPTION
@URL_OPTION
@click.argument("code")
@click.option("--offline", is_flag=True, help="Do not ask upstream (device records only).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def verify(config_path: str | None, core_url: str | None, code: str, offline: bool, as_json: bool) -> None:
    """Check CODE without redeeming it: valid / already_used / expired / wrong_store / forged …"""
    config = _config(config_path)
    try:
        doc = _call(core_url or config.core_url, "POST", "/v1/cashier/vouchers/verify",
                    {"code": code, "online": not offline})
    except CoreDown:
        doc = _verify_locally(config, code)
    _show_check(doc, as_json)


def _verify_locally(config, code: str) -> dict:
    from edge.cashier.vouchers import check_text, with_local_record
    from edge.ledger.code_keys import code_context, with_code_keys

    db = _local_db(config)
    try:
        _, check = check_text(code, with_code_keys(db, code_context(db)), int(time.time()))
        doc = with_local_record(db, check).doc()
    finally:
        db.close()
    return {**doc, "note": "core not running: checked against this device's records only"}


@vouchers_group.command("redeem")
@CONFIG_OPTION
@URL_OPTION
@click.argument("code")
@click.option("--staff", "staff_id", required=True, help="Your staff id.")
@click.option("--pin", prompt=True, hide_input=True, help="Your PIN (asked when not given).")
@click.option("--order", "order_id", default=None, help="The order the voucher pays for.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def redeem(config_path: str | None, core_url: str | None, code: str, staff_id: str, pin: str,
           order_id: str | None, as_json: bool) -> None:
    """Redeem CODE once (through the running core; recorded under your staff id)."""
    base = core_url or _config(config_path).core_url
    try:
        session = _call(base, "POST", "/v1/cashier/login", {"staff_id": staff_id, "pin": pin})["session"]
        doc = _call(base, "POST", "/v1/cashier/vouchers/redeem", {"code": code, "order_id": order_id}, session)
        _call(base, "POST", "/v1/cashier/logout", session=session)
    except CoreDown as error:
        raise click.ClickException(str(error)) from None
    _show_check(doc, as_json)


@click.group("report")
def report_group() -> None:
    """Reports: the day report (日结)."""


@report_group.command("day")
@CONFIG_OPTION
@URL_OPTION
@click.option("--date", "day", default=None, help="Business day YYYY-MM-DD (default: today's).")
@click.option("--print", "print_it", is_flag=True,
              help="Also print it on the receipt printer (as a staff member: --staff ID --pin PIN).")
@staff_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def day(config_path: str | None, core_url: str | None, day: str | None, print_it: bool, staff_id: str | None,
        pin: str | None, as_json: bool) -> None:
    """The day report: orders, revenue by channel / hour / category, scan-ordered share, voids,
    refunds, vouchers, events not synced yet."""
    config = _config(config_path)
    base = core_url or config.core_url
    if day is not None and not (len(day) == 10 and day[4] == day[7] == "-" and day.replace("-", "").isdigit()):
        raise click.BadParameter("a business day is YYYY-MM-DD", param_hint="--date")
    try:
        doc = _call(base, "GET", "/v1/cashier/reports/day", params={"date": day} if day else None)
    except CoreDown as error:
        if print_it:
            raise click.ClickException(f"{error}; printing needs the core") from None
        doc = _report_locally(config, day)
    if print_it:
        with staff_session(base, staff_id, pin, "printing the day report") as headers:
            job = _call(base, "POST", "/v1/cashier/reports/day/print", {"date": doc["day"]},
                        session=headers["X-Staff-Session"])["job"]
        doc["print_job"] = job
    if as_json:
        click.echo(terminal_json({k: v for k, v in doc.items() if k != "text"}, indent=2))
    else:
        click.echo(clean_block(doc["text"]))
        if print_it:
            click.echo(f"queued for printing (job {doc['print_job']})")


def _report_locally(config, day: str | None) -> dict:
    from edge.cashier.day import category_names, day_report, render_text
    from edge.ledger.clock import Clock

    clock = Clock()
    day = day or clock.business_day(clock.now().local)
    db = _local_db(config)
    try:
        report, names = day_report(db, day), category_names(db)
    finally:
        db.close()
    return {**report.doc(), "category_names": names, "text": render_text(report, names, config.device.name)}
