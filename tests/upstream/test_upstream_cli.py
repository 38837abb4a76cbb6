"""`edge-upstream` fleet commands, on both engines."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edge.demo.setup import MENU_FILE
from tests.sync.fixtures import batch, make_event, raw_device, signed
from upstream.cli import cli

COMMANDS = [["serve"], ["stores", "add"], ["stores", "list"], ["menu", "publish"], ["enroll-token"],
            ["devices", "list"], ["devices", "revoke"], ["orders", "list"], ["staff", "set"], ["tables", "code"],
            ["tables", "rotate-key"], ["tables", "refusals"], ["stores", "limits"], ["alarms"], ["public-key"]]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: "-".join(a))
def test_help(args):
    result = CliRunner().invoke(cli, args + ["--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def run(db, *args, ok=True):
    result = CliRunner().invoke(cli, list(args) + ["--database", db.url], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_operator_flow(upstream_db, tmp_path):
    from upstream.server import BackgroundUpstream

    run(upstream_db, "stores", "add", "s9", "--name", "九号店")
    assert "exists" in run(upstream_db, "stores", "add", "s9", ok=False).output
    assert "demo-1" in run(upstream_db, "menu", "publish", "s9", str(MENU_FILE)).output
    png = tmp_path / "code.png"
    out = run(upstream_db, "enroll-token", "s9", "--role", "cashier", "--png", str(png)).output
    code_line = next(line for line in out.splitlines() if line.startswith("MT1E."))
    assert "10 min" in out and ("▀" in out or "█" in out)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import zxingcpp
    from PIL import Image

    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(png))]
    assert decoded == [code_line]
    key = run(upstream_db, "public-key").output.strip()
    assert len(key) == 43 and f"signed by upstream key {key}" in out  # what the installer pins on devices
    from edge.protocol.enroll_code import parse_enroll_code

    assert parse_enroll_code(code_line).upstream_key == key
    server = BackgroundUpstream(upstream_db).start()
    try:
        client = raw_device(server, store="s9")
        signed(client, "POST", "/v1/ingest", batch(make_event(1), make_event(2)))
    finally:
        server.stop()
    listed = json.loads(run(upstream_db, "orders", "list", "--store", "s9", "--json").output)
    assert len(listed["orders"]) == 2 and {o["total"] for o in listed["orders"]} == {2800}
    devices = json.loads(run(upstream_db, "devices", "list", "--json").output)["devices"]
    assert [d["status"] for d in devices if d["store_id"] == "s9"] == ["enrolled"]
    assert "revoked" in run(upstream_db, "devices", "revoke", client.device_id).output
    assert "no enrolled" in run(upstream_db, "devices", "revoke", client.device_id, ok=False).output
    devices = json.loads(run(upstream_db, "devices", "list", "--json").output)["devices"]
    assert [d["status"] for d in devices if d["store_id"] == "s9"] == ["revoked"]
    assert len(json.loads(run(upstream_db, "orders", "list", "--store", "s9", "--json").output)["orders"]) == 2
    url = run(upstream_db, "tables", "code", "s9", "7", "--host", "order.example.com").output.strip()
    assert url.startswith("https://order.example.com/t/s9/7?k=")
    result = CliRunner().invoke(cli, ["staff", "set", "s9", "amy", "--name", "Amy", "--database", upstream_db.url],
                                input="1234\n1234\n")
    assert result.exit_code == 0, result.output


def test_errors_are_one_clear_line(upstream_db, tmp_path):
    assert "no store" in run(upstream_db, "enroll-token", "nope", ok=False).output
    bad = tmp_path / "bad.toml"
    bad.write_text('version = "x"\n[[items]]\nid = "a"\n', encoding="utf-8")
    run(upstream_db, "stores", "add", "s1")
    out = run(upstream_db, "menu", "publish", "s1", str(bad), ok=False).output
    assert "bad_menu" in out and "Traceback" not in out
    assert "no store" in run(upstream_db, "orders", "list", "--store", "zz", ok=False).output


def test_vouchers_issue_makes_codes_a_device_verifies(tmp_path):
    """The operator issues vouchers; each code is a signed MT1V code for the store, as a QR PNG too."""
    import json as _json

    from click.testing import CliRunner

    from upstream.cli import cli
    from upstream.schema import open_database
    from upstream.vouchers import check_code

    database = str(tmp_path / "up.sqlite")
    runner = CliRunner()
    assert runner.invoke(cli, ["stores", "add", "s1", "--database", database]).exit_code == 0
    result = runner.invoke(cli, ["vouchers", "issue", "s1", "--value", "12.50", "--expires", "2099-12-31",
                                 "--count", "2", "--json", "--out", str(tmp_path / "qr"), "--database", database])
    assert result.exit_code == 0, result.output
    issued = [_json.loads(line) for line in result.output.splitlines()]
    assert [v["value"] for v in issued] == [1250, 1250] and len({v["voucher_id"] for v in issued}) == 2
    assert all((tmp_path / "qr" / f"voucher-{v['voucher_id']}.png").exists() for v in issued)
    db = open_database(database)
    status, fields = check_code(db, "s1", issued[0]["code"])
    assert status == "valid" and fields["value"] == 1250
    past = runner.invoke(cli, ["vouchers", "issue", "s1", "--value", "5", "--expires", "2001-01-01",
                               "--database", database])
    assert past.exit_code != 0 and "in the past" in past.output
