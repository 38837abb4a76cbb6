"""Click commands for device upkeep; edge/cli.py registers them (`edge backup`, `edge web-ui`).

Only click is imported here at module level, so registering them keeps `edge --help` fast.
"""

from __future__ import annotations

import click

CONFIG_OPTION = click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                             help="Config file (default: $EDGE_CONFIG, else the running core's, ./edge.toml,"
                                  " ./.demo/edge.toml, the user config).")


def _load(config_path: str | None):
    from edge.config import ConfigError, find_config

    try:
        return find_config(config_path)  # backup_database refuses a database that does not exist
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


@click.command("backup")
@CONFIG_OPTION
@click.option("--dir", "backup_dir", type=click.Path(file_okay=False), default=None,
              help="Where the backups go (default: <data_dir>/backups).")
@click.option("--keep", type=click.IntRange(min=1), default=7, show_default=True,
              help="How many backups to keep; older ones are deleted.")
@click.option("--list", "list_only", is_flag=True, help="List the backups and exit.")
def backup(config_path: str | None, backup_dir: str | None, keep: int, list_only: bool) -> None:
    """Back up the database (VACUUM INTO), verify the copy, keep the newest N.

    Safe while the core runs: the live database is only read. Restore: stop the core,
    copy a backup over <data_dir>/edge.sqlite, delete edge.sqlite-wal and -shm, start the core.
    """
    from pathlib import Path

    from edge.maintenance.backup import BackupError, backup_database, list_backups

    config = _load(config_path)
    target = Path(backup_dir) if backup_dir else config.data_dir / "backups"
    if list_only:
        backups = list_backups(target)
        for item in reversed(backups):
            click.echo(f"{item.path}  {_mib(item.size)}  taken {item.taken}")
        if not backups:
            click.echo(f"no backups in {target}")
        return
    try:
        result = backup_database(config.db_path, target, keep=keep)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup {result.path} ({_mib(result.size)}, quick_check {result.check}); "
               f"{len(result.kept)} kept, {len(result.removed)} removed")


@click.command("web-ui")
@CONFIG_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--public-url", default=None, help="URL the browser uses, if not http://HOST:PORT.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="First language.")
def web_ui(config_path: str | None, host: str, port: int, public_url: str | None, lang: str | None) -> None:
    """Serve the kiosk UI to a browser (Chromium kiosk) with textual-serve, an extra dependency."""
    from edge.maintenance.webui import WebUiUnavailable, serve, ui_command

    _load(config_path)  # refuse a broken config here rather than in every browser tab
    try:
        serve(ui_command(config_path, lang), host=host, port=port, public_url=public_url)
    except WebUiUnavailable as error:
        raise click.ClickException(str(error)) from None
