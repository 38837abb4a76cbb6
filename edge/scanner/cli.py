"""Technician commands: `edge scan` (images, camera, video) and `edge tables make-codes`.

Payment codes are masked in every output unless `--show-payment-codes` is given.
Register with `cli.add_command(scan)` and `cli.add_command(tables)` in edge/cli.py.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import click

from edge.codes import CodeContext, ScannedCode, classify_in
from edge.scanner.capture import ONLINE
from edge.scanner.decode import Decoder, DecoderUnavailable, to_gray
from edge.scanner.loop import ScanLoop
from edge.scanner.sources import open_source
from edge.scanner.tablecards import make_cards
from edge.screen_text import clean_line, terminal_json
from edge.tables import Keyring, parse_key, table_range


def _read_key(path: str) -> bytes:
    try:
        return parse_key(Path(path).read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise click.BadParameter(f"{path}: {error}") from None


def _context(store: str | None, keys: tuple[str, ...]) -> CodeContext:
    ring = {}
    for item in keys:
        kid, sep, path = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: use KID=FILE", param_hint="--key")
        ring[kid] = _read_key(path)
    try:
        keyring = Keyring(ring) if ring else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--key") from None
    return CodeContext(store, keyring, keyring)


def _line(code: ScannedCode, show: bool) -> str:
    text = f" = {code.reveal()}" if show else ""
    reason = f" [{code.reason}]" if code.reason else ""
    return clean_line(f"{code.kind:8} {code.masked}{text} ({code.symbology}){reason}")  # a code's text is anyone's


def _scan_images(paths: list[str], context: CodeContext, as_json: bool, show: bool) -> int:
    import cv2  # heavy and optional: loaded by the command that reads images, not at CLI start

    decoder, failed = Decoder(), 0
    for path in paths:
        image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        reads = [] if image is None else decoder.decode(to_gray(image))
        codes = [classify_in(r.text, context, r.symbology) for r in reads]
        failed += image is None
        if as_json:
            doc = {"path": path, "codes": [c.to_json(show_clear=show) for c in codes]}
            click.echo(terminal_json(doc | ({"error": "cannot read image"} if image is None else {})))
        elif image is None:
            click.echo(f"{path}: cannot read image")
        else:
            click.echo(f"{path}:" + ("" if codes else " no code"))
            for code in codes:
                click.echo("  " + _line(code, show))
    return 1 if failed else 0


def _scan_live(spec: str, loop_video: bool, context: CodeContext, as_json: bool, show: bool, stats: bool,
               fps: float, duration: float | None) -> int:
    """Scan until Ctrl-C, --duration or the video's end; 1 when the source never gave a frame."""
    lock = threading.Lock()
    seen: set[str] = set()

    def on_scan(code: ScannedCode) -> None:
        with lock:
            click.echo(terminal_json(code.to_json(show_clear=show) | {"reason": code.reason})
                       if as_json else _line(code, show))

    def on_status(status: str) -> None:
        seen.add(status)
        click.echo(f"[{status}]", err=True)

    loop = ScanLoop(open_source(spec, loop=loop_video), on_scan, on_status, fps=fps, keyring_provider=lambda: context)
    deadline = time.monotonic() + duration if duration else None
    loop.start()
    try:
        while not loop.wait_ended(1.0):
            if stats:
                click.echo(loop.stats.line(), err=as_json)
            if deadline and time.monotonic() >= deadline:
                break
    except KeyboardInterrupt:
        pass
    finally:
        loop.stop()
    if stats:
        click.echo(terminal_json(loop.stats.snapshot()), err=as_json)
    if ONLINE not in seen:
        click.echo(f"Error: {spec}: no frame could be read (camera offline or file unreadable)", err=True)
        return 1
    return 0


@click.command("scan")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--image", "images", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Decode an image file (repeatable; more files may follow as arguments).")
@click.option("--camera", default=None, help="Camera: index (0), /dev/videoN, 'picamera', or a folder of images.")
@click.option("--video", type=click.Path(exists=True, dir_okay=False), help="Play a video file through the scanner.")
@click.option("--loop", "loop_video", is_flag=True, help="Repeat the video until stopped.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per image (or per scan).")
@click.option("--stats", is_flag=True, help="Live fps, ms/frame, reads/s and last codes (camera/video).")
@click.option("--show-payment-codes", "show", is_flag=True, help="Print payment codes in clear (technicians only).")
@click.option("--fps", default=15.0, show_default=True, help="Frame rate cap for camera/video.")
@click.option("--duration", type=float, default=None, help="Stop after this many seconds.")
@click.option("--store", default=None, help="Store id, to verify table / voucher / pickup codes.")
@click.option("--key", "keys", multiple=True, metavar="KID=FILE", help="A store key file (repeatable).")
def scan(files, images, camera, video, loop_video, as_json, stats, show, fps, duration, store, keys) -> None:
    """Decode and classify codes from images, a camera or a video file."""
    paths = list(images) + list(files)
    if sum(bool(x) for x in (paths, camera, video)) != 1:
        raise click.UsageError("give images (--image F...), --camera SPEC or --video FILE")
    context = _context(store, keys)
    try:
        if paths:
            sys.exit(_scan_images(paths, context, as_json, show))
        sys.exit(_scan_live(camera if camera is not None else video, loop_video, context, as_json, show, stats, fps,
                            duration))
    except DecoderUnavailable as error:
        raise click.ClickException(str(error)) from None


@click.group("tables")
def tables() -> None:
    """Table QR codes."""


@tables.command("make-codes")
@click.option("--store", required=True, help="Store id (as in the table URL).")
@click.option("--host", required=True, help="Host of the table URL, e.g. order.example.com.")
@click.option("--kid", required=True, help="Key id of the table key.")
@click.option("--key-file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The table key: hex or base64url text, at least 16 bytes.")
@click.option("--tables", "spec", required=True, help="Tables, e.g. 1-20 or 1-12,A1,A2.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
def make_codes(store, host, kid, key_file, spec, out_dir) -> None:
    """Write a PNG per table and a printable sheet (sheet.html); each PNG is read back to check it."""
    key = _read_key(key_file)
    try:
        cards = make_cards(host, store, kid, key, table_range(spec), Path(out_dir))
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    context = CodeContext(store, Keyring({kid: key}))
    import cv2  # heavy and optional: loaded by the command that reads the cards back, not at CLI start

    decoder = Decoder()
    for card in cards:
        reads = decoder.decode(cv2.imread(str(card.png), cv2.IMREAD_GRAYSCALE))
        codes = [classify_in(r.text, context, r.symbology) for r in reads]
        if not any(c.kind == "table" and c.fields.get("table") == card.table for c in codes):
            raise click.ClickException(f"{card.png} does not read back as table {card.table}")
        click.echo(f"table {card.table}: {card.png.name}  {card.url}")
    click.echo(f"wrote {len(cards)} cards; print {Path(out_dir) / 'sheet.html'}")
