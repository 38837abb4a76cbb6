"""Device commands: `edge sync status|now|dead|retry-dead` and `edge enroll TEXT`.

Registered in edge/cli.py: `cli.add_command(sync_group, "sync")`, `cli.add_command(enroll_command, "enroll")`.
They work on the device database directly (like `edge menu import`), so they also work while
the core runs: a second sender is harmless because every upstream write is idempotent.

The commands import the database, the worker and the upstream client when they run, not at
module level: `edge --help` imports this module and stays free of sqlite_utils and requests.
"""

from __future__ import annotations


import click

from edge.config import ConfigError, find_config, require_database
from edge.screen_text import clean_line, terminal_json

CONFIG_OPTION = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             help="Config file (default: $EDGE_CONFIG, else the running core's, ./edge.toml,"
                                  " ./.demo/edge.toml, the user config).")


def _config(path):
    try:
        return find_config(path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _db(config):
    from edge.ledger.db import connect
    from edge.ledger.migrations import migrate

    try:
        require_database(config)  # these commands read the device's queue: never create an empty one
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    db = connect(config.db_path)
    migrate(db)
    return db


@click.group("sync")
def sync_group() -> None:
    """Sync with upstream: status, send now, dead events."""


@sync_group.command("status")
@CONFIG_OPTION
@click.option("--json", "as_json", is_flag=True, help='{"pending": N, "dead": N, "last_ok": ..., "last_error": ...}')
def status(config_path, as_json):
    """How many events are not synced, last success, last error, enrollment."""
    from edge.sync.state import sync_status

    db = _db(_config(config_path))
    try:
        doc = sync_status(db)
    finally:
        db.close()
    if as_json:
        click.echo(terminal_json(doc))
        return
    click.echo(f"state:      {doc['state']}")
    if doc["enrollment"]:
        e = doc["enrollment"]
        click.echo(clean_line(f"device:     {e['device_id']} (store {e['store_id']}, role {e['role']}) -> "
                              f"{e['upstream']}"))
    click.echo(f"not synced: {doc['pending']}")
    click.echo(f"dead:       {doc['dead']}" + ("  (see `edge sync dead`)" if doc["dead"] else ""))
    click.echo(f"last ok:    {doc['last_ok'] or 'never'}")
    click.echo(clean_line(f"last error: {doc['last_error'] or '-'}"))  # upstream's words
    for alarm in doc["alarms"]:
        click.echo(clean_line(f"ALARM {alarm['kind']}: {alarm['detail']}"))


@sync_group.command("now")
@CONFIG_OPTION
@click.option("--json", "as_json", is_flag=True)
@click.option("--timeout", default=60.0, show_default=True, help="Stop after this many seconds.")
@click.option("--batch", default=100, show_default=True, type=click.IntRange(1, 100),
              help="Events per request (smaller on very slow links).")
def now(config_path, as_json, timeout, batch):
    """Send every pending event now (no backoff) and fetch downstream once."""
    from edge.sync.worker import SyncWorker

    config = _config(config_path)
    _db(config).close()
    result = SyncWorker(config, pull=False, max_events=batch).run_once(deadline_s=timeout)
    if as_json:
        click.echo(terminal_json(result))
    else:
        click.echo(f"sent {result.get('sent', 0)}; not synced {result['pending']}; dead {result['dead']}")
    if not result["ok"]:
        raise click.ClickException(clean_line(f"sync did not finish: {result['error']}"))


@sync_group.command("dead")
@CONFIG_OPTION
@click.option("--json", "as_json", is_flag=True)
def dead(config_path, as_json):
    """Events upstream refused, with the reason (kept, never dropped)."""
    from edge.sync.outbox import dead_events

    db = _db(_config(config_path))
    try:
        rows = dead_events(db, 1000)
    finally:
        db.close()
    if as_json:
        click.echo(terminal_json({"dead": rows}))
        return
    for r in rows:
        click.echo(clean_line(f"#{r['device_seq']} {r['type']} {r['event_id']}: {r['code']}: {r['reason']}"))
    click.echo(f"{len(rows)} dead")


@sync_group.command("retry-dead")
@CONFIG_OPTION
def retry_dead_command(config_path):
    """Queue dead events again (after upstream was fixed)."""
    from edge.sync.outbox import retry_dead

    db = _db(_config(config_path))
    try:
        click.echo(f"{retry_dead(db)} events queued again")
    finally:
        db.close()


@click.command("enroll")
@CONFIG_OPTION
@click.argument("text")
@click.option("--name", default=None, help="Device name upstream (default: [device] name).")
@click.option("--replace", is_flag=True, help="The device is enrolled: enroll it again with this code.")
def enroll_command(config_path, text, name, replace):
    """Enroll this device with the code from `edge-upstream enroll-token` (the QR's text).

    The code must be signed by the pinned upstream key and name an upstream on the allow-list
    ([upstream] in edge.toml)."""
    from edge.protocol.enroll_code import EnrollError
    from edge.sync.enroll import enroll

    try:
        e = enroll(_config(config_path), text, name, replace=replace)
    except EnrollError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"enrolled: device {e.device_id} in store {e.store_id} as {e.role}; upstream {e.upstream_url}")
    click.echo(f"private key: {e.key_file} (mode 0600)")


@click.group()
def main_group() -> None:
    """Stand-alone entry (python -m edge.sync.cli) until edge/cli.py registers these."""


main_group.add_command(sync_group, "sync")
main_group.add_command(enroll_command, "enroll")

if __name__ == "__main__":
    main_group()
