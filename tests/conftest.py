"""Shared fixtures: demo menu, configs in temporary data dirs."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from edge.config import parse_config
from edge.demo.setup import MENU_FILE
from edge.menu import menu_from_dict

pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(scope="session")
def demo_menu():
    return menu_from_dict(tomllib.loads(MENU_FILE.read_text(encoding="utf-8")))


def make_config(data_dir: Path, printers: dict[str, int] | None = None, extra: str = "", prefix: str = "A"):
    """A config with the demo menu and (optionally) one tcp printer per station."""
    text = f'[device]\ndata_dir = "{data_dir}"\nticket_prefix = "{prefix}"\n[menu]\nfile = "{MENU_FILE}"\n'
    for station, port in (printers or {}).items():
        text += f'[printers.{station}]\nurl = "tcp://127.0.0.1:{port}"\ntimeout = 2.0\n'
    if printers:
        text += "[stations]\n" + "".join(f'{s} = "{s}"\n' for s in printers)
    return parse_config(text + extra, "<test>", environ={})


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")
