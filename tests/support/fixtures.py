"""The pytest plugin of the suite (tests/conftest.py loads it): every test runs isolated from
the developer's environment and home directory.

- every EDGE_* variable is removed (a test that needs one sets it with monkeypatch), except the
  switches of the tests themselves (TEST_SWITCHES);
- HOME and the XDG base directories point into a directory of this test alone, so the default
  data and config dirs (platformdirs, see edge/config.py) are never ~/.local/share/matou, and
  the running core's runtime file (edge/running_core.py) is never another test's;
- Ctrl-C (SIGINT) is handled even when the suite was started in the background (`make test &`,
  nohup: the shell starts it with SIGINT ignored), so the processes the tests start and stop
  with SIGINT do not inherit "ignored" and hang.
"""

from __future__ import annotations

import os
import signal

import pytest

# Read by the tests, not by the product: EDGE_UPDATE_GOLDEN=1 rewrites the golden ticket files,
# EDGE_EMUPOS names the emupos executable.
TEST_SWITCHES = frozenset({"EDGE_UPDATE_GOLDEN", "EDGE_EMUPOS"})
XDG = {"XDG_DATA_HOME": ".local/share", "XDG_CONFIG_HOME": ".config", "XDG_STATE_HOME": ".local/state",
       "XDG_CACHE_HOME": ".cache", "XDG_RUNTIME_DIR": "run"}


def pytest_configure(config) -> None:
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, tmp_path_factory):
    for name in list(os.environ):
        if name.startswith("EDGE_") and name not in TEST_SWITCHES:
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name, below in XDG.items():
        monkeypatch.setenv(name, str(home / below))
    yield home
