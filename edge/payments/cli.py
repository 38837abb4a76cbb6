"""`edge pay` and `edge payments …`: the payment flow from a terminal (technicians, scripts, the
cashier over SSH). Every command talks to the running core's local API (the core is the one
writer); a payment code given with --code goes in one request body to the core and is never
printed ('-' reads it from stdin, out of the shell history)."""

from __future__ import annotations

import sys
import time

import click

from edge.screen_text import clean_line, terminal_json
from edge.staff_login import staff_options, staff_session

CONFIG_OPTION = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             help="Config file (default: $EDGE_CONFIG, else the running core's, ./edge.toml,"
                                  " ./.demo/edge.toml, the user config).")
URL_OPTION = click.option("--url", default=None, help="Core API URL (default: from the config).")


def _base(config_path: str | None, url: str | None) -> str:
    if url:
        return url.rstrip("/")
    from edge.config import ConfigError, find_config

    try:
        return find_config(config_path).core_url
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _call(method: str, url: str, body: dict | None = None, timeout: float = 35.0,
          headers: dict | None = None) -> tuple[int, dict]:
    import requests

    try:
        sent = {} if body is None and method != "GET" else body  # the core takes only JSON on a POST
        answer = requests.request(method, url, json=sent, timeout=timeout, headers=headers)
    except requests.RequestException as error:
        raise click.ClickException(f"cannot reach the core at {url.split('/v1/')[0]}: {type(error).__name__}") \
            from None
    try:
        return answer.status_code, answer.json()
    except ValueError:
        return answer.status_code, {}


def _refused(doc: dict) -> click.ClickException:
    err = doc.get("error", {})
    return click.ClickException(clean_line(f"{err.get('code', 'error')}: {err.get('message', '')}"))


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def _line(view: dict) -> str:
    left = f"  {view['deadline_in_ms'] / 1000:.0f}s left" if view.get("deadline_in_ms") else ""
    return clean_line(f"{view.get('ticket_no') or '-':<6} {view['attempt_id']}  {view['channel']:<8} "
                      f"{_yuan(view['amount']):>9}  {view['state']:<10} {view['message']['en']}{left}")


def _resolve_order(base: str, order: str) -> str:
    """An order id, or today's ticket number (A017)."""
    if len(order) == 26 and order.isalnum() and order.islower():
        return order
    status, doc = _call("GET", f"{base}/v1/orders?limit=200")
    matches = [o["id"] for o in doc.get("orders", []) if o["ticket_no"].upper() == order.upper()]
    if not matches:
        raise click.ClickException(f"no recent order {order}")
    return matches[0]


@click.command("pay")
@CONFIG_OPTION
@URL_OPTION
@click.argument("order")
@click.option("--code", required=True, help="The payment code digits; '-' reads them from stdin.")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to follow the payment.")
@click.option("--json", "as_json", is_flag=True, help="Print the final attempt as JSON.")
def pay_command(config_path, url, order, code, timeout, as_json):
    """Pay ORDER (id or today's ticket number) with a customer's payment code, and follow it.

    Exit status: 0 paid, 1 not paid (the reason is printed), 2 still unresolved (see the cashier list)."""
    base = _base(config_path, url)
    if code == "-":
        code = sys.stdin.readline().strip()
    order_id = _resolve_order(base, order)
    status, view = _call("POST", f"{base}/v1/orders/{order_id}/payments", {"code": code})
    del code
    if status >= 400:
        raise _refused(view)
    last = None
    end = time.monotonic() + timeout
    while not view["final"] and not view["unresolved"] and time.monotonic() < end:
        if not as_json and view["message"]["en"] != last:
            click.echo(_line(view))
            last = view["message"]["en"]
        time.sleep(0.3)
        status, fresh = _call("GET", f"{base}/v1/payments/{view['attempt_id']}")
        view = fresh if status == 200 else view
    click.echo(terminal_json(view) if as_json else _line(view))
    sys.exit(0 if view["paid"] else (1 if view["final"] else 2))


@click.group("payments")
def payments_group():
    """Code payments: list attempts, the cashier's actions (retry query, abandon, take cash)."""


@payments_group.command("list")
@CONFIG_OPTION
@URL_OPTION
@click.option("--unresolved", is_flag=True, help="Only those waiting on the cashier (network lost, reconciling).")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def payments_list(config_path, url, unresolved, limit, as_json):
    """Recent payment attempts, newest first (never a code: masked channel, amount, state)."""
    base = _base(config_path, url)
    status, doc = _call("GET", f"{base}/v1/payments?limit={limit}" + ("&unresolved=true" if unresolved else ""))
    if status >= 400:
        raise _refused(doc)
    if as_json:
        click.echo(terminal_json(doc))
        return
    for view in doc["attempts"]:
        click.echo(_line(view))
    click.echo(f"{len(doc['attempts'])} attempt(s)")


@payments_group.command("show")
@CONFIG_OPTION
@URL_OPTION
@click.argument("attempt_id")
def payments_show(config_path, url, attempt_id):
    """One attempt as JSON."""
    status, doc = _call("GET", f"{_base(config_path, url)}/v1/payments/{attempt_id}")
    if status >= 400:
        raise _refused(doc)
    click.echo(terminal_json(doc, indent=2))


def _action(config_path, url, path: str, body: dict | None = None, headers: dict | None = None) -> dict:
    status, doc = _call("POST", f"{_base(config_path, url)}{path}", body or {}, headers=headers)
    if status >= 400:
        raise _refused(doc)
    return doc


@payments_group.command("query")
@CONFIG_OPTION
@URL_OPTION
@click.argument("attempt_id")
def payments_query(config_path, url, attempt_id):
    """Ask the gateway about an attempt now (the cashier's "retry query")."""
    click.echo(_line(_action(config_path, url, f"/v1/payments/{attempt_id}/query")))


@payments_group.command("abandon")
@CONFIG_OPTION
@URL_OPTION
@staff_options
@click.argument("attempt_id")
def payments_abandon(config_path, url, staff_id, pin, attempt_id):
    """Give an attempt up: it is cancelled, and any money it took is returned (as a staff member:
    --staff ID --pin PIN)."""
    base = _base(config_path, url)
    with staff_session(base, staff_id, pin, "abandoning a payment") as headers:
        click.echo(_line(_action(None, base, f"/v1/payments/{attempt_id}/abandon", {"reason": "customer_cancelled"},
                                 headers=headers)))


@payments_group.command("cash")
@CONFIG_OPTION
@URL_OPTION
@staff_options
@click.argument("order")
def payments_cash(config_path, url, staff_id, pin, order):
    """The customer paid ORDER in cash: it is paid (and printed, if it was held); an open code
    payment of it is abandoned, so a late electronic charge is returned automatically. As a staff
    member: --staff ID --pin PIN (the event and the audit name them)."""
    base = _base(config_path, url)
    order_id = _resolve_order(base, order)
    with staff_session(base, staff_id, pin, "taking cash") as headers:
        doc = _action(None, base, f"/v1/orders/{order_id}/cash", headers=headers)
    click.echo(f"{doc['ticket_no']} paid in cash ({_yuan(doc['total'])}); {len(doc['print_jobs'])} print job(s)")
