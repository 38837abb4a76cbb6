"""edge.maintenance.clock (is the clock trusted?) and the web UI command's edges."""

from __future__ import annotations

import shlex
import sys
from datetime import datetime, UTC

import pytest
from click.testing import CliRunner

from edge.maintenance.clock import check_clock, read_fake_hwclock
from edge.maintenance.cli import web_ui
from edge.maintenance.webui import ui_command

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def machine(tmp_path):
    """A fake /run/systemd/timesync, /etc/fake-hwclock.data and /sys/class/rtc under tmp_path."""
    (tmp_path / "timesync").mkdir()
    (tmp_path / "rtc").mkdir()
    return {"timesync_flag": tmp_path / "timesync/synchronized", "fake_hwclock_file": tmp_path / "fake-hwclock.data",
            "rtc_dir": tmp_path / "rtc"}


def test_ntp_synced_is_trusted(machine):
    machine["timesync_flag"].touch()
    report = check_clock(NOW, **machine)
    assert report.trusted is True and report.ntp_synced is True


def test_not_synced_without_rtc_is_untrusted(machine):
    report = check_clock(NOW, **machine)
    assert report.trusted is False and "fake-hwclock" in report.reason


def test_not_synced_with_rtc_is_unknown(machine):
    (machine["rtc_dir"] / "rtc0").mkdir()
    report = check_clock(NOW, **machine)
    assert report.trusted is None and report.has_rtc


def test_a_clock_before_the_floor_is_untrusted(machine):
    report = check_clock(datetime(1970, 1, 1, 0, 5, tzinfo=UTC), **machine)
    assert report.trusted is False and "1970-01-01" in report.reason


def test_a_clock_behind_the_last_shutdown_is_untrusted(machine):
    (machine["rtc_dir"] / "rtc0").mkdir()
    machine["fake_hwclock_file"].write_text("2026-05-02 08:00:00\n")
    report = check_clock(NOW, **machine)
    assert report.trusted is False and "went backwards" in report.reason
    assert report.saved_time == datetime(2026, 5, 2, 8, 0, tzinfo=UTC)


def test_without_timesyncd_it_cannot_tell(tmp_path):
    report = check_clock(NOW, timesync_flag=tmp_path / "none/synchronized", fake_hwclock_file=tmp_path / "x",
                         rtc_dir=tmp_path / "none")
    assert report.trusted is None and report.ntp_synced is None


def test_fake_hwclock_file_garbage(tmp_path):
    (tmp_path / "f").write_text("yesterday")
    assert read_fake_hwclock(tmp_path / "f") is None
    assert read_fake_hwclock(tmp_path / "missing") is None


def test_ui_command_runs_edge_ui_with_the_config():
    command = ui_command("/etc/matou/my config.toml", "en", python="/opt/matou/venv/bin/python")
    assert shlex.split(command) == ["/opt/matou/venv/bin/python", "-m", "edge", "ui", "--config",
                                    "/etc/matou/my config.toml", "--lang", "en"]
    assert shlex.split(ui_command())[:4] == [sys.executable, "-m", "edge", "ui"]


def test_web_ui_without_textual_serve_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # as on a device without the extra
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    config = tmp_path / "edge.toml"
    config.write_text("")
    result = CliRunner().invoke(web_ui, ["--config", str(config), "--port", "8089"])
    assert result.exit_code == 1 and "pip install textual-serve" in result.output


def test_web_ui_refuses_a_broken_config(tmp_path):
    config = tmp_path / "edge.toml"
    config.write_text("[core]\nprot = 1\n")
    result = CliRunner().invoke(web_ui, ["--config", str(config)])
    assert result.exit_code == 1 and "prot" in result.output
