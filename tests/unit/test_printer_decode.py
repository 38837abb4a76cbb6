"""Decoding ESC/POS streams back to tickets: our own tickets, split streams, hostile bytes."""

import dataclasses

from escpos.printer import Dummy
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.printer.tickets import KitchenTicket, TicketLine, render_kitchen_ticket
from edge.printer_profiles import get_profile
from edge.printer_sim.escpos_decode import MAX_TICKET_BYTES, DecodedTicket, EscPosDecoder, StatusReply, decode

TICKET = KitchenTicket(
    ticket_no="A017", station_code="dimsum", station_name="点心", service="dine_in", table="12",
    placed_at="2026-11-25 12:03",
    lines=(TicketLine("虾饺", 2, ("大",), ("少辣",)), TicketLine("凤爪", 1)),
    order_notes=("不要葱",), station_seq=7)
EXPECTED_80MM = """\
点心
桌 12               A017
2026-11-25 12:03                           #0007
------------------------------------------------
虾饺  ×2
  - 大
  * 少辣
凤爪  ×1
------------------- 整单备注 -------------------
  * 不要葱
------------------------------------------------"""


def render(ticket=TICKET, profile="80mm-gb18030"):
    return render_kitchen_ticket(ticket, get_profile(profile))


def feed_in_chunks(data: bytes, sizes: list[int]) -> list:
    decoder, events, pos, i = EscPosDecoder(), [], 0, 0
    while pos < len(data):
        size = sizes[i % len(sizes)] if sizes else len(data)
        events += decoder.feed(data[pos:pos + size])
        pos, i = pos + size, i + 1
    last = decoder.flush()
    return events + ([last] if last else [])


def test_kitchen_ticket_decodes_to_its_text():
    data = render()
    (ticket,) = decode(data)
    assert ticket.text == EXPECTED_80MM
    assert ticket.cut is True and ticket.raw == data and ticket.warnings == ()


def test_reprint_and_takeaway_are_visible():
    data = render(dataclasses.replace(TICKET, reprint=True, service="takeaway", table=None))
    text = decode(data)[0].text
    assert text.splitlines()[1].strip() == "补打 REPRINT"
    assert "外带 TAKEAWAY" in text and "A017" in text and "桌" not in text


@settings(max_examples=60)
@given(st.lists(st.integers(min_value=1, max_value=17), min_size=1, max_size=8))
def test_any_chunking_gives_the_same_tickets(sizes):
    data = render() + render(profile="58mm-gb18030") + render(dataclasses.replace(TICKET, reprint=True))
    assert feed_in_chunks(data, sizes) == feed_in_chunks(data, [])


def test_tickets_split_at_cut_and_at_reset_after_content():
    cut, torn = render(), render(profile="58mm-gbk")
    tickets = decode(torn + cut + torn)
    assert [t.cut for t in tickets] == [False, True, False]
    assert [t.raw for t in tickets] == [torn, cut, torn]
    assert "桌 12" in tickets[0].text and "虾饺  ×2" in tickets[0].text


def test_end_of_stream_ends_a_ticket_without_cut():
    decoder = EscPosDecoder()
    assert decoder.feed(b"\x1b@hello\nworld") == []
    ticket = decoder.flush()
    assert ticket == DecodedTicket("hello\nworld", b"\x1b@hello\nworld", cut=False)
    assert decoder.flush() is None


def test_a_cut_without_content_is_not_a_ticket():
    assert decode(b"\x1b@\x1bd\x05\x1dV\x00\x1b@\x1dVB\x03") == []


def test_status_queries_are_answered_even_when_split():
    decoder = EscPosDecoder()
    replies = [e for chunk in (b"\x10", b"\x04", b"\x01\x10\x04\x02\x10\x04\x03\x10\x04", b"\x04\x1dr", b"\x01")
               for e in decoder.feed(chunk)]
    assert replies == [StatusReply(b"\x10\x04\x01", b"\x16"), StatusReply(b"\x10\x04\x02", b"\x12"),
                       StatusReply(b"\x10\x04\x03", b"\x12"), StatusReply(b"\x10\x04\x04", b"\x12"),
                       StatusReply(b"\x1dr\x01", b"\x00")]


def test_epson_process_id_is_echoed():
    (reply,) = EscPosDecoder().feed(b"\x1d(H\x06\x00\x30\x30ABCD")
    assert reply.reply == b"\x37\x22ABCD\x00"


def test_gb18030_four_byte_character_split_across_chunks():
    data = b"\x1b@\x1c&" + "𠮷x".encode("gb18030") + b"\x1c.\x1dV\x00"
    assert feed_in_chunks(data, [4, 1, 1, 1])[0].text == "𠮷x"


def test_text_outside_chinese_mode_is_cp437():
    assert decode(b"caf\x82 \xcf\xba\x1dV\x00")[0].text == "café ╧║"


def test_images_barcodes_and_qr_codes_become_markers_and_image_data_is_skipped():
    printer = Dummy()
    printer.qr("https://m.example/t/s1/12", native=True)
    printer.barcode("A017", "CODE39", function_type="A")
    raster = b"\x1dv0\x00\x02\x00\x03\x00" + b"AAAAAA"
    (ticket,) = decode(b"\x1b@" + printer.output + raster + b"hi\n\x1dV\x00")
    assert ticket.text.splitlines() == ["[QR https://m.example/t/s1/12]", "[BARCODE A017]", "[IMAGE 16x3]", "hi"]


def test_unknown_command_is_skipped_with_a_warning():
    (ticket,) = decode(b"\x1b@\x1bQ\x05hello\x1b\x99\x1b@")
    assert ticket.text == "hello"
    assert ticket.cut is False
    assert len(ticket.warnings) == 2 and "ESC 0x51" in ticket.warnings[0]


@settings(max_examples=300)
@given(st.binary(max_size=600), st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=5))
def test_hostile_bytes_never_raise(data, sizes):
    events = feed_in_chunks(data, sizes)
    assert all(isinstance(e, (DecodedTicket, StatusReply)) for e in events)


@given(st.binary(max_size=200))
def test_hostile_bytes_inside_a_ticket_do_not_hide_the_cut(junk):
    data = b"\x1b@" + junk.replace(b"\x1d", b"").replace(b"\x1b", b"").replace(b"\x1c", b"").replace(b"\x10", b"") \
        + b"\nEND\x1dV\x00"
    tickets = decode(data)
    assert tickets[-1].cut and tickets[-1].text.endswith("END")


def test_huge_declared_image_is_skipped_not_buffered():
    decoder = EscPosDecoder()
    events = decoder.feed(b"\x1b@x\x1dv0\x00\xff\xff\xff\xff")
    for _ in range(40):
        events += decoder.feed(bytes(65536))
        assert decoder.buffered == 0
    (ticket,) = events
    assert ticket.text == "x\n[IMAGE 524280x65535]" and not ticket.cut
    assert len(ticket.raw) <= MAX_TICKET_BYTES + 65536
    assert "longer than" in ticket.warnings[0]
