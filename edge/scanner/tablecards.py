"""Table cards: one PNG per table (QR + label) and a printable A4 sheet (HTML) of all of them.

The QR carries the signed table URL (`edge.tables.make_table_url`) at error correction level M
with the standard 4-module quiet zone, 10 px per module (about 3 cm wide at 300 dpi for a
version-4 code, readable from a kiosk camera at arm's length). The PNG label is ASCII (Pillow's
built-in font has no CJK); the HTML sheet carries the Chinese label and lets the browser's CJK
fonts draw it, 2 x 3 cards per A4 page with cut lines.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from edge.tables import make_table_url

MODULE_PX = 10


@dataclass(frozen=True)
class Card:
    table: str
    url: str
    png: Path


def card_png(url: str, label: str, path: Path, module_px: int = MODULE_PX) -> Path:
    """Write the QR of `url` with 'Table <label>' under it as a PNG."""
    import qrcode  # heavy and optional (qrcode, Pillow): loaded when a card is drawn
    from PIL import Image, ImageDraw, ImageFont

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module_px, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    font = ImageFont.load_default(size=max(16, code.width // 9))
    text = f"Table {label}"
    box = ImageDraw.Draw(code).textbbox((0, 0), text, font=font)
    card = Image.new("L", (code.width, code.height + (box[3] - box[1]) + module_px * 4), 255)
    card.paste(code, (0, 0))
    ImageDraw.Draw(card).text(((card.width - (box[2] - box[0])) // 2, code.height), text, fill=0, font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    card.save(path, format="PNG", dpi=(300, 300))
    return path


SHEET_STYLE = """
@page { size: A4; margin: 10mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", sans-serif; margin: 0; }
.sheet { display: grid; grid-template-columns: repeat(2, 1fr); gap: 0; }
.card { border: 1px dashed #999; padding: 6mm; text-align: center; height: 85mm; box-sizing: border-box;
        break-inside: avoid; }
.card img { width: 55mm; height: auto; image-rendering: pixelated; }
.card .zh { font-size: 20pt; font-weight: bold; margin: 1mm 0 0; }
.card .en { font-size: 11pt; color: #333; margin: 0; }
.card .store { font-size: 8pt; color: #777; margin: 1mm 0 0; }
"""


def sheet_html(cards: list[Card], store: str, out_dir: Path) -> str:
    """A self-contained page (images by relative path) that prints the cards 2 x 3 per A4 page."""
    items = []
    for card in cards:
        label = html.escape(card.table)
        items.append(
            f'<div class="card"><img src="{html.escape(card.png.relative_to(out_dir).as_posix())}" '
            f'alt="table {label}"><p class="zh">桌号 {label} · 扫码点餐</p>'
            f'<p class="en">Table {label} · scan to order</p><p class="store">{html.escape(store)}</p></div>')
    return ("<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(store)} table codes</title><style>{SHEET_STYLE}</style></head>\n"
            f"<body><div class=\"sheet\">\n" + "\n".join(items) + "\n</div></body></html>\n")


def make_cards(host: str, store: str, kid: str, key: bytes, tables: list[str], out_dir: Path) -> list[Card]:
    """PNG per table + sheet.html in `out_dir`; returns the cards written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cards = []
    for table in tables:
        url = make_table_url(host, store, table, kid, key)
        cards.append(Card(table, url, card_png(url, table, out_dir / f"table-{table}.png")))
    (out_dir / "sheet.html").write_text(sheet_html(cards, store, out_dir), encoding="utf-8")
    return cards
