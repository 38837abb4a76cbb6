"""`edge sync status|now|dead|retry-dead` and `edge enroll TEXT` (click groups in edge.sync.cli)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edge.core.service import EdgeService
from edge.demo.setup import MENU_FILE
from edge.sync.cli import enroll_command, main_group, sync_group
from edge.ledger.outbox import append_event
from tests.support.upstream_trust import trust_section
from tests.sync.fixtures import enroll_code, order_doc, upstream_event_count


@pytest.fixture
def config_file(tmp_path, sqlite_upstream):
    """The device's config as installed: its upstream allowed and its key pinned."""
    path = tmp_path / "edge.toml"
    path.write_text(f'[device]\ndata_dir = "{tmp_path / "data"}"\n[menu]\nfile = "{MENU_FILE}"\n'
                    + trust_section(sqlite_upstream.url, sqlite_upstream.db), encoding="utf-8")
    return path


def run(*args, ok=True):
    result = CliRunner().invoke(main_group, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("args", [["sync", "status"], ["sync", "now"], ["sync", "dead"], ["sync", "retry-dead"],
                                  ["enroll"]])
def test_help(args):
    assert "Usage" in run(*args, "--help").output
    assert sync_group.name == "sync" and enroll_command.name == "enroll"


def test_status_enroll_now_dead(config_file, sqlite_upstream):
    from edge.config import load_config

    refused = run("sync", "status", "--config", config_file, "--json", ok=False)
    assert "no device database" in refused.output  # a command that reads never creates the database
    EdgeService(load_config(config_file)).open(start_printing=False).close()  # as `edge core` first does
    before = json.loads(run("sync", "status", "--config", config_file, "--json").output)
    assert {"pending", "dead", "last_ok", "last_error"} <= before.keys()
    assert before["state"] == "not enrolled" and before["pending"] == 0 and before["last_ok"] is None
    service = EdgeService(load_config(config_file)).open(start_printing=False)
    try:
        for n in range(3):
            service.place_order(order_doc(n))
        with service.db.atomic():
            append_event(service.db, "order.placed", {"order_id": "y" * 26, "total": -1}, service.clock.now())
    finally:
        service.close()
    assert "not enrolled" in run("sync", "now", "--config", config_file, ok=False).output
    out = run("enroll", "--config", config_file, enroll_code(sqlite_upstream.db, sqlite_upstream.url)).output
    assert "enrolled: device" in out and "0600" in out
    status = json.loads(run("sync", "status", "--config", config_file, "--json").output)
    assert (status["pending"], status["state"], status["enrolled"]) == (4, "ok", True)
    result = json.loads(run("sync", "now", "--config", config_file, "--json").output)
    assert result["ok"] and result["pending"] == 0 and result["dead"] == 1
    assert upstream_event_count(sqlite_upstream.db) == (3, 3)
    status = json.loads(run("sync", "status", "--config", config_file, "--json").output)
    assert status["pending"] == 0 and status["dead"] == 1 and status["last_ok"]
    dead = json.loads(run("sync", "dead", "--config", config_file, "--json").output)["dead"]
    assert dead[0]["device_seq"] == 4 and dead[0]["reason"]
    assert "1 events queued again" in run("sync", "retry-dead", "--config", config_file).output
    human = run("sync", "status", "--config", config_file).output
    assert "not synced: 1" in human


def test_enroll_refusals_are_clear(config_file, sqlite_upstream):
    result = run("enroll", "--config", config_file, "https://example.com/t/s1/1", ok=False)
    assert result.exit_code == 1 and "not an enrollment code" in result.output
    text = enroll_code(sqlite_upstream.db, sqlite_upstream.url)
    run("enroll", "--config", config_file, text)
    again = run("enroll", "--config", config_file, text, ok=False)  # enrolled: only with --replace
    assert again.exit_code == 1 and "enrolled already" in again.output and "Traceback" not in again.output
    again = run("enroll", "--config", config_file, text, "--replace", ok=False)
    assert again.exit_code == 1 and "used already" in again.output and "Traceback" not in again.output
