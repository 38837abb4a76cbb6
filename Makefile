# Matou edge device. Two commands do everything on a fresh Debian machine:
#   make run    install what is needed, start the demo (virtual printers, core, kiosk UI)
#   make test   install what is needed, run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the product needs at run or test time (python3-venv only to make the venv).
# libzbar0 is the zbar fallback decoder (libzbar0t64 on Debian 13).
ZBAR := $(shell apt-cache show libzbar0t64 >/dev/null 2>&1 && echo libzbar0t64 || echo libzbar0)
# postgresql: the upstream's PostgreSQL path is tested against a throwaway cluster.
# systemd, shellcheck, foot: the tests check hardware/ (systemd-analyze verify, shellcheck, foot --check-config).
# fonts-noto-cjk: raster printing and ticket PNGs; libusb-1.0-0: USB printers (pyusb).
# chromium, fonts-dejavu-core: the docs' pictures are checked as a browser shows them.
SYSTEM_PACKAGES := python3-venv $(ZBAR) postgresql systemd shellcheck foot fonts-noto-cjk libusb-1.0-0 chromium \
	fonts-dejavu-core
SUDO := $(if $(filter 0,$(shell id -u)),,sudo )

# mypy --strict (pyproject [tool.mypy]): the pure domain and the ledger
MYPY_STRICT := edge/money.py edge/menu.py edge/cart.py edge/orders.py edge/codes.py edge/tables.py edge/screen_text.py edge/ledger

.PHONY: run demo test lint system-deps install clean bench emupos arm64-check

run: install
	$(BIN)/edge demo

demo: run

# The suite: everything not marked `serial` on TEST_WORKERS pytest-xdist workers (most tests wait
# on sockets, so more workers than cores pay); beside it, in a second pytest, the `serial` `chaos`
# tests (kill -9 loops: correctness, which holds on a busy machine) one at a time, their output
# after the first pass's; then the other `serial` tests (real-time measurements) alone.
# A pass that selects no test (exit 5) is fine.
TEST_WORKERS ?= 6
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider

test: install emupos
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy $(MYPY_STRICT)
	@log=$$(mktemp); ( $(PYTEST) -m "serial and chaos" $(PYTEST_ARGS) > $$log 2>&1; echo $$? > $$log.rc ) & \
	chaos=$$!; rc=0; $(PYTEST) -n $(TEST_WORKERS) -m "not serial" $(PYTEST_ARGS) || rc=$$?; \
	wait $$chaos; rc2=$$(cat $$log.rc); \
	echo "-- the chaos tests (one at a time, beside the others):"; cat $$log; rm -f $$log $$log.rc; \
	echo "-- the real-time tests (alone):"; rc3=0; $(PYTEST) -m "serial and not chaos" $(PYTEST_ARGS) || rc3=$$?; \
	ran=0; for code in $$rc $$rc2 $$rc3; do \
	  if [ $$code = 0 ]; then ran=1; elif [ $$code != 5 ]; then exit $$code; fi; done; \
	if [ $$ran = 0 ]; then echo "no tests ran"; exit 5; fi

bench: install
	$(BIN)/python bench/order_commit.py $(BENCH_ARGS)
	$(BIN)/python bench/decode.py $(BENCH_ARGS)
	$(BIN)/python bench/sync_drain.py $(BENCH_ARGS)
	$(BIN)/python bench/print.py $(BENCH_ARGS)
	$(BIN)/python bench/payments.py $(BENCH_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml | system-deps
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Matou needs Python >= 3.11 (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

# Matou on the Pi's architecture, proven here under qemu-user (docs/install-pi.md, "Proven on arm64
# before the first Pi"): minutes and CPU-heavy, so not part of `make test`. ARM_ARCH=armhf tries
# 32-bit ARM the same way.
ARM_ARCH ?= arm64
arm64-check:
	bash hardware/arm64-check.sh --arch $(ARM_ARCH)

# emupos (an independent ESC/POS emulator, the tests' second oracle) needs Python >= 3.13:
# its own venv (pyenv's 3.13 here; the system python3.13 on Debian 13).
EMUPOS_VENV := .venv-emupos
EMUPOS_STAMP := $(EMUPOS_VENV)/.installed-0.4.0
PYTHON313 := $(shell PYENV_VERSION=3.13.0 python3.13 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3.13)

emupos: $(EMUPOS_STAMP)

$(EMUPOS_STAMP):
	@test -n "$(PYTHON313)" || { echo "emupos needs python3.13 (apt-get install python3.13, or pyenv install 3.13)"; exit 1; }
	test -x $(EMUPOS_VENV)/bin/python || $(PYTHON313) -m venv $(EMUPOS_VENV)
	$(EMUPOS_VENV)/bin/python -m pip install -q --upgrade pip
	$(EMUPOS_VENV)/bin/python -m pip install -q "emupos==0.4.0"
	touch $@

# Install missing Debian packages: as root directly, otherwise print the sudo line to run.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing system packages; run:"; \
	    echo "  $(SUDO)apt-get install --no-install-recommends$$missing"; exit 1; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) $(EMUPOS_VENV) .demo .pytest_cache *.egg-info
