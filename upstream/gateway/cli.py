"""`edge-upstream gateway …`: look at payment attempts, hand one parked for a human back to the
reconciler, run the sandbox providers. Works on the database directly (like the other
edge-upstream commands), so it also works while the server runs."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import click

from upstream.errors import now_ms
from upstream.gateway import store as gw_store
from upstream.gateway.states import ATTENTION, RECONCILE, RUNNING
from upstream.schema import open_database

DB_OPTION = click.option("--database", "database", default=None, envvar="EDGE_UPSTREAM_DATABASE",
                         help="SQLite file or postgresql:// URL (default: $EDGE_UPSTREAM_DATABASE).")


def _db(database):
    try:
        return open_database(database)
    except Exception as exc:  # noqa: BLE001
        raise click.ClickException(f"cannot open the upstream database: {exc}") from None


def _when(ms) -> str:
    return datetime.fromtimestamp(ms / 1000).isoformat(sep=" ", timespec="seconds") if ms else "-"


@click.group("gateway")
def gateway_group():
    """The payment gateway: attempts, reconciliation, sandbox providers."""


@gateway_group.command("list")
@DB_OPTION
@click.option("--store", default=None)
@click.option("--state", "states", multiple=True, help="Only these states (repeat); e.g. --state attention.")
@click.option("--open", "only_open", is_flag=True, help="Only attempts not final (running, reconcile, attention).")
@click.option("--json", "as_json", is_flag=True)
def gateway_list(database, store, states, only_open, as_json):
    """Payment attempts, newest first. `attention` = a human must check with the provider."""
    rows = gw_store.listing(_db(database), store, tuple(states) or ((*RUNNING, ATTENTION) if only_open else ()))
    if as_json:
        keep = ("attempt_id", "store_id", "device_id", "order_id", "out_trade_no", "amount", "channel", "provider",
                "state", "detail", "reason", "abandoned", "provider_trade_no", "created_ms", "updated_ms")
        click.echo(json.dumps({"attempts": [{k: r[k] for k in keep} for r in rows]}, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{_when(r['created_ms'])} {r['attempt_id']} {r['store_id']:<10} {r['channel'] or '-':<8} "
                   f"{r['amount'] / 100:>8.2f} {r['state']:<10} {r['reason'] or r['detail'] or ''}")
    click.echo(f"{len(rows)} attempt(s)")


@gateway_group.command("show")
@DB_OPTION
@click.argument("attempt_id")
def gateway_show(database, attempt_id):
    """One attempt and its history (every state and provider answer, never a code; the payer masked)."""
    db = _db(database)
    row = gw_store.get(db, attempt_id)
    if row is None:
        raise click.ClickException(f"no attempt {attempt_id}")
    if row.get("payer_id"):
        row["payer_id"] = row["payer_masked"]
    click.echo(json.dumps({"attempt": row, "history": gw_store.history(db, attempt_id)}, ensure_ascii=False,
                          indent=2, default=str))


@gateway_group.command("retry")
@DB_OPTION
@click.argument("attempt_id")
def gateway_retry(database, attempt_id):
    """Give an attempt parked for a human (attention) back to the reconciler of the running server."""
    db = _db(database)
    with db.tx():
        row = gw_store.lock(db, attempt_id)
        if row is None or row["state"] != ATTENTION:
            raise click.ClickException(f"attempt {attempt_id} is not waiting for a human")
        gw_store.update(db, attempt_id, {"state": RECONCILE, "rounds": 0, "tries": 0, "next_action_ms": now_ms()},
                        now_ms())
        gw_store.log(db, attempt_id, RECONCILE, "operator", None, "retry", now_ms())
    click.echo(f"attempt {attempt_id} is reconciled again by the running server")


@gateway_group.command("sandbox")
@click.option("--write-config", "directory", type=click.Path(file_okay=False), required=True,
              help="Where to write gateway.toml and the sandbox's keys"
                   " (then EDGE_UPSTREAM_GATEWAY=<dir>/gateway.toml).")
@click.option("--alipay-port", default=8810, show_default=True)
@click.option("--wechat-port", default=8811, show_default=True)
@click.option("--password-s", default=3.0, show_default=True, help="Scenario 01/02: seconds to enter the password.")
@click.option("--outage-s", default=90.0, show_default=True, help="Scenario 05: seconds the provider is unreachable.")
def gateway_sandbox(directory, alipay_port, wechat_port, password_s, outage_s):
    """Run the sandbox providers (Alipay format, WeChat Pay v2) on 127.0.0.1 until Ctrl-C."""
    from upstream.gateway.sandbox import SandboxTimings, start_sandboxes  # test providers: loaded only here

    boxes = start_sandboxes(SandboxTimings(password_s=password_s, outage_s=outage_s), alipay_port, wechat_port)
    path = boxes.write_config(Path(directory))
    click.echo(f"sandbox Alipay {boxes.alipay.url}  WeChat Pay {boxes.wechat.url}\n"
               f"gateway config: {path}\nrun the upstream with EDGE_UPSTREAM_GATEWAY={path}; Ctrl-C stops")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        boxes.stop()
