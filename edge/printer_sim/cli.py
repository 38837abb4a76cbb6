"""`edge printer-sim`: run a virtual ESC/POS printer in the foreground until Ctrl-C.

Point a printer url at it (`tcp://127.0.0.1:9100`) to see kitchen tickets as text; with
`--out` each ticket is also kept as a .txt, its raw bytes as a .bin and its paper as a .png
file. `--control-port` serves the control API (`control`): faults on command, tickets.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import click

from edge.printer_sim.escpos_decode import DecodedTicket
from edge.printer_sim.simulator import FAULTS, PrinterSimulator
from edge.screen_text import clean_block


@click.command("printer-sim")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=9100, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port (0 picks a free one).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for NNNN-<label>.txt / .bin files of each ticket.")
@click.option("--name", default="", help="Printer name, used in logs and file names (e.g. the station).")
@click.option("--echo/--no-echo", default=True, show_default=True, help="Print each decoded ticket.")
@click.option("--png/--no-png", default=True, show_default=True, help="With --out, also write a .png per ticket.")
@click.option("--control-port", type=click.IntRange(0, 65535), default=None,
              help="Serve the control API (faults, tickets) on 127.0.0.1:PORT (0 picks one).")
@click.option("--fault", "faults", multiple=True, type=click.Choice(FAULTS),
              help="Start with this fault set (repeatable), e.g. --fault paper-out.")
def printer_sim(host: str, port: int, out_dir: Path | None, name: str, echo: bool, png: bool,
                control_port: int | None, faults: tuple[str, ...]) -> None:
    """A virtual ESC/POS printer on TCP: decodes tickets to text and PNG, answers status
    queries, and can be put into paper-out / cover-open / offline / no-reply / slow / reset."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    def show(ticket: DecodedTicket, number: int, path: Path | None) -> None:
        ending = "cut" if ticket.cut else "not cut"
        click.echo(f"──── ticket {number:04d} ({ending}, {len(ticket.raw)} bytes) ────")
        click.echo(clean_block(ticket.text))  # what a network client sent: no terminal sequences

    sim = PrinterSimulator(host, port, out_dir, name, on_ticket=show if echo else None, png=png and bool(out_dir))
    control = None
    try:
        sim.start()
        if control_port is not None:
            from edge.printer_sim.control import SimControl

            control = SimControl(sim, "127.0.0.1", control_port).start()
    except OSError as error:
        sim.stop()
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    for fault in faults:
        sim.set_fault(fault)
    try:  # a Ctrl-C from the moment the banner is out is a clean stop (exit 0)
        click.echo(f"printer-sim{' ' + name if name else ''} listening on tcp://{host}:{sim.port}"
                   f"{f', writing to {out_dir}' if out_dir else ''}"
                   f"{f', control API {control.url}' if control else ''}; Ctrl-C to stop")
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        if control is not None:
            control.stop()
        sim.stop()
