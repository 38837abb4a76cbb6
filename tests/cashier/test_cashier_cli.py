"""`edge vouchers verify CODE --json` and `edge report day [--date D] [--print]` (the click commands
of edge/cashier/cli.py, run as the `edge` console script runs them), with and without a core."""

from __future__ import annotations

import json

from click.testing import CliRunner

from edge.cashier.cli import report_group, vouchers_group
from edge.ledger.staff import Staff
from edge.printer_sim.simulator import PrinterSimulator
from tests.cashier.helpers import CASHIER, STORE, place, voucher
from tests.support import wait_for

CASHIER_STAFF = Staff("c1", "王收银", "cashier")


def run(group, *args: str):
    result = CliRunner().invoke(group, list(args), catch_exceptions=False)
    return result


def test_vouchers_verify_and_redeem_json(served):
    core = served()
    code = voucher("CLI1", 1500)
    result = run(vouchers_group, "verify", code, "--json", "--core", core.url)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (doc["status"], doc["voucher"]["voucher_id"], doc["voucher"]["value"]) == ("valid", "CLI1", 1500)
    result = run(vouchers_group, "redeem", code, "--staff", "c1", "--pin", CASHIER[3], "--json", "--core", core.url)
    assert json.loads(result.output)["status"] == "redeemed"
    used = run(vouchers_group, "verify", code, "--json", "--core", core.url)
    doc = json.loads(used.output)
    assert doc["status"] == "already_used" and doc["redemption"]["staff_name"] == "王收银"
    assert used.exit_code == 1  # a voucher that cannot be taken: the check exits non-zero
    again = run(vouchers_group, "redeem", code, "--staff", "c1", "--pin", CASHIER[3], "--core", core.url)
    assert again.exit_code == 1 and again.output.startswith("already_used")
    other = voucher("CLI2", store="s9")
    assert json.loads(run(vouchers_group, "verify", other, "--json", "--core", core.url).output)["status"] == \
        "wrong_store"
    malformed = run(vouchers_group, "verify", "MT1V.k1.bad.AAAAAAAAAAAAAAAAAAAAAA", "--core", core.url)
    assert malformed.output.startswith("malformed") and malformed.exit_code == 1
    bad_pin = run(vouchers_group, "redeem", code, "--staff", "c1", "--pin", "0000", "--core", core.url)
    assert bad_pin.exit_code != 0 and "wrong PIN" in bad_pin.output


def test_report_day_text_json_and_print(served):
    sim = PrinterSimulator(port=0, name="receipt").start()
    try:
        core = served(extra=f'[printers.receipt]\nurl = "tcp://127.0.0.1:{sim.port}"\ntimeout = 2.0\n')
        order = place(core.service, lines=(("har_gow", 1),))
        result = run(report_group, "day", "--core", core.url)
        assert result.exit_code == 0 and "日结 Day report" in result.output and "¥28.00" in result.output
        doc = json.loads(run(report_group, "day", "--json", "--date", order["business_day"], "--core", core.url).output)
        assert (doc["orders"], doc["net"], doc["day"]) == (1, order["total"], order["business_day"])
        assert json.loads(run(report_group, "day", "--json", "--date", "2000-01-01", "--core", core.url).output)[
            "orders"] == 0
        anonymous = run(report_group, "day", "--print", "--core", core.url)
        assert anonymous.exit_code != 0 and "needs a staff login" in anonymous.output
        assert not any("日结" in t.text for t in sim.tickets)
        printed = run(report_group, "day", "--print", "--staff", "c1", "--pin", CASHIER[3], "--core", core.url)
        assert printed.exit_code == 0 and "queued for printing" in printed.output
        text = wait_for(lambda: next((t.text for t in sim.tickets if "日结" in t.text), None), what="the report")
        assert "订单 Orders" in text and "¥28.00" in text
        assert run(report_group, "day", "--date", "25/11", "--core", core.url).exit_code != 0
    finally:
        sim.stop()


def test_without_a_core_the_device_database_answers(tmp_path, monkeypatch):
    from tests.cashier.helpers import open_service

    service = open_service(tmp_path / "d", start=False)
    order = place(service)
    service.close()
    config = tmp_path / "edge.toml"
    config.write_text(f'[device]\ndata_dir = "{tmp_path / "d"}"\n[core]\nport = 9\n', encoding="utf-8")
    doc = json.loads(run(vouchers_group, "verify", voucher("OFF1"), "--json", "--config", str(config)).output)
    assert doc["status"] == "valid" and doc["online"] is None and "core not running" in doc["note"]
    out = run(report_group, "day", "--json", "--date", order["business_day"], "--config", str(config)).output
    assert json.loads(out)["gross"] == order["total"]
    assert run(report_group, "day", "--print", "--config", str(config)).exit_code != 0
    assert STORE == "s1"


def test_report_day_separates_collected_from_unpaid(served):
    """An order still waiting for its payment is not revenue: `edge report day --json` counts it
    under `unpaid` with what it owes, the text says 待付款, and only the paid order is collected."""
    core = served(extra='[payments]\nmode = "pay_first"\n')
    held = core.service.place_order({"client_token": "held-1", "table": "3", "payment": "code",
                                     "lines": [{"item_id": "siu_mai", "qty": 1}]})[0]
    paid = place(core.service, lines=(("har_gow", 1),))
    assert held["status"] == paid["status"] == "awaiting_payment"
    core.service.payments.take_cash(paid["id"], CASHIER_STAFF)
    doc = json.loads(run(report_group, "day", "--json", "--date", paid["business_day"], "--core", core.url).output)
    assert doc["collected"] == {"orders": 1, "gross": paid["total"], "voids": 0, "refunds": 0, "discounts": 0,
                                "net": paid["total"],
                                "by_payment": {"cash": {"orders": 1, "net": paid["total"]}}}
    assert doc["unpaid"] == {"orders": 1, "amount": held["total"]}
    assert (doc["orders"], doc["net"]) == (1, paid["total"]) and set(doc["by_channel"]) == {"cash"}
    text = run(report_group, "day", "--date", paid["business_day"], "--core", core.url).output
    assert "待付款 Not paid yet" in text and "¥24.00" in text and "营业额（实收） Revenue" in text
    assert "现金 Cash" in text and "code" not in text
