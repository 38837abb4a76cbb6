"""Status replies -> ok / problem / unknown; no reply and garbage are never "ok"."""

import pytest

from edge.printer.status import (CONFIRM_GS_R, STATUS_REQUEST, confirm_reply, confirm_request, is_dle_eot_reply,
                                 is_gs_r_reply, parse_status)
from edge.printer_sim.status_replies import FaultState, status_reply


def replies(state: FaultState) -> bytes:
    return b"".join(status_reply(STATUS_REQUEST[i:i + 3], state) for i in range(0, 12, 3))


@pytest.mark.parametrize(("state", "expected", "detail"), [
    (FaultState(), "ok", "ready"),
    (FaultState(paper_out=True), "problem", "paper out"),
    (FaultState(cover_open=True), "problem", "cover open"),
    (FaultState(offline=True), "problem", "offline"),
    (FaultState(paper_out=True, cover_open=True), "problem", "paper out, cover open"),
])
def test_fault_states_round_trip(state, expected, detail):
    status = parse_status(replies(state))
    assert (status.state, status.detail) == (expected, detail)


@pytest.mark.parametrize(("raw", "detail"), [
    (b"", "no reply"),
    (b"\x16\x12", "2 status bytes instead of 4"),
    (b"\xff\xff\xff\xff", "malformed status byte 0xFF"),
    (b"\x00\x00\x00\x00", "malformed status byte 0x00"),
    (b"\x16\x12\x12\x12\x12", "5 status bytes"),
    (b"OK\r\n", "malformed"),
])
def test_no_reply_or_garbage_is_unknown_never_ok(raw, detail):
    status = parse_status(raw)
    assert status.state == "unknown" and detail in status.detail and not status.ok


def test_paper_near_end_is_ok_with_a_warning():
    status = parse_status(b"\x16\x12\x12\x1e")
    assert status.state == "ok" and status.warning == "paper near end"


def test_error_bits_are_problems():
    assert parse_status(b"\x1e\x12\x1a\x12").detail == "cutter error"
    assert parse_status(b"\x1e\x52\x12\x12").detail == "error"


def test_status_and_confirmation_bytes_can_be_told_apart():
    for byte in range(256):
        assert not (is_dle_eot_reply(byte) and is_gs_r_reply(byte))
    assert all(is_dle_eot_reply(b) for b in replies(FaultState(paper_out=True)))
    assert is_gs_r_reply(status_reply(CONFIRM_GS_R)[0])


def test_epson_process_id_confirmation_names_the_job():
    request = confirm_request("gs_paren_h", 10042)
    assert request == b"\x1d(H\x06\x0000" + b"0042"
    assert status_reply(request) == confirm_reply("gs_paren_h", 10042) == b"\x37\x22" + b"0042" + b"\x00"
    assert confirm_request("gs_r", 1) == CONFIRM_GS_R and confirm_reply("gs_r", 1) is None


def test_fault_replies_follow_the_epson_layout():
    paper = FaultState(paper_out=True)
    assert status_reply(b"\x10\x04\x01", paper) == b"\x1e"
    assert status_reply(b"\x10\x04\x02", paper) == b"\x32"
    assert status_reply(b"\x10\x04\x04", paper) == b"\x7e"
    assert status_reply(b"\x1dr\x01", paper) == b"\x0f"
    assert status_reply(b"\x10\x04\x02", FaultState(cover_open=True)) == b"\x16"
