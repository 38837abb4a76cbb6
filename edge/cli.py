"""The `edge` command line: one entry point for the daemon, the UI, the demo and technicians."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from edge.config import (
    Config,
    ConfigError,
    config_template,
    default_config_path,
    find_config,
    load_config,
    require_database,
)
from edge.protocol.private_files import private_process
from edge.screen_text import terminal_json

CONFIG_OPTION = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             help="Config file (default: $EDGE_CONFIG, else the running core's, ./edge.toml,"
                                  " ./.demo/edge.toml, the user config).")


def _config(config_path: str | None, database: bool = False) -> Config:
    """The config a command means (edge/config.py `find_config`); with `database`, refuse when
    the device database does not exist (only `edge init`, `edge core` and the demo create one)."""
    try:
        config = find_config(config_path)
        return require_database(config) if database else config
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _own_config(config_path: str | None) -> Config:
    """The config of a command that starts the device itself (`edge core`, `edge run`): never
    the config of another core already running."""
    try:
        return load_config(config_path)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="matou-edge")
def cli() -> None:
    """Matou edge device: kiosk ordering, kitchen printing, sync."""


@cli.command()
@click.option("--path", type=click.Path(dir_okay=False), default=None,
              help=f"Where to write it (default: {default_config_path()}).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--upstream", "upstreams", multiple=True,
              help="An upstream base URL enrollment codes may name ([upstream] allowed_urls; repeatable).")
@click.option("--upstream-key", default="", help="The upstream's public key (`edge-upstream public-key`).")
def init(path: str | None, force: bool, upstreams: tuple[str, ...], upstream_key: str) -> None:
    """Write a commented config file to edit."""
    target = Path(path) if path else default_config_path()
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; use --force to overwrite it")
    try:
        text = config_template(upstreams, upstream_key)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target}; edit it, then start the core with `edge core --config {target}`")


@cli.command()
@CONFIG_OPTION
@click.option("-v", "--verbose", is_flag=True)
def core(config_path: str | None, verbose: bool) -> None:
    """Run the core daemon: database, printers, local API on 127.0.0.1."""
    private_process()  # its data dir holds keys and PIN hashes: whatever the caller's umask
    _logging(verbose)
    from edge.core.server import serve

    serve(_own_config(config_path))


@cli.command()
@CONFIG_OPTION
@click.option("--url", default=None, help="Core API URL (default: from the config).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="First language.")
@click.option("--mode", type=click.Choice(["kiosk", "cashier", "technician"]), default="kiosk", show_default=True,
              help="kiosk (customers), cashier (second screen / SSH), technician (provisioning, diagnostics).")
def ui(config_path: str | None, url: str | None, lang: str | None, mode: str) -> None:
    """Run the Textual UI (a client of a running core): kiosk, cashier or technician mode."""
    config = _config(config_path)
    from edge.ui.kiosk_app import create_app

    create_app(url or config.core_url, language=lang or config.ui.language, mode=mode,
               screen=config.ui.screen).run()


@cli.command()
@CONFIG_OPTION
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None)
def run(config_path: str | None, lang: str | None) -> None:
    """Start the core in the background and the kiosk UI in this terminal."""
    from edge.launcher import Processes, wait_for_core

    private_process()
    config = _own_config(config_path)
    args = ["core"] + (["--config", config_path] if config_path else [])
    with Processes(config.data_dir / "logs") as processes:
        core_process = processes.spawn("core", args)
        wait_for_core(config.core_url, core_process)
        _run_ui_while_alive(processes, config.core_url, lang or config.ui.language, config.ui.screen)
        _fail_if_dead(processes, config.data_dir / "logs")


def _run_ui_while_alive(processes, url: str, language: str, screen: str = "") -> None:
    """The kiosk UI until it is quit, or until a process it needs (core, printer, upstream) ends."""
    from edge.ui.kiosk_app import create_app

    import threading

    app = create_app(url, language=language, screen=screen)
    ended = threading.Event()

    def end_ui_when_a_process_dies() -> None:
        while not ended.wait(0.5):
            if processes.dead():
                try:
                    app.call_from_thread(app.exit)
                    return
                except RuntimeError:  # the UI is not running yet: ask again
                    continue

    threading.Thread(target=end_ui_when_a_process_dies, name="watch-children", daemon=True).start()
    try:
        app.run()
    finally:
        ended.set()


def _fail_if_dead(processes, logs: Path) -> None:
    """Exit non-zero, naming them, when processes of the device ended on their own."""
    dead = processes.dead()
    if dead:
        raise click.ClickException(f"stopped because {', '.join(dead)} ended; see its log in {logs}")


@cli.command()
@click.option("--dir", "demo_dir", type=click.Path(file_okay=False), default=".demo", show_default=True,
              help="Where the demo keeps its config, database, logs and printed tickets.")
@click.option("--core-port", default=8765, show_default=True)
@click.option("--printer-port", default=9101, show_default=True, help="First virtual printer port.")
@click.option("--upstream-port", default=8800, show_default=True,
              help="Port of the local upstream the device is enrolled with (0: no upstream).")
@click.option("--no-ui", is_flag=True, help="Run without the UI until Ctrl-C (for a second terminal).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
def demo(demo_dir: str, core_port: int, printer_port: int, upstream_port: int, no_ui: bool, lang: str) -> None:
    """The whole product on one machine: virtual printers, core with the demo menu, kiosk UI.

    Exit status 1 when a process of the demo (core, printer, upstream) ends by itself."""
    import subprocess
    import time

    from edge.demo.running import DemoLock, DemoRunning, check_ports
    from edge.demo.setup import (PIN_FILE, add_demo_staff, phone_page_url, printer_ports, staff_lines, start_demo,
                                 technician_pin)
    from edge.launcher import Processes
    from edge.protocol.private_files import private_dir

    private_process()  # the demo's databases, keys and logs: its user's only
    root = Path(demo_dir).resolve()
    private_dir(root)
    lock = DemoLock(root)
    try:  # one demo at a time: say what runs and stop before starting anything
        lock.acquire(f"http://127.0.0.1:{core_port}")
        check_ports({"core": core_port, "upstream": upstream_port,
                     **{f"printer {s}": p for s, p in printer_ports(printer_port).items()}})
    except DemoRunning as refused:
        lock.release()
        raise click.ClickException(str(refused)) from None
    with Processes(root / "logs") as processes:
        try:
            url, _core_process = start_demo(processes, root, core_port, printer_port, upstream_port)
            pin = technician_pin(root, root / "edge.toml", url)
        except (RuntimeError, subprocess.SubprocessError) as error:  # a step failed: say which, exit 1
            raise click.ClickException(f"{error} (logs: {root / 'logs'})") from None
        if upstream_port and not add_demo_staff(root, url):
            click.echo("the demo's staff did not reach the device yet (see logs/core.log); Ctrl-K lists "
                       "them once the device has synced", err=True)
        click.echo(f"core: {url}   tickets: {root / 'tickets'}/<station>/   logs: {root / 'logs'}")
        click.echo(f"technician PIN (Ctrl-T): {pin or 'yours'}   ({root / PIN_FILE if pin else 'set by you'}; "
                   f"another: edge technician set-pin --config {root / 'edge.toml'})")
        if upstream_port:
            click.echo(f"upstream: http://127.0.0.1:{upstream_port} (store demo)   "
                       f"edge-upstream … --database {root / 'upstream.sqlite'}")
            for line in staff_lines():
                click.echo(line)
            try:
                click.echo(f"扫码点餐 phone ordering, table 12 (open it in a browser): "
                           f"{phone_page_url(root / 'upstream.sqlite', upstream_port)}")
            except RuntimeError as error:  # the demo runs on without it; say why
                click.echo(f"phone ordering: no table code ({error})", err=True)
            click.echo(f"会员 member page: http://127.0.0.1:{upstream_port}/m/demo   经营数据 dashboard: "
                       f"http://127.0.0.1:{upstream_port}/owner/demo (manager-1 / 135790)")
        if no_ui:
            click.echo("running without UI; Ctrl-C stops the demo")
            try:
                while not processes.dead():
                    time.sleep(0.5)
            except KeyboardInterrupt:
                return
        else:
            _run_ui_while_alive(processes, url, lang)
        _fail_if_dead(processes, root / "logs")


@cli.group()
def menu() -> None:
    """The device's menu."""


@menu.command("import")
@CONFIG_OPTION
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def menu_import(config_path: str | None, file: str) -> None:
    """Import a menu TOML file into the device database (the core picks it up on restart)."""
    from edge.core.service import EdgeService, read_menu_file
    from edge.menu import MenuError

    try:
        new_menu = read_menu_file(file)
    except MenuError as error:
        raise click.ClickException(str(error)) from None
    service = EdgeService(_config(config_path, database=True)).open(start_printing=False)
    try:
        service.import_menu(new_menu)
    finally:
        service.close()
    click.echo(f"imported menu {new_menu.version}: {len(new_menu.items)} items")


@cli.command()
@CONFIG_OPTION
@click.option("--url", default=None, help="Core API URL (default: from the config).")
def status(config_path: str | None, url: str | None) -> None:
    """Show the running core's status as JSON."""
    import requests

    base = url or _config(config_path).core_url
    try:
        answer = requests.get(f"{base}/v1/status", timeout=5)
    except requests.RequestException as error:
        raise click.ClickException(f"cannot reach the core at {base}: {error}") from None
    try:
        doc = answer.json()
    except ValueError:
        raise click.ClickException(f"the core at {base} answered HTTP {answer.status_code} without JSON") from None
    click.echo(terminal_json(doc, indent=2))
    if not answer.ok:
        raise SystemExit(1)


def _register_commands() -> None:
    """Commands that live with their package (their heavy imports stay lazy inside them)."""
    from edge.cashier.cli import report_group, vouchers_group
    from edge.maintenance.cli import backup, web_ui
    from edge.payments.cli import pay_command, payments_group
    from edge.printer.cli import print_test, printers
    from edge.printer_sim.cli import printer_sim
    from edge.scanner.cli import scan, tables
    from edge.sync.cli import enroll_command, sync_group
    from edge.technician.cli import doctor, logs_group, technician_group

    cli.add_command(printer_sim, "printer-sim")
    cli.add_command(printers, "printers")
    cli.add_command(print_test, "print-test")
    cli.add_command(backup, "backup")
    cli.add_command(web_ui, "web-ui")
    cli.add_command(scan)
    cli.add_command(tables)
    cli.add_command(sync_group, "sync")
    cli.add_command(enroll_command, "enroll")
    cli.add_command(vouchers_group, "vouchers")
    cli.add_command(report_group, "report")
    cli.add_command(pay_command, "pay")
    cli.add_command(payments_group, "payments")
    cli.add_command(doctor)
    cli.add_command(logs_group, "logs")
    cli.add_command(technician_group, "technician")


_register_commands()


def main() -> None:
    cli()
