"""Every printer fault against printer-sim, through the real core and spool: 0 lost tickets, every
re-send marked 补打 REPRINT, per-station sequence numbers consistent, other printers unaffected."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from edge.printer_sim.escpos_decode import decode
from tests.printer.conftest import check_tickets, complete_texts, read_paper, station_name
from tests.support import free_port, wait_for as wait_until


def urls(sims) -> dict[str, str]:
    return {name: f"tcp://127.0.0.1:{sim.port}" for name, sim in sims.items()}


def states(core) -> dict[str, dict]:
    return core.service.spool.printer_states()


@pytest.mark.parametrize("fault", ["paper-out", "cover-open", "offline"])
def test_fault_before_jobs_holds_them_then_they_print_in_order(sims, core_factory, fault):
    printers = sims("dimsum", "kitchen", "bar")
    core = core_factory(urls(printers))
    core.order("dimsum")
    wait_until(core.all_printed, 5, "first job confirmed")
    printers["dimsum"].set_fault(fault)
    for _ in range(3):
        core.order("dimsum", "bar")
    detail = fault.replace("-", " ")
    wait_until(lambda: states(core)["dimsum"]["state"] == "problem" and detail in states(core)["dimsum"]["detail"],
               5, f"dimsum: problem ({detail})")
    printers["bar"].wait_for_tickets(3, timeout=5)  # the other printer carries on
    waiting = lambda: [j for j in core.jobs() if j["printer"] == "dimsum" and j["state"] == "queued"]  # noqa: E731
    wait_until(lambda: len(waiting()) == 3 and all(detail in (j["last_error"] or "") for j in waiting()), 5,
               "every waiting job says why")
    time.sleep(0.5)
    assert len(printers["dimsum"].tickets) == 1
    printers["dimsum"].clear_fault(fault)
    wait_until(core.all_printed, 10, "all jobs printed")
    seen = check_tickets(complete_texts(printers["dimsum"]), {"点心": 4})
    assert [read_paper(t).seq for t in complete_texts(printers["dimsum"])] == [1, 2, 3, 4]
    assert not any(p.reprint for papers in seen.values() for p in papers)
    assert states(core)["dimsum"]["state"] == "ok"


def test_paper_out_in_the_middle_of_a_job_is_held_then_printed_once(sims, core_factory):
    printers = sims("dimsum", slow_bps=600)
    core = core_factory(urls(printers))
    core.order("dimsum")
    wait_until(core.all_printed, 5, "first job confirmed")
    printers["dimsum"].set_fault("slow")
    before = printers["dimsum"].received
    core.order("dimsum", qty=3)
    wait_until(lambda: printers["dimsum"].received > before + 40, 5, "the job to start arriving")
    printers["dimsum"].set_fault("paper-out")
    wait_until(lambda: states(core)["dimsum"]["detail"] == "paper out", 5, "paper out reported while waiting")
    job = core.jobs()[-1]
    assert job["state"] in ("sending", "sent")
    time.sleep(1.0)
    assert len(printers["dimsum"].tickets) == 1  # held inside the printer
    printers["dimsum"].clear_fault("paper-out")
    wait_until(core.all_printed, 10, "the held job confirmed")
    texts = complete_texts(printers["dimsum"])
    check_tickets(texts, {"点心": 2})
    assert len(texts) == 2 and core.jobs()[-1]["reprint"] == 0  # printed once: no duplicate


def test_no_reply_is_unknown_never_ok_and_jobs_wait(sims, core_factory):
    printers = sims("dimsum", "bar")
    core = core_factory(urls(printers))
    core.order("dimsum")
    printers["dimsum"].wait_for_tickets(1)
    wait_until(core.all_printed, 5, "first job confirmed")
    printers["dimsum"].set_fault("no-reply")
    core.order("dimsum", "bar")
    wait_until(lambda: states(core)["dimsum"]["state"] == "unknown", 5, "dimsum unknown")
    assert "no reply" in states(core)["dimsum"]["detail"]
    printers["bar"].wait_for_tickets(1, timeout=5)
    assert [j["state"] for j in core.jobs() if j["printer"] == "dimsum"] == ["printed", "queued"]
    printers["dimsum"].clear_fault("no-reply")
    wait_until(core.all_printed, 10, "all printed after the printer answers again")
    check_tickets(complete_texts(printers["dimsum"]), {"点心": 2})
    assert states(core)["dimsum"]["state"] == "ok"


def test_connection_reset_mid_job_reprints_it_marked(sims, core_factory):
    printers = sims("dimsum")
    core = core_factory(urls(printers))
    core.order("dimsum")
    wait_until(core.all_printed, 5, "first job confirmed")
    printers["dimsum"].set_fault("reset", after=120)
    core.order("dimsum", qty=2)
    wait_until(core.all_printed, 10, "the job printed after the reset")
    texts = complete_texts(printers["dimsum"])
    seen = check_tickets(texts, {"点心": 2})
    assert [p.reprint for p in seen[("点心", 2)]] == [True]
    job = core.jobs()[-1]
    assert job["reprint"] == 1 and job["attempts"] >= 2


def test_printer_restart_while_jobs_wait_and_while_one_is_sending(sims, core_factory):
    printers = sims("dimsum", "bar", slow_bps=800)
    core = core_factory(urls(printers))
    sim = printers["dimsum"]
    sim.set_fault("power-off")
    for _ in range(3):
        core.order("dimsum", "bar")
    wait_until(lambda: "unreachable" in states(core)["dimsum"]["detail"], 5, "dimsum unreachable")
    assert states(core)["dimsum"]["state"] == "problem"
    printers["bar"].wait_for_tickets(3, timeout=5)
    sim.clear_fault("power-off")
    wait_until(core.all_printed, 10, "backlog printed after power-on")
    assert not any(read_paper(t).reprint for t in complete_texts(sim))  # never sent before: no banner
    sim.set_fault("slow")
    received = sim.received
    core.order("dimsum", qty=4)
    wait_until(lambda: sim.received > received + 40, 5, "the job to start arriving")
    sim.restart(down_s=0.3)  # power cycle mid-job: the printer loses what it had
    sim.clear_fault("slow")
    wait_until(core.all_printed, 10, "the interrupted job printed again")
    seen = check_tickets(complete_texts(sim), {"点心": 4})
    assert all(p.reprint for p in seen[("点心", 4)])


def test_slow_printer_prints_without_false_alarms(sims, core_factory):
    printers = sims("dimsum", slow_bps=1500)
    printers["dimsum"].set_fault("slow")
    core = core_factory(urls(printers))
    for _ in range(3):
        core.order("dimsum")
    wait_until(core.all_printed, 10, "slow printer done")
    seen = check_tickets(complete_texts(printers["dimsum"]), {"点心": 3})
    assert not any(p.reprint for papers in seen.values() for p in papers)


def test_one_dead_printer_does_not_delay_the_others(sims, core_factory):
    printers = sims("kitchen", "bar")
    printers["kitchen"].set_fault("no-reply")  # accepts connections, never answers
    refused = free_port()
    core = core_factory({"dimsum": f"tcp://127.0.0.1:{refused}", **urls(printers)})
    printed_at: dict[int, float] = {}
    printers["bar"].on_ticket = lambda ticket, number, path: printed_at.setdefault(number, time.monotonic())
    placed = []
    for _ in range(8):
        placed.append(time.monotonic())
        core.order("dimsum", "kitchen", "bar")
        time.sleep(0.15)
    printers["bar"].wait_for_tickets(8, timeout=5)
    delays = [printed_at[n + 1] - placed[n] for n in range(8)]
    assert max(delays) < 0.6, delays
    assert states(core)["dimsum"]["state"] == "problem" and states(core)["kitchen"]["state"] == "unknown"
    assert all(j["state"] == "queued" for j in core.jobs() if j["printer"] == "dimsum")


def test_failover_to_a_backup_printer_says_transferred_from(sims, core_factory):
    printers = sims("bar", columns=32)
    core = core_factory({"dimsum": {"url": f"tcp://127.0.0.1:{free_port()}", "backup": "bar"},
                         "bar": {"url": f"tcp://127.0.0.1:{printers['bar'].port}", "profile": "58mm-gb18030"}})
    core.order("dimsum", "bar")
    core.order("dimsum")
    wait_until(core.all_printed, 10, "dimsum's tickets printed on the backup")
    tickets = printers["bar"].tickets
    moved = [read_paper(t.text) for t in tickets if "转自" in t.text]
    assert sorted(p.seq for p in moved) == [1, 2]
    assert all(p.station == "点心" and p.transferred == "点心" and not p.reprint for p in moved)
    for ticket in tickets:  # rendered again for the backup's 58 mm paper: tear-off ending, 32 columns
        assert ticket.raw.endswith(b"\x1bd\x04\x1b@")
    jobs = [j for j in core.jobs() if j["station_id"] == "dimsum"]
    assert all(j["printer"] == "bar" and j["origin_printer"] == "dimsum" for j in jobs)


def test_jobs_left_sending_at_start_are_reprinted_marked(sims, core_factory, tmp_path):
    from edge.core.service import EdgeService
    from tests.conftest import make_config
    from tests.printer.conftest import FAST

    printers = sims("dimsum", "bar")
    text = "".join(f'[printers.{n}]\nurl = "tcp://127.0.0.1:{s.port}"\n' for n, s in printers.items())
    config = make_config(tmp_path / "crash", None, extra=text + '[stations]\ndimsum = "dimsum"\nbar = "bar"\n')
    service = EdgeService(config).open(start_printing=False)
    for n in range(3):
        service.place_order({"client_token": f"c{n}", "lines": [{"item_id": "har_gow", "qty": 1},
                                                               {"item_id": "milk_tea", "qty": 1}]})
    ids = [r[0] for r in service.db.execute("SELECT id FROM print_jobs ORDER BY created_wall_ms, rowid")]
    service.db.execute("UPDATE print_jobs SET state = 'sending' WHERE id = ?", [ids[0]])
    service.db.execute("UPDATE print_jobs SET state = 'sent' WHERE id = ?", [ids[1]])
    service.db.execute("UPDATE print_jobs SET state = 'printed' WHERE id = ?", [ids[2]])
    service.db.conn.commit()
    for worker in service.spool.workers.values():
        worker.timing = FAST
    service.spool.start()
    try:
        assert sorted(service.spool.recovered) == sorted(ids[:2])
        wait_until(lambda: len(printers["dimsum"].tickets) + len(printers["bar"].tickets) == 5, 10, "5 tickets")
        texts = [t.text for s in printers.values() for t in s.tickets]
        marked = [read_paper(t) for t in texts if "补打 REPRINT" in t]
        assert len(marked) == 2
    finally:
        service.close()


def test_garbage_status_is_unknown_and_a_silent_printer_is_never_confirmed(core_factory):
    server = socket.create_server(("127.0.0.1", 0))
    received = bytearray()

    def garbage_printer():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(3)
                try:
                    while data := conn.recv(4096):
                        received.extend(data)
                        conn.sendall(b"\xff")
                except OSError:
                    pass

    threading.Thread(target=garbage_printer, daemon=True).start()
    try:
        core = core_factory({"dimsum": f"tcp://127.0.0.1:{server.getsockname()[1]}"})
        core.order("dimsum")
        wait_until(lambda: core.jobs()[0]["unconfirmed"], 10, "job delivered, not confirmed")
        state = states(core)["dimsum"]
        assert state["state"] == "unknown" and "malformed status byte 0xFF" in state["detail"]
        job = core.jobs()[0]
        assert job["state"] == "sent" and "no confirmation" in job["last_error"]
        assert "水晶虾饺皇".encode("gb18030") in bytes(received)
    finally:
        server.close()


def test_backlog_after_an_outage_prints_in_order(sims, core_factory):
    printers = sims("dimsum")
    sim = printers["dimsum"]
    sim.set_fault("power-off")
    core = core_factory(urls(printers))
    for _ in range(15):
        core.order("dimsum")
    time.sleep(0.3)
    sim.clear_fault("power-off")
    wait_until(core.all_printed, 15, "backlog printed")
    assert [read_paper(t).seq for t in complete_texts(sim)] == list(range(1, 16))


def test_station_name_helper():
    assert station_name("bar") == "水吧" and decode(b"\x1b@x\n")[0].text == "x"


def test_a_station_without_printer_is_kept_then_printed_once_it_has_one(sims, tmp_path):
    from edge.core.service import EdgeService
    from tests.conftest import make_config

    printers = sims("hot", "bar")
    base = "".join(f'[printers.{n}]\nurl = "tcp://127.0.0.1:{s.port}"\n' for n, s in printers.items())
    before = make_config(tmp_path / "d", None, extra=base + '[stations]\nbar = "bar"\n')
    service = EdgeService(before).open(start_printing=False)
    order, _ = service.place_order({"client_token": "x", "lines": [{"item_id": "har_gow", "qty": 1}]})
    assert [(j["state"], j["last_error"]) for j in order["print_jobs"]] == [
        ("attention", "station 点心 has no printer configured")]
    service.close()
    after = make_config(tmp_path / "d", None, extra=base + '[stations]\nbar = "bar"\ndimsum = "hot"\n')
    service = EdgeService(after).open()
    try:
        (ticket,) = printers["hot"].wait_for_tickets(1, timeout=5)
        assert "水晶虾饺皇" in ticket.text and "补打" not in ticket.text
    finally:
        service.close()


def test_a_job_the_printer_loses_every_time_goes_to_attention_not_round_and_round(core_factory):
    server = socket.create_server(("127.0.0.1", 0))

    def resetting_printer():  # answers the status query, then drops the connection mid-job
        import struct
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            try:
                conn.settimeout(2)
                if conn.recv(64).startswith(b"\x10\x04"):
                    conn.sendall(b"\x16\x12\x12\x12")
                    conn.recv(64)
            except OSError:
                pass
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    threading.Thread(target=resetting_printer, daemon=True).start()
    try:
        core = core_factory({"dimsum": f"tcp://127.0.0.1:{server.getsockname()[1]}"})
        core.order("dimsum")
        wait_until(lambda: core.jobs()[0]["state"] == "attention", 15, "job in attention")
        job = core.jobs()[0]
        assert job["reprint"] == 1 and job["attempts"] == 5 and "edge printers reprint" in job["last_error"]
    finally:
        server.close()


def test_queued_jobs_follow_a_profile_change_of_their_printer(sims, tmp_path):
    from edge.core.service import EdgeService
    from tests.conftest import make_config

    printers = sims("dimsum")
    url = f'[printers.dimsum]\nurl = "tcp://127.0.0.1:{printers["dimsum"].port}"\n'
    service = EdgeService(make_config(tmp_path / "p", None, extra=url)).open(start_printing=False)
    service.place_order({"client_token": "p", "lines": [{"item_id": "har_gow", "qty": 1}]})
    service.close()
    service = EdgeService(make_config(tmp_path / "p", None, extra=url + 'profile = "58mm-gbk"\n')).open()
    try:
        (ticket,) = printers["dimsum"].wait_for_tickets(1, timeout=5)
        assert ticket.raw.endswith(b"\x1bd\x04\x1b@") and "补打" not in ticket.text  # 58 mm: tear-off
    finally:
        service.close()


def test_epson_profile_is_confirmed_by_the_process_id_response(sims, core_factory):
    printers = sims("dimsum")
    core = core_factory({"dimsum": {"url": f"tcp://127.0.0.1:{printers['dimsum'].port}", "profile": "80mm-epson"}})
    core.order("dimsum")
    core.order("dimsum")
    wait_until(core.all_printed, 5, "confirmed by GS ( H")
    assert all(b"\x1d(H\x06\x0000" not in t.raw for t in printers["dimsum"].tickets)  # not part of the ticket
