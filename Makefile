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
SYSTEM_PACKAGES := python3-venv $(ZBAR) postgresql systemd shellcheck foot
SUDO := $(if $(filter 0,$(shell id -u)),,sudo )

.PHONY: run demo test lint system-deps install clean bench

run: install
	$(BIN)/edge demo

demo: run

test: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/order_commit.py $(BENCH_ARGS)
	$(BIN)/python bench/decode.py $(BENCH_ARGS)
	$(BIN)/python bench/sync_drain.py $(BENCH_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml | system-deps
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Matou needs Python >= 3.11 (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

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
	rm -rf $(VENV) .demo .pytest_cache *.egg-info
