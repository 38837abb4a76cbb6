#!/bin/bash
# Matou browser kiosk session, run by matou-kiosk-web.service inside cage (installed as
# /opt/matou/bin/matou-web-kiosk). Waits until the UI server (matou-ui-web.service) answers,
# then shows it full screen in Chromium. Chromium turns touch-screen taps into clicks.
# Usage: matou-web-kiosk [URL]   (default http://127.0.0.1:8080/)
set -euo pipefail

url=${1:-http://127.0.0.1:8080/}
wait_seconds=${MATOU_WAIT_SECONDS:-120}

hostport=${url#*://}
hostport=${hostport%%/*}
host=${hostport%:*}
port=${hostport##*:}
if [[ $port == "$hostport" ]]; then
    port=80
fi

# Chromium shows an error page for good if it starts before the server: wait for the port.
for ((i = 0; i < wait_seconds; i++)); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
        break
    fi
    sleep 1
done

# Debian names the browser chromium; Raspberry Pi OS has used chromium-browser too.
for browser in chromium chromium-browser; do
    if command -v "$browser" >/dev/null 2>&1; then
        # --incognito: no profile writes to the SD card; no pinch zoom, no swipe-back,
        # no "restore pages" or update bubbles on a customer-facing screen.
        exec "$browser" \
            --kiosk --incognito --no-first-run --noerrdialogs --disable-infobars \
            --disable-session-crashed-bubble --disable-translate --disable-pinch \
            --overscroll-history-navigation=0 --check-for-update-interval=31536000 \
            --password-store=basic --ozone-platform=wayland \
            --user-data-dir="${HOME:-/tmp}/chromium" \
            "$url"
    fi
done
echo "matou-web-kiosk: no chromium or chromium-browser found; run: apt-get install chromium" >&2
exit 1
