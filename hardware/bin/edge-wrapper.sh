#!/bin/bash
# `edge` for technicians on a Matou device, installed as /usr/local/bin/edge by setup.sh.
# Runs the app from its venv with the device's config and data dir, as the service user when
# called as root (`sudo edge menu import menu.toml`), so that files it writes in the data dir
# stay owned by that user: a root-owned database file would stop the core.
set -euo pipefail

EDGE_BIN=/opt/matou/venv/bin/edge
SERVICE_USER=matou
export EDGE_CONFIG=${EDGE_CONFIG:-/etc/matou/edge.toml}
export EDGE_DEVICE_DATA_DIR=${EDGE_DEVICE_DATA_DIR:-/var/lib/matou}

if [[ ! -x $EDGE_BIN ]]; then
    echo "edge: $EDGE_BIN is missing; run hardware/setup.sh again" >&2
    exit 1
fi
if [[ $(id -u) -eq 0 ]]; then
    exec runuser -u "$SERVICE_USER" -- env EDGE_CONFIG="$EDGE_CONFIG" \
        EDGE_DEVICE_DATA_DIR="$EDGE_DEVICE_DATA_DIR" "$EDGE_BIN" "$@"
fi
exec "$EDGE_BIN" "$@"
