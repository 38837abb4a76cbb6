"""Printing over the core's HTTP API and the technician CLI (`edge printers …`, `edge print-test`),
change tickets and receipts spooled in the business transaction."""

from __future__ import annotations

import json

import requests
from click.testing import CliRunner

from edge.ledger.print_jobs import queue_change_tickets
from edge.printer.cli import print_test, printers
from tests.cashier.helpers import CASHIER, Api, seed
from tests.printer.conftest import check_tickets, complete_texts, read_paper
from tests.support import free_port, wait_for as wait_until


def test_printer_status_and_jobs_over_http_and_cli(sims, core_factory):
    printers_ = sims("dimsum", "bar")
    dead = free_port()
    core = core_factory({"dimsum": f"tcp://127.0.0.1:{printers_['dimsum'].port}",
                         "bar": f"tcp://127.0.0.1:{printers_['bar'].port}", "kitchen": f"tcp://127.0.0.1:{dead}"})
    url = core.serve()
    order = core.order("dimsum", "bar", "kitchen")
    wait_until(lambda: sum(j["state"] == "printed" for j in core.jobs()) == 2, 10, "two printed")
    wait_until(lambda: core.service.spool.printer_states()["kitchen"]["state"] == "problem", 5, "kitchen down")
    doc = requests.get(f"{url}/v1/printers", timeout=5).json()["printers"]
    assert doc["dimsum"]["state"] == "ok" and doc["bar"]["state"] == "ok"
    assert doc["kitchen"]["state"] == "problem" and "refused" in doc["kitchen"]["detail"]
    assert doc["kitchen"]["jobs"] == {"queued": 1} and doc["dimsum"]["jobs"] == {}
    status = requests.get(f"{url}/v1/status", timeout=5).json()
    assert status["printers"]["kitchen"]["state"] == "problem"

    runner = CliRunner()
    result = runner.invoke(printers, ["status", "--json", "--core", url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["printers"]["bar"]["state"] == "ok"
    result = runner.invoke(printers, ["status", "--core", url])
    assert result.exit_code == 0 and "PROBLEM" in result.output and "refused" in result.output
    result = runner.invoke(printers, ["jobs", "--json", "--core", url])
    jobs = json.loads(result.output)["jobs"]
    assert {j["station_id"]: j["state"] for j in jobs} == {"dimsum": "printed", "bar": "printed",
                                                          "kitchen": "queued"}
    assert all(j["ticket_no"] == order["ticket_no"] for j in jobs)
    result = runner.invoke(printers, ["jobs", "--core", url, "--state", "queued"])
    assert result.exit_code == 0 and "kitchen" in result.output and "#0001" in result.output

    dimsum_job = next(j for j in jobs if j["station_id"] == "dimsum")
    refused = runner.invoke(printers, ["reprint", dimsum_job["id"], "--core", url])
    assert refused.exit_code == 1 and "needs a staff login" in refused.output
    seed(core.service, code_key=False)
    staff = ["--staff", CASHIER[0], "--pin", CASHIER[3]]
    result = runner.invoke(printers, ["reprint", dimsum_job["id"], "--core", url, *staff])
    assert result.exit_code == 0, result.output
    printers_["dimsum"].wait_for_tickets(2, timeout=5)
    first, again = (read_paper(t.text) for t in printers_["dimsum"].tickets)
    assert (first.seq, first.reprint, again.seq, again.reprint) == (1, False, 1, True)
    one = requests.get(f"{url}/v1/print-jobs/{dimsum_job['id']}", timeout=5).json()
    assert one["ticket"]["station_name"] == "点心"
    assert requests.get(f"{url}/v1/print-jobs/nope", timeout=5).status_code == 404
    result = runner.invoke(printers, ["reprint", "nope", "--core", url, *staff])
    assert result.exit_code == 1 and "no print job nope" in result.output
    result = runner.invoke(printers, ["status", "--core", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1 and "cannot reach the core" in result.output


def test_print_test_through_the_core_direct_and_without_a_core(sims, core_factory, tmp_path):
    """Through the core `edge print-test` logs in as a technician (the core's print-test needs a
    session since it may reach the LAN); without a PIN on the device it says how to set one."""
    printers_ = sims("dimsum", "spare")
    core = core_factory({"dimsum": f"tcp://127.0.0.1:{printers_['dimsum'].port}"})
    url = core.serve()
    runner = CliRunner()
    dimsum_url = f"tcp://127.0.0.1:{printers_['dimsum'].port}"
    result = runner.invoke(print_test, ["--url", dimsum_url, "--core", url])
    assert result.exit_code == 1 and "edge technician set-pin" in result.output and not printers_["dimsum"].tickets
    core.service.technician.auth.set_pin("305917")  # as `edge technician set-pin` does on the console
    result = runner.invoke(print_test, ["--url", dimsum_url, "--profile", "58mm-gbk", "--core", url, "--json"],
                           env={"EDGE_TECHNICIAN_PIN": "305917"})
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["via"] == "core queue" and doc["outcome"] == "printed" and doc["profile"] == "58mm-gbk"
    page = printers_["dimsum"].tickets[-1].text
    assert "58mm-gbk" in page and "[QR MATOU-PRINT-TEST]" in page and "32:" in page

    spare_url = f"tcp://127.0.0.1:{printers_['spare'].port}"
    result = runner.invoke(print_test, ["--url", spare_url, "--core", url], input="305917\n")
    assert result.exit_code == 0 and "status ok" in result.output and ": printed" in result.output
    result = runner.invoke(print_test, ["--url", spare_url, "--core", url], input="111111\n")
    assert result.exit_code == 1 and "wrong PIN" in result.output and len(printers_["spare"].tickets) == 1
    target = tmp_path / "device-file"
    target.write_bytes(b"")
    result = runner.invoke(print_test, ["--url", f"file://{target}", "--core", url], input="305917\n")
    assert result.exit_code == 1 and "--direct" in result.output and target.read_bytes() == b""
    result = runner.invoke(print_test, ["--url", f"file://{target}", "--direct"])  # the console may
    assert result.exit_code == 3 and "not confirmed" in result.output  # a file device cannot answer GS r
    assert b"TEST" in target.read_bytes() and target.read_bytes().endswith(b"\x1dr\x01")
    result = runner.invoke(print_test, ["--url", spare_url, "--core", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 0 and "core not running: printing directly" in result.output
    assert len(printers_["spare"].tickets) == 2
    result = runner.invoke(print_test, ["--url", f"tcp://127.0.0.1:{free_port()}", "--direct"])
    assert result.exit_code == 1 and "status problem" in result.output and "not printed" in result.output
    result = runner.invoke(print_test, ["--url", "lpt://1", "--direct"])
    assert result.exit_code == 1 and "not supported" in result.output
    result = runner.invoke(print_test, ["--url", spare_url, "--profile", "80mm", "--direct"])
    assert result.exit_code == 1 and "unknown printer profile" in result.output


def test_print_test_to_a_printer_with_paper_out_exits_non_zero(sims, core_factory):
    """"not printed: paper out" is a failure: the command exits 1, through the core and direct."""
    printers_ = sims("dimsum")
    printers_["dimsum"].set_fault("paper-out")
    core = core_factory({"dimsum": f"tcp://127.0.0.1:{printers_['dimsum'].port}"})
    url = core.serve()
    core.service.technician.auth.set_pin("305917")
    dimsum_url = f"tcp://127.0.0.1:{printers_['dimsum'].port}"
    runner = CliRunner()
    result = runner.invoke(print_test, ["--url", dimsum_url, "--core", url], env={"EDGE_TECHNICIAN_PIN": "305917"})
    assert result.exit_code == 1 and "not printed" in result.output, result.output
    result = runner.invoke(print_test, ["--url", dimsum_url, "--core", url, "--json"],
                           env={"EDGE_TECHNICIAN_PIN": "305917"})
    assert result.exit_code == 1 and json.loads(result.output)["outcome"].startswith("not printed")
    result = runner.invoke(print_test, ["--url", dimsum_url, "--direct"])
    assert result.exit_code == 1 and "paper" in result.output, result.output
    assert not printers_["dimsum"].tickets


def test_receipt_with_pickup_code_at_placement_and_on_request(sims, core_factory):
    printers_ = sims("dimsum", "counter")
    core = core_factory({"dimsum": f"tcp://127.0.0.1:{printers_['dimsum'].port}",
                         "counter": {"url": f"tcp://127.0.0.1:{printers_['counter'].port}",
                                     "profile": "58mm-gb18030"}},
                        extra='receipt = "counter"\n')
    url = core.serve()
    order = core.order("dimsum", qty=2)
    assert {j["kind"] for j in order["print_jobs"]} == {"kitchen", "receipt"}
    (receipt,) = printers_["counter"].wait_for_tickets(1, timeout=5)
    assert "取餐号 A001" in receipt.text and "￥56.00" in receipt.text and "到店付款" in receipt.text
    seed(core.service, code_key=False)
    api = Api(url)
    api.login()
    answer = api.call("POST", f"/v1/orders/{order['id']}/receipt", {"pickup_code": "MT1P.k.eyJ9.sig"})
    assert answer.status_code == 202 and answer.json()["job"]["printer"] == "counter"
    printers_["counter"].wait_for_tickets(2, timeout=5)
    assert "[QR MT1P.k.eyJ9.sig]" in printers_["counter"].tickets[1].text
    assert api.call("POST", "/v1/orders/nope/receipt", {}).status_code == 404
    bad = api.call("POST", f"/v1/orders/{order['id']}/receipt", {"printer": "ghost"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "printer"


def test_change_tickets_are_spooled_with_the_next_station_sequence(sims, core_factory):
    printers_ = sims("dimsum", "bar")
    core = core_factory({name: f"tcp://127.0.0.1:{sim.port}" for name, sim in printers_.items()})
    order = core.order("dimsum", "bar")
    service = core.service
    at = service.clock.now()
    with service.ledger.step():
        added = queue_change_tickets(service.db, service.config, service.menu, order["id"], "add",
                                     [{"name_zh": "凤爪", "station_id": "dimsum", "qty": 1, "notes": [{"zh": "走葱"}]}],
                                     at, service.clock.business_day(at.local))
        voided = queue_change_tickets(service.db, service.config, service.menu, order["id"], "void",
                                      [{"name_zh": "港式奶茶", "station_id": "bar", "qty": 1, "options": []}],
                                      at, service.clock.business_day(at.local), reason="客人取消")
    service.spool.wake()
    assert len(added) == len(voided) == 1
    wait_until(core.all_printed, 10, "change tickets printed")
    dimsum = complete_texts(printers_["dimsum"])
    bar = complete_texts(printers_["bar"])
    check_tickets(dimsum, {"点心": 2})
    check_tickets(bar, {"水吧": 2})
    assert "加菜 ADD" in dimsum[1] and "凤爪  ×1" in dimsum[1] and "水晶虾饺皇" not in dimsum[1]
    assert "退菜 VOID" in bar[1] and "退 港式奶茶  ×1" in bar[1] and "原因: 客人取消" in bar[1]


def test_receipt_at_placement_carries_a_signed_pickup_code_when_the_store_key_is_synced(sims, core_factory):
    """The pickup-code QR on the customer's receipt is a real MT1P code the cashier can scan."""
    import re

    from edge.codes import classify
    from edge.tables import Keyring, b64url

    printers_ = sims("dimsum", "counter")
    core = core_factory({"dimsum": f"tcp://127.0.0.1:{printers_['dimsum'].port}",
                         "counter": f"tcp://127.0.0.1:{printers_['counter'].port}"},
                        extra='receipt = "counter"\n')
    key = bytes(range(40, 72))
    with core.service.ledger.step():  # what downstream sync delivers
        core.service.db.execute("INSERT INTO code_keys (kid, store_id, key, active) VALUES ('c1', 's1', ?, 1)",
                                [b64url(key)])
    core.serve()
    order = core.order("dimsum")
    (receipt,) = printers_["counter"].wait_for_tickets(1, timeout=5)
    code = re.search(r"\[QR (MT1P\.[^\]]+)\]", receipt.text).group(1)
    scanned = classify(code, store_id="s1", code_keys=Keyring({"c1": key}))
    assert scanned.kind == "pickup" and scanned.fields["order_id"] == order["id"]
