"""The bytes of kitchen tickets."""

import dataclasses

import pytest

from edge.printer.layout import display_width
from edge.printer.tickets import KitchenTicket, TicketLine, render_kitchen_ticket
from edge.printer_profiles import PROFILES, get_profile
from edge.printer_sim.escpos_decode import decode

INIT, CHINESE_ON, CHINESE_OFF = b"\x1b@", b"\x1c&", b"\x1c."
PARTIAL_CUT, BEEP, INVERT_ON = b"\x1dV\x01", b"\x1bB\x02\x03", b"\x1dB\x01"
GB = "gb18030"

TICKET = KitchenTicket(
    ticket_no="A017", station_code="dimsum", station_name="点心", service="dine_in", table="12",
    placed_at="2026-11-25 12:03",
    lines=(TicketLine("虾饺", 2, ("大",), ("少辣",)), TicketLine("凤爪", 1)),
    order_notes=("不要葱",), station_seq=7)


def render(ticket=TICKET, profile="80mm-gb18030"):
    return render_kitchen_ticket(ticket, get_profile(profile))


def test_starts_with_init_then_chinese_mode():
    assert render().startswith(INIT + CHINESE_ON)


def test_chinese_text_is_gb18030_inside_chinese_mode():
    data = render()
    dish = "虾饺".encode(GB)
    assert data.index(CHINESE_ON) < data.index(dish) < data.index(CHINESE_OFF)
    assert "少辣".encode(GB) in data and "不要葱".encode(GB) in data and b"A017" in data


def test_ends_with_beep_then_partial_cut():
    data = render()
    assert data.endswith(PARTIAL_CUT)
    assert data.index(CHINESE_OFF) < data.index(BEEP) < data.rindex(PARTIAL_CUT)
    assert data.count(b"\x1dV") == 1


def test_control_bytes_in_names_and_notes_add_no_command():
    hostile = dataclasses.replace(
        TICKET, table="12\x1b@", ticket_no="A017\x10\x04\x01",
        lines=(TicketLine("虾饺\x1b@\x1dV", 2, ("大\x1c.",), ("少辣\x1bB\x09\x09",)), TicketLine("凤爪", 1)),
        order_notes=("不要葱\x1dV\x00",))
    plain = dataclasses.replace(
        TICKET, lines=(TicketLine("虾饺@V", 2, ("大.",), ("少辣B",)), TicketLine("凤爪", 1)),
        order_notes=("不要葱V",), table="12@", ticket_no="A017")
    data = render(hostile)
    assert data == render(plain)
    assert data.count(INIT) == 1 and data.count(b"\x1dV") == 1 and data.count(CHINESE_OFF) == 1


def test_reprint_banner_only_when_reprinting():
    banner = "补打 REPRINT".encode(GB)
    assert banner not in render() and INVERT_ON not in render()
    data = render(dataclasses.replace(TICKET, reprint=True))
    assert banner in data
    assert data.index(INVERT_ON) < data.index(banner)


def test_58mm_profile_has_no_cut_and_ends_with_feed_and_reset():
    data = render(profile="58mm-gb18030")
    assert b"\x1dV" not in data and BEEP not in data
    assert data.endswith(CHINESE_OFF + b"\x1bd\x04" + INIT)


def test_gbk_profile_prints_a_placeholder_for_characters_outside_gbk():
    ticket = dataclasses.replace(TICKET, lines=(TicketLine("𠮷野家饭", 1),))
    assert "𠮷".encode(GB) in render(ticket)
    gbk = render(ticket, "80mm-gbk")
    assert "〓野家饭".encode("gbk") in gbk and "𠮷".encode(GB) not in gbk


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_line_fits_the_paper(profile):
    long = dataclasses.replace(TICKET, lines=(
        TicketLine("特别长的菜名" * 6, 12, ("extra large portion with everything on it",), ("走葱" * 20,)),))
    columns = get_profile(profile).columns
    (ticket,) = decode(render(long, profile))
    for line in ticket.text.splitlines():
        limit = columns // 2 if line.startswith("桌") else columns
        assert display_width(line) <= limit, line


def test_invalid_tickets_are_refused():
    with pytest.raises(ValueError, match="quantity"):
        TicketLine("虾饺", 0)
    with pytest.raises(ValueError, match="service"):
        dataclasses.replace(TICKET, service="delivery")


def test_unknown_profile_lists_the_valid_ones():
    with pytest.raises(ValueError, match="58mm-gb18030, 58mm-gbk, 58mm-raster, 76mm-gb18030, 80mm-epson,"
                                         " 80mm-gb18030, 80mm-gbk, 80mm-raster"):
        get_profile("80mm")
