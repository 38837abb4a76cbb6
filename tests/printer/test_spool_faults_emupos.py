"""The same faults against emupos, an independent ESC/POS emulator (second oracle): its own status
replies, its own holding of print data while paper is out, its own receipts decoded back.
Faults emupos has no switch for (no reply, reset mid-job) go through a loopback fault proxy."""

from __future__ import annotations

import time

import pytest

from tests.printer.conftest import check_tickets, read_paper
from tests.support import wait_for as wait_until
from tests.printer.faultproxy import FaultProxy


def states(core) -> dict[str, dict]:
    return core.service.spool.printer_states()


@pytest.mark.parametrize("fault", ["paper-out", "cover-open", "offline"])
def test_emupos_fault_holds_jobs_then_they_print_in_order(emupos, core_factory, fault):
    emu = emupos("dimsum", "bar")
    core = core_factory({"dimsum": emu.url("dimsum"), "bar": emu.url("bar")})
    core.order("dimsum")
    wait_until(core.all_printed, 10, "first job confirmed by emupos")
    assert states(core)["dimsum"]["state"] == "ok"
    emu.fault("dimsum", fault)
    for _ in range(3):
        core.order("dimsum", "bar")
    detail = fault.replace("-", " ")
    wait_until(lambda: detail in states(core)["dimsum"]["detail"], 5, f"dimsum reports {detail}")
    assert states(core)["dimsum"]["state"] == "problem"
    wait_until(lambda: len(emu.complete_texts("bar")) == 3, 10, "bar printed meanwhile")
    assert len(emu.complete_texts("dimsum")) == 1
    emu.fault("dimsum", fault, active=False)
    wait_until(core.all_printed, 15, "held jobs printed")
    texts = emu.complete_texts("dimsum")
    check_tickets(texts, {"点心": 4})
    assert [read_paper(t).seq for t in texts] == [1, 2, 3, 4]
    assert not any(read_paper(t).reprint for t in texts)


def test_emupos_no_reply_is_unknown_and_jobs_wait(emupos, core_factory):
    emu = emupos("dimsum")
    proxy = FaultProxy(emu.ports["dimsum"]).start()
    try:
        core = core_factory({"dimsum": proxy.url})
        core.order("dimsum")
        wait_until(core.all_printed, 10, "first job confirmed")
        proxy.mode = "hang"
        core.order("dimsum")
        wait_until(lambda: states(core)["dimsum"]["state"] == "unknown", 5, "unknown status")
        assert "no reply" in states(core)["dimsum"]["detail"]
        time.sleep(0.5)
        assert [j["state"] for j in core.jobs()] == ["printed", "queued"]
        proxy.mode = "pass"
        wait_until(core.all_printed, 10, "printed once the printer answers")
        check_tickets(emu.complete_texts("dimsum"), {"点心": 2})
    finally:
        proxy.stop()


def test_emupos_connection_reset_mid_job_reprints_marked(emupos, core_factory):
    emu = emupos("dimsum")
    proxy = FaultProxy(emu.ports["dimsum"]).start()
    try:
        core = core_factory({"dimsum": proxy.url})
        core.order("dimsum")
        wait_until(core.all_printed, 10, "first job confirmed")
        proxy.reset_after, proxy.mode = 12 + 150, "reset"  # the status query, then part of the ticket
        core.order("dimsum", qty=2)
        wait_until(core.all_printed, 10, "the job printed after the reset")
        wait_until(lambda: len(emu.receipts("dimsum")) == 3, 5, "emupos receipts")
        receipts = emu.receipts("dimsum")
        torn = [r["boundary"] for r in receipts if r["boundary"] != "cut"]  # ends by close or idle timeout
        assert len(receipts) == 3 and torn in (["connection-closed"], ["idle-timeout"])
        seen = check_tickets(emu.complete_texts("dimsum"), {"点心": 2})
        assert [p.reprint for p in seen[("点心", 2)]] == [True]
    finally:
        proxy.stop()


def test_emupos_restart_jobs_wait_and_print_after(emupos, core_factory):
    emu = emupos("dimsum", "bar")
    core = core_factory({"dimsum": emu.url("dimsum"), "bar": emu.url("bar")})
    core.order("dimsum")
    wait_until(core.all_printed, 10, "first job confirmed")
    emu.stop()
    for _ in range(2):
        core.order("dimsum", "bar")
    wait_until(lambda: "unreachable" in states(core)["dimsum"]["detail"], 5, "unreachable")
    assert states(core)["dimsum"]["state"] == "problem"
    emu.start()  # back on, empty: the receipts directory keeps the first ticket
    wait_until(core.all_printed, 15, "backlog printed after the restart")
    texts = emu.complete_texts("dimsum")
    check_tickets(texts, {"点心": 3})
    check_tickets(emu.complete_texts("bar"), {"水吧": 2})


def test_emupos_status_bytes_are_read_as_ok_and_near_end_as_a_warning(emupos, core_factory):
    emu = emupos("dimsum")
    core = core_factory({"dimsum": emu.url("dimsum")})
    emu.fault("dimsum", "paper-near-end")
    core.order("dimsum")
    wait_until(core.all_printed, 10, "printed with paper near end")
    state = states(core)["dimsum"]
    assert state["state"] == "ok" and state["warning"] == "paper near end"
