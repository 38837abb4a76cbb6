"""Exact bytes of every ticket kind, for both encodings (golden files), and what must be in them.

Golden files live in tests/printer/golden/; after an intended layout change, regenerate them with
`EDGE_UPDATE_GOLDEN=1 pytest tests/printer/test_ticket_bytes.py` and review the diff of the .txt
renderings next to them.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from edge.printer.changes import ChangeTicket, render_change_ticket
from edge.printer.jobs import mark_reprint, render_job, ticket_from_json, ticket_json
from edge.printer.layout import display_width
from edge.printer.receipt import CustomerReceipt, ReceiptLine, render_receipt
from edge.printer.sanitize import clip
from edge.printer.testpage import render_test_page
from edge.printer.tickets import KitchenTicket, TicketLine, render_kitchen_ticket
from edge.printer_profiles import get_profile
from edge.printer_sim.escpos_decode import decode

GOLDEN = Path(__file__).with_name("golden")
KITCHEN = KitchenTicket(
    ticket_no="A017", station_code="dimsum", station_name="点心", service="dine_in", table="12",
    placed_at="2026-11-25 12:03", lines=(TicketLine("虾饺", 2, ("大",), ("少辣",)), TicketLine("𠮷野家饭", 1)),
    order_notes=("不要葱",), station_seq=7)
ADD = ChangeTicket(kind="add", ticket_no="A017", station_code="dimsum", station_name="点心", service="dine_in",
                   table="12", placed_at="2026-11-25 12:20", lines=(TicketLine("凤爪", 1, (), ("走葱",)),),
                   station_seq=9)
VOID = dataclasses.replace(ADD, kind="void", lines=(TicketLine("虾饺", 2),), station_seq=10, reason="客人取消")
RECEIPT = CustomerReceipt(
    shop_name="粤点茶楼", ticket_no="A017", service="dine_in", table="12", placed_at="2026-11-25 12:03",
    lines=(ReceiptLine("水晶虾饺皇", 2, 5600, ("大",)), ReceiptLine("港式奶茶", 1, 2000)), total=7600,
    payment="wechat", paid=True, pickup_code="MT1P.k1.eyJuIjoiQTAxNyJ9.abcdefghijklmnopqrstuv")

CASES = {
    "kitchen-80mm-gb18030": (KITCHEN, "80mm-gb18030"),
    "kitchen-80mm-gbk": (KITCHEN, "80mm-gbk"),
    "kitchen-58mm-gbk": (KITCHEN, "58mm-gbk"),
    "kitchen-reprint-transfer-76mm": (dataclasses.replace(KITCHEN, reprint=True, transferred_from="点心"),
                                      "76mm-gb18030"),
    "add-80mm-gb18030": (ADD, "80mm-gb18030"),
    "void-80mm-gbk": (VOID, "80mm-gbk"),
    "receipt-80mm-gb18030": (RECEIPT, "80mm-gb18030"),
    "receipt-58mm-gbk": (RECEIPT, "58mm-gbk"),
}


def _render(ticket, profile: str) -> bytes:
    renderers = {KitchenTicket: render_kitchen_ticket, ChangeTicket: render_change_ticket,
                 CustomerReceipt: render_receipt}
    return renderers[type(ticket)](ticket, get_profile(profile))


@pytest.mark.parametrize("name", sorted(CASES))
def test_exact_bytes_match_the_golden_file(name):
    data = _render(*CASES[name])
    path = GOLDEN / f"{name}.bin"
    if os.environ.get("EDGE_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(data)
        path.with_suffix(".txt").write_text(decode(data)[0].text + "\n", encoding="utf-8")
    assert data == path.read_bytes(), f"{name}: bytes changed; see {path.with_suffix('.txt')}"


def test_a_minimal_kitchen_ticket_byte_for_byte():
    ticket = KitchenTicket(ticket_no="A1", station_code="s", station_name="点心", service="takeaway", table=None,
                           placed_at="12:03", lines=(TicketLine("虾饺", 2),), order_notes=(), station_seq=1)
    for encoding, profile in (("gb18030", "80mm-gb18030"), ("gbk", "80mm-gbk")):
        gb = lambda s, encoding=encoding: s.encode(encoding)  # noqa: E731
        style = lambda w, h, bold, invert, align: (  # noqa: E731
            b"\x1d!" + bytes(((w - 1) << 4 | (h - 1),)) + b"\x1bE" + bytes((bold,)) + b"\x1bG" + bytes((bold,))
            + b"\x1dB" + bytes((invert,)) + b"\x1ba" + bytes((align,)))
        data = render_kitchen_ticket(ticket, get_profile(profile))
        assert data.startswith(b"\x1b@\x1c&")
        assert gb("点心") in data and gb("外带 TAKEAWAY") in data and gb("虾饺  ×2") in data
        assert data.endswith(b"\x1c.\x1bB\x02\x03\x1bd\x06\x1dV\x01")
        assert b"#0001" in data
        assert style(2, 2, 1, 0, 0)[:3] in data


def test_both_encodings_differ_only_where_gbk_cannot_print():
    gb18030 = _render(KITCHEN, "80mm-gb18030")
    gbk = _render(KITCHEN, "80mm-gbk")
    assert "𠮷".encode("gb18030") in gb18030 and "𠮷".encode("gb18030") not in gbk
    assert gbk == gb18030.replace("𠮷".encode("gb18030"), "〓".encode("gbk"))


def test_change_tickets_show_only_the_changed_lines_under_a_big_banner():
    add = decode(_render(ADD, "80mm-gb18030"))[0].text
    void = decode(_render(VOID, "80mm-gb18030"))[0].text
    assert "加菜 ADD" in add and "凤爪  ×1" in add and "走葱" in add and "虾饺" not in add and "#0009" in add
    assert "退菜 VOID" in void and "退 虾饺  ×2" in void and "原因: 客人取消" in void and "#0010" in void
    assert b"\x1dB\x01" in _render(VOID, "80mm-gb18030")  # 退菜 inverted
    with pytest.raises(ValueError, match="at least one"):
        dataclasses.replace(ADD, lines=())


def test_receipt_has_qr_totals_and_payment_channel_and_no_beep():
    data = _render(RECEIPT, "80mm-gb18030")
    text = decode(data)[0].text
    assert "取餐号 A017" in text and "￥56.00" in text and "￥76.00" in text and "微信支付" in text
    assert f"[QR {RECEIPT.pickup_code}]" in text
    assert b"\x1d(k" in data and RECEIPT.pickup_code.encode() in data
    assert b"\x1bB" not in data
    unpaid = decode(_render(dataclasses.replace(RECEIPT, paid=False), "80mm-gb18030"))[0].text
    assert "待付款 UNPAID" in unpaid
    no_code = _render(dataclasses.replace(RECEIPT, pickup_code=""), "58mm-gb18030")
    assert b"\x1d(k" not in no_code


def test_raster_profile_sends_images_and_no_chinese_text():
    data = _render(KITCHEN, "80mm-raster")
    assert b"\x1c&" not in data and "虾饺".encode("gb18030") not in data
    assert data.startswith(b"\x1b@\x1dv0\x00") and data.endswith(b"\x1dV\x01")
    (ticket,) = decode(data)
    assert ticket.text.startswith("[IMAGE 576x") and ticket.cut
    from edge.printer_sim.png import ticket_image

    image = ticket_image(data)
    assert image.width == 576 and image.height > 300
    assert 0.02 < sum(image.histogram()[:128]) / (image.width * image.height) < 0.4
    receipt = _render(RECEIPT, "58mm-raster")
    assert b"\x1d(k" in receipt and decode(receipt)[0].text.startswith("[IMAGE 384x")


def test_a_2000_character_note_is_cut_visibly():
    note = "多" * 2000
    ticket = dataclasses.replace(KITCHEN, order_notes=(note,))
    text = decode(_render(ticket, "80mm-gb18030"))[0].text
    assert "…(后略 1880 字 / 1880" in text and "more chars cut)" in text
    assert text.count("多") == 120
    assert clip("short", 10) == "short"
    for line in text.splitlines():
        assert display_width(line) <= 48


def test_control_bytes_in_every_field_print_as_text():
    hostile = dataclasses.replace(
        RECEIPT, shop_name="店\x1b@", ticket_no="A017\x1dV\x00", table="1\x10\x04\x01",
        lines=(ReceiptLine("虾\x1bB\x09\x09饺", 1, 100, ("\x1c.大",)),), pickup_code="MT1P\x1dV\x00x")
    data = _render(hostile, "80mm-gb18030")
    assert data.count(b"\x1b@") == 1 and data.count(b"\x1dV") == 1 and b"\x10\x04" not in data
    change = dataclasses.replace(VOID, reason="\x1b@\x1dV走", lines=(TicketLine("\x1dV虾饺", 1),))
    data = _render(change, "80mm-gb18030")
    assert data.count(b"\x1b@") == 1 and data.count(b"\x1dV") == 1


def test_ticket_data_round_trips_through_json_and_renders_with_banners():
    for ticket, profile in CASES.values():
        doc = ticket_json(ticket)
        kind = {KitchenTicket: "kitchen", ChangeTicket: "change", CustomerReceipt: "receipt"}[type(ticket)]
        back = ticket_from_json(kind, doc, reprint=ticket.reprint, transferred_from=ticket.transferred_from)
        assert back == ticket
        again = render_job(kind, doc, get_profile(profile), reprint=True, transferred_from="水吧")
        text = decode(again)[0].text
        assert "补打 REPRINT" in text and "转自 水吧" in text


def test_stored_bytes_without_data_get_the_reprint_banner_after_init():
    for profile in ("80mm-gb18030", "58mm-gbk", "80mm-raster"):
        data = _render(KITCHEN, profile)
        marked = mark_reprint(data, get_profile(profile))
        assert marked.count(b"\x1b@") == data.count(b"\x1b@")
        if not get_profile(profile).raster:
            assert decode(marked)[0].text.strip().startswith("补打 REPRINT")


def test_test_page_prints_both_encodings_raster_rulers_and_qr():
    data = render_test_page(get_profile("58mm-gb18030"), "tcp://10.0.0.5:9100", "2026-11-25 12:00")
    assert "𠮷".encode("gb18030") in data and "〓".encode("gbk") in data
    assert b"\x1dv0" in data and b"\x1d(k" in data
    text = decode(data)[0].text
    for columns in (32, 42, 48):
        assert f"{columns}:" in text
    assert "[QR MATOU-PRINT-TEST]" in text and "58mm-gb18030" in text
