#!/bin/bash
# Matou device installer: turns Raspberry Pi OS (64-bit, Bookworm) or Debian 12/13 into a
# Matou counter device. Idempotent: run it again after changing options or updating the app;
# it only does what is not done yet. Step by step guide: docs/install-pi.md.
#
#   sudo hardware/setup.sh                       install or update (kiosk chosen automatically)
#   hardware/setup.sh --dry-run                  print every action, change nothing
#   sudo hardware/setup.sh --uninstall           remove what setup.sh added, keep config and data
#   sudo hardware/setup.sh --uninstall --purge   also remove config, data (database!) and users
#
# Run with --help for all options.
set -euo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -- "$HERE/.." && pwd)

DRY_RUN=0
UNINSTALL=0
PURGE=0
ROOT=""
PREFIX=/opt/matou
KIOSK=auto
VOLATILE_LOGS=0
PACKAGES=1
APP=1
APP_VENV=""
SOURCE=$REPO
WHEEL=""
PICAMERA=0
START=1
UPSTREAMS=()
UPSTREAM_KEY=""

SERVICE_USER=matou
KIOSK_USER=matou-kiosk
CONFIG_DIR=/etc/matou
DATA_DIR=/var/lib/matou
KIOSK_HOME=/var/lib/matou-kiosk
UNIT_DIR=/etc/systemd/system
UDEV_DIR=/etc/udev/rules.d
MODULES_FILE=/etc/modules-load.d/matou.conf
JOURNALD_DIR=/etc/systemd/journald.conf.d
PAM_FILE=/etc/pam.d/matou-kiosk
WRAPPER=/usr/local/bin/edge
UNITS=(matou-core.service matou-backup.service matou-backup.timer matou-kiosk.service
       matou-ui-web.service matou-kiosk-web.service)
UDEV_RULES=(70-matou-printers.rules 70-matou-camera.rules)
KERNEL_MODULES=(usblp cdc_acm usbserial uvcvideo)
NTP_CLIENTS=(chrony ntp ntpsec openntpd)

CHANGED=()
PACKAGES_ADDED=()
GETTY_DISABLED=0

usage() {
    cat <<EOF
Usage: setup.sh [options]

  --dry-run           print every action without doing it (no root needed)
  --uninstall         remove the units, rules, app and files setup.sh added;
                      keeps $CONFIG_DIR/edge.toml, $DATA_DIR (database, backups, keys) and users
  --purge             with --uninstall: also remove config, data and the users
  --kiosk MODE        terminal: cage + foot + edge ui on tty1
                      web: cage + Chromium on textual-serve (touch screens on Debian 12)
                      none: no screen (core only; e.g. kitchen printing box)
                      auto (default): web if a touch screen is connected and foot is too
                      old for touch (Debian 12), else terminal
  --volatile-logs     keep the journal in RAM only (no log writes to the SD card)
  --picamera          Pi CSI camera: install python3-picamera2, venv sees system packages
  --upstream URL      an upstream base URL enrollment codes may name (repeatable); written to
                      [upstream] allowed_urls of a new edge.toml: codes for any other are refused
  --upstream-key KEY  the upstream's public key (edge-upstream public-key): enrollment codes
                      must be signed by it ([upstream] public_key of a new edge.toml)
  --source DIR        install the app from this source tree (default: $REPO)
  --wheel FILE        install the app from this wheel instead
  --app-venv DIR      use an existing venv with the app installed, as it is (units run
                      DIR/bin/edge); with --root, DIR must be valid on both sides
  --no-app            do not install or update the app
  --no-packages       do not install Debian packages
  --no-start          enable the units but do not start or restart them now
  --prefix DIR        where the app lives (default: /opt/matou)
  --root DIR          install into a scratch root (image building, tests): no packages,
                      users or running services; units enabled with systemctl --root
  -h, --help          this help
EOF
}

say() { printf '\n==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
skip() { printf '    skip: %s\n' "$*"; }
warn() { printf '    warning: %s\n' "$*" >&2; }
die() { printf 'setup.sh: %s\n' "$*" >&2; exit 1; }

# Print a command, then run it unless this is a dry run.
run() {
    if ((DRY_RUN)); then printf '    [dry-run]'; else printf '    +'; fi
    printf ' %q' "$@"
    printf '\n'
    ((DRY_RUN)) || "$@"
}

# The path of a target-system file on this machine (inside --root when given).
t() { printf '%s%s' "$ROOT" "$1"; }

systemd_running() { [[ -z $ROOT && -d /run/systemd/system ]]; }

systemctl_offline() {
    if [[ -n $ROOT ]]; then
        run systemctl --root="$ROOT" "$@"
    else
        run systemctl --root=/ "$@"
    fi
}

is_enabled() {
    local root=${ROOT:-/}
    systemctl --root="$root" is-enabled --quiet "$1" 2>/dev/null
}

unit_known() {
    local unit=$1 dir
    for dir in /etc/systemd/system /lib/systemd/system /usr/lib/systemd/system; do
        [[ -e $(t "$dir/$unit") ]] && return 0
    done
    return 1
}

set_owner() {
    [[ -z $ROOT ]] || return 0 # the scratch root's users are not this machine's
    chown "$2" "$1"
}

# Fix mode and owner of an existing target path.
fix_mode() {
    local path=$1 mode=$2 owner=$3 target have
    target=$(t "$path")
    [[ -e $target ]] || return 0
    have=$(stat -c '%a' "$target")
    [[ $have == "${mode#0}" ]] || run chmod "$mode" "$target"
    if [[ -z $ROOT ]]; then
        have=$(stat -c '%U:%G' "$target")
        [[ $have == "$owner" ]] || run chown "$owner" "$target"
    fi
}

# Rewrite the default paths in a shipped file for --prefix / --app-venv.
render() {
    sed -e "s|/opt/matou/venv|$VENV|g" -e "s|/opt/matou|$PREFIX|g" "$1"
}

write_content() {
    local dest=$1 mode=$2 owner=$3 content=$4 target
    target=$(t "$dest")
    if [[ -f $target ]] && printf '%s' "$content" | cmp -s - "$target"; then
        fix_mode "$dest" "$mode" "$owner"
        ok "$dest unchanged"
        return 0
    fi
    CHANGED+=("$dest")
    if ((DRY_RUN)); then
        printf '    [dry-run] write %s (mode %s, owner %s)\n' "$target" "$mode" "$owner"
        return 0
    fi
    printf '    + write %s (mode %s, owner %s)\n' "$target" "$mode" "$owner"
    mkdir -p "$(dirname "$target")"
    printf '%s' "$content" >"$target.matou-new"
    chmod "$mode" "$target.matou-new"
    set_owner "$target.matou-new" "$owner"
    mv -f "$target.matou-new" "$target"
}

install_file() {
    local src=$1 dest=$2 mode=$3 owner=${4:-root:root} content
    [[ -f $src ]] || die "missing $src (is the hardware/ directory complete?)"
    content=$(render "$src"; printf x)
    write_content "$dest" "$mode" "$owner" "${content%x}"
}

# A config file the technician may edit: installed when missing, never overwritten.
install_config_file() {
    local src=$1 dest=$2 mode=$3
    if [[ -f $(t "$dest") ]]; then
        fix_mode "$dest" "$mode" root:root
        ok "$dest exists (kept as it is)"
    else
        install_file "$src" "$dest" "$mode"
    fi
}

remove_path() {
    local path=$1 target
    target=$(t "$path")
    if [[ -e $target || -L $target ]]; then
        CHANGED+=("$path")
        run rm -rf -- "$target"
    fi
}

ensure_dir() {
    local dir=$1 mode=$2 owner=$3 target
    target=$(t "$dir")
    if [[ -d $target ]]; then
        fix_mode "$dir" "$mode" "$owner"
        ok "$dir exists"
        return 0
    fi
    if [[ -z $ROOT ]]; then
        run install -d -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$target"
    else
        run install -d -m "$mode" "$target"
    fi
}

package_installed() {
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)
    [[ $status == "install ok installed" ]]
}

package_available() {
    local candidate
    candidate=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n 1)
    [[ -n $candidate && $candidate != "(none)" ]]
}

parse_args() {
    while (($#)); do
        case $1 in
            --dry-run) DRY_RUN=1 ;;
            --uninstall) UNINSTALL=1 ;;
            --purge) PURGE=1 ;;
            --kiosk) KIOSK=${2:?--kiosk needs terminal, web, none or auto}; shift ;;
            --kiosk=*) KIOSK=${1#*=} ;;
            --volatile-logs) VOLATILE_LOGS=1 ;;
            --picamera) PICAMERA=1 ;;
            --upstream) UPSTREAMS+=("${2:?--upstream needs a URL}"); shift ;;
            --upstream-key) UPSTREAM_KEY=${2:?--upstream-key needs a key}; shift ;;
            --source) SOURCE=${2:?--source needs a directory}; shift ;;
            --wheel) WHEEL=${2:?--wheel needs a file}; shift ;;
            --app-venv) APP_VENV=${2:?--app-venv needs a directory}; shift ;;
            --no-app) APP=0 ;;
            --no-packages) PACKAGES=0 ;;
            --no-start) START=0 ;;
            --prefix) PREFIX=${2:?--prefix needs a directory}; shift ;;
            --root) ROOT=${2:?--root needs a directory}; shift ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; die "unknown option: $1" ;;
        esac
        shift
    done
    case $KIOSK in terminal | web | none | auto) ;; *) die "--kiosk must be terminal, web, none or auto" ;; esac
    [[ $PREFIX == /* ]] || die "--prefix must be an absolute path"
    ((PURGE == 0 || UNINSTALL == 1)) || die "--purge goes with --uninstall"
    if [[ -n $ROOT ]]; then
        [[ -d $ROOT ]] || die "--root $ROOT: no such directory"
        ROOT=$(cd -- "$ROOT" && pwd)
        [[ $ROOT != / ]] || ROOT=""
    fi
    if [[ -n $ROOT && $APP == 1 && -z $APP_VENV && $UNINSTALL == 0 ]]; then
        die "--root needs --no-app or --app-venv: a venv made inside a scratch root points into it"
    fi
    if [[ -n $WHEEL ]]; then
        [[ -f $WHEEL ]] || die "--wheel $WHEEL: no such file"
        WHEEL=$(cd -- "$(dirname -- "$WHEEL")" && pwd)/$(basename -- "$WHEEL")
    fi
    VENV=${APP_VENV:-$PREFIX/venv}
    if [[ -n $APP_VENV ]]; then VENV_HOST=$APP_VENV; else VENV_HOST=$(t "$VENV"); fi
    if ((!DRY_RUN)) && [[ -z $ROOT ]] && ((EUID != 0)); then
        die "run as root (sudo $0 ...), or try --dry-run first"
    fi
}

detect_os() {
    local release=/etc/os-release arch
    [[ -n $ROOT && -f $ROOT/etc/os-release ]] && release=$ROOT/etc/os-release
    [[ -f $release ]] || die "no /etc/os-release: not a Debian system"
    # shellcheck disable=SC1090
    OS_ID=$(. "$release" && printf '%s' "${ID:-}")
    # shellcheck disable=SC1090
    OS_VERSION=$(. "$release" && printf '%s' "${VERSION_ID:-}")
    # shellcheck disable=SC1090
    OS_NAME=$(. "$release" && printf '%s' "${PRETTY_NAME:-$OS_ID $OS_VERSION}")
    [[ $OS_ID != raspbian ]] || die "32-bit Raspberry Pi OS: Matou needs the 64-bit one (no 32-bit ARM wheels for the scanner libraries)"
    arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
    case $arch in
        arm64 | aarch64 | amd64 | x86_64) ;;
        *) die "architecture $arch: Matou needs a 64-bit system (arm64 on a Pi)" ;;
    esac
    OS_MAJOR=${OS_VERSION%%.*}
    [[ $OS_MAJOR =~ ^[0-9]+$ ]] || OS_MAJOR=0
    if ((OS_MAJOR == 12)); then
        ZBAR=libzbar0
    elif ((OS_MAJOR >= 13)); then
        ZBAR=libzbar0t64 # the 64-bit time_t transition renamed it
    elif package_available libzbar0t64; then
        ZBAR=libzbar0t64
    else
        ZBAR=libzbar0
    fi
    if [[ $OS_ID != debian ]] || ((OS_MAJOR != 12 && OS_MAJOR != 13)); then
        warn "$OS_NAME is not Debian 12 or 13 / Raspberry Pi OS Bookworm: untested"
    fi
    CHROMIUM=chromium
    if ! package_available chromium && package_available chromium-browser; then
        CHROMIUM=chromium-browser
    fi
}

has_touchscreen() {
    command -v udevadm >/dev/null 2>&1 || return 1
    local count
    count=$(udevadm info --export-db 2>/dev/null | grep -c '^E: ID_INPUT_TOUCHSCREEN=1$' || true)
    ((count > 0))
}

resolve_kiosk() {
    KIOSK_REASON="chosen with --kiosk"
    [[ $KIOSK == auto ]] || return 0
    if [[ -n $ROOT ]]; then
        KIOSK=terminal
        KIOSK_REASON="auto in a scratch root (no screen to look at)"
    elif has_touchscreen && ((OS_MAJOR < 13)); then
        KIOSK=web
        KIOSK_REASON="auto: a touch screen is connected and foot on Debian $OS_VERSION has no touch input"
    else
        KIOSK=terminal
        KIOSK_REASON="auto: no touch screen found, or foot handles touch on this release"
    fi
}

wanted_packages() {
    WANTED=(python3-venv "$ZBAR" fonts-noto-cjk libusb-1.0-0 fake-hwclock)
    local client ntp_client=""
    for client in "${NTP_CLIENTS[@]}"; do
        if package_installed "$client"; then ntp_client=$client; fi
    done
    if [[ -z $ntp_client ]]; then WANTED+=(systemd-timesyncd); fi
    case $KIOSK in
        terminal) WANTED+=(cage foot libpam-systemd) ;;
        web) WANTED+=(cage "$CHROMIUM" libpam-systemd) ;;
    esac
    if ((PICAMERA)); then WANTED+=(python3-picamera2); fi
}

step_preflight() {
    say "Plan"
    detect_os
    resolve_kiosk
    printf '    system:   %s (%s)\n' "$OS_NAME" "$(dpkg --print-architecture 2>/dev/null || uname -m)"
    printf '    target:   %s\n' "${ROOT:-/ (this machine)}"
    printf '    app:      %s (venv %s)\n' "$PREFIX" "$VENV"
    printf '    kiosk:    %s (%s)\n' "$KIOSK" "$KIOSK_REASON"
    printf '    logs:     %s\n' "$([[ $VOLATILE_LOGS == 1 ]] && echo "volatile (RAM only)" || echo "persistent, capped at 64 MiB")"
    ((DRY_RUN)) && printf '    mode:     dry run: nothing will be changed\n'
    if ((APP)) && [[ -z $APP_VENV ]]; then
        python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null ||
            die "Matou needs python3 >= 3.11 (Debian 12 has 3.11)"
        if [[ -z $WHEEL && ! -f $SOURCE/pyproject.toml ]]; then
            die "--source $SOURCE has no pyproject.toml"
        fi
    fi
    if [[ -n $APP_VENV && $UNINSTALL == 0 && ! -x $APP_VENV/bin/edge ]]; then
        die "--app-venv $APP_VENV has no bin/edge"
    fi
}

step_packages() {
    say "Debian packages"
    wanted_packages
    local missing=() pkg
    for pkg in "${WANTED[@]}"; do
        if [[ -z $ROOT ]] && package_installed "$pkg"; then ok "$pkg installed"; else missing+=("$pkg"); fi
    done
    if ((${#missing[@]} == 0)); then return 0; fi
    if [[ -n $ROOT ]]; then
        skip "scratch root: install in the image: apt-get install --no-install-recommends ${missing[*]}"
        return 0
    fi
    if ((!PACKAGES)); then
        warn "--no-packages: missing ${missing[*]}"
        return 0
    fi
    run apt-get update
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    PACKAGES_ADDED+=("${missing[@]}")
}

ensure_user() {
    local name=$1 home=$2 group have
    shift 2
    if [[ -n $ROOT ]]; then
        skip "user $name (scratch root: setup.sh creates it on the device)"
        return 0
    fi
    if getent passwd "$name" >/dev/null; then
        ok "user $name exists"
    else
        run useradd --system --user-group --home-dir "$home" --no-create-home \
            --shell /usr/sbin/nologin --comment "Matou ($name)" "$name"
    fi
    have=" $(id -nG "$name" 2>/dev/null || true) "
    for group in "$@"; do
        if ! getent group "$group" >/dev/null; then
            warn "group $group does not exist here; $name not added to it"
        elif [[ $have == *" $group "* ]]; then
            ok "$name in group $group"
        else
            run usermod -a -G "$group" "$name"
        fi
    done
}

step_users() {
    say "Users"
    # video: cameras; lp: USB printers; dialout: serial printers.
    ensure_user "$SERVICE_USER" "$DATA_DIR" video lp dialout
    # The kiosk user gets the screen through its logind session; render: GPU, input: touch.
    # It is not in video, lp or dialout: the UI never opens a device.
    if [[ $KIOSK != none ]]; then ensure_user "$KIOSK_USER" "$KIOSK_HOME" render input; fi
}

step_dirs() {
    say "Directories"
    ensure_dir "$PREFIX" 0755 root:root
    ensure_dir "$PREFIX/bin" 0755 root:root
    ensure_dir "$PREFIX/share" 0755 root:root
    # The config holds no secrets (keys live in the data dir), so the kiosk user may read it.
    ensure_dir "$CONFIG_DIR" 0755 root:root
    ensure_dir "$DATA_DIR" 0700 "$SERVICE_USER:$SERVICE_USER"
    ensure_dir "$DATA_DIR/keys" 0700 "$SERVICE_USER:$SERVICE_USER"
    ensure_dir "$DATA_DIR/backups" 0700 "$SERVICE_USER:$SERVICE_USER"
    local key
    if [[ -d $(t "$DATA_DIR/keys") ]]; then
        while IFS= read -r -d '' key; do
            run chmod 0600 "$key"
        done < <(find "$(t "$DATA_DIR/keys")" -type f ! -perm 0600 -print0)
    fi
    if [[ $KIOSK != none ]]; then ensure_dir "$KIOSK_HOME" 0750 "$KIOSK_USER:$KIOSK_USER"; fi
}

source_stamp() {
    if [[ -n $WHEEL ]]; then
        sha256sum "$WHEEL" | cut -d' ' -f1
        return 0
    fi
    (cd -- "$SOURCE" && find pyproject.toml edge -type f ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 |
        sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

step_app() {
    say "App"
    if ((!APP)); then
        skip "app (--no-app)"
        return 0
    fi
    if [[ -n $APP_VENV ]]; then
        ok "using the existing venv $APP_VENV"
    else
        if [[ -x $VENV_HOST/bin/python ]]; then
            ok "venv $VENV exists"
        elif ((PICAMERA)); then
            run python3 -m venv --system-site-packages "$VENV_HOST"
        else
            run python3 -m venv "$VENV_HOST"
        fi
        local want have
        want=$(source_stamp)
        have=$(cat "$(t "$PREFIX/share/installed-source")" 2>/dev/null || true)
        if [[ $want == "$have" && -x $VENV_HOST/bin/edge ]]; then
            ok "app up to date (${WHEEL:-$SOURCE})"
        else
            run "$VENV_HOST/bin/python" -m pip install --quiet --no-cache-dir "${WHEEL:-$SOURCE}"
            write_content "$PREFIX/share/installed-source" 0644 root:root "$want"$'\n'
        fi
    fi
    if [[ $KIOSK == web ]]; then
        # textual-serve is an extra dependency of the web kiosk only.
        if [[ -x $VENV_HOST/bin/python ]] && "$VENV_HOST/bin/python" -c 'import textual_serve' 2>/dev/null; then
            ok "textual-serve installed"
        elif [[ -n $APP_VENV ]]; then
            warn "textual-serve is missing in $APP_VENV (left as it is): $APP_VENV/bin/python -m pip install textual-serve"
        else
            run "$VENV_HOST/bin/python" -m pip install --quiet --no-cache-dir textual-serve
        fi
    fi
}

step_config() {
    say "Config"
    local cfg=$CONFIG_DIR/edge.toml
    if [[ -f $(t "$cfg") ]]; then
        ok "$cfg exists (kept as it is)"
        fix_mode "$cfg" 0644 root:root
        if ((${#UPSTREAMS[@]})) || [[ -n $UPSTREAM_KEY ]]; then
            warn "$cfg kept: set the upstream allow-list and key in its [upstream] section by hand"
        fi
    elif ((!APP)) && [[ ! -x $VENV_HOST/bin/edge ]]; then
        skip "$cfg: no app to write it (--no-app); later: edge init --path $cfg"
        return 0
    else
        local upstream_args=() url
        for url in "${UPSTREAMS[@]}"; do upstream_args+=(--upstream "$url"); done
        [[ -n $UPSTREAM_KEY ]] && upstream_args+=(--upstream-key "$UPSTREAM_KEY")
        run "$VENV_HOST/bin/edge" init --path "$(t "$cfg")" "${upstream_args[@]}"
        run sed -i 's|^data_dir = ""|data_dir = "'"$DATA_DIR"'"|' "$(t "$cfg")"
        run chmod 0644 "$(t "$cfg")"
        CHANGED+=("$cfg")
    fi
    if [[ -f $(t "$cfg") && -x $VENV_HOST/bin/python ]]; then
        if "$VENV_HOST/bin/python" -c 'import sys; from edge.config import load_config; load_config(sys.argv[1])' \
            "$(t "$cfg")" 2>/dev/null; then
            ok "$cfg is valid"
        else
            warn "$cfg does not load; check it with: edge status --config $cfg"
        fi
    fi
}

step_files() {
    say "System files"
    local unit rule
    for unit in "${UNITS[@]}"; do
        install_file "$HERE/systemd/$unit" "$UNIT_DIR/$unit" 0644
    done
    for rule in "${UDEV_RULES[@]}"; do
        install_file "$HERE/udev/$rule" "$UDEV_DIR/$rule" 0644
    done
    install_file "$HERE/modules-load.d/matou.conf" "$MODULES_FILE" 0644
    install_file "$HERE/journald.conf.d/60-matou.conf" "$JOURNALD_DIR/60-matou.conf" 0644
    if ((VOLATILE_LOGS)); then
        install_file "$HERE/journald.conf.d/61-matou-volatile.conf" "$JOURNALD_DIR/61-matou-volatile.conf" 0644
    else
        remove_path "$JOURNALD_DIR/61-matou-volatile.conf"
    fi
    install_file "$HERE/bin/edge-wrapper.sh" "$WRAPPER" 0755
    if [[ $KIOSK != none ]]; then
        install_file "$HERE/kiosk/pam-matou-kiosk" "$PAM_FILE" 0644
        install_config_file "$HERE/kiosk/foot.ini" "$CONFIG_DIR/foot.ini" 0644
        install_file "$HERE/kiosk/matou-web-kiosk.sh" "$PREFIX/bin/matou-web-kiosk" 0755
    fi
    install_file "$HERE/printers.toml" "$PREFIX/share/printers.toml" 0644
    local doc
    for doc in install-pi.md hardware.md; do
        if [[ -f $REPO/docs/$doc ]]; then install_file "$REPO/docs/$doc" "$PREFIX/share/doc/$doc" 0644; fi
    done
}

changed_under() {
    local item
    for item in "${CHANGED[@]}"; do [[ $item == "$1"* ]] && return 0; done
    return 1
}

step_services() {
    say "Services"
    local enable=(matou-core.service matou-backup.timer) disable=() unit module
    case $KIOSK in
        terminal) enable+=(matou-kiosk.service); disable+=(matou-kiosk-web.service matou-ui-web.service) ;;
        web) enable+=(matou-ui-web.service matou-kiosk-web.service); disable+=(matou-kiosk.service) ;;
        none) disable+=(matou-kiosk.service matou-kiosk-web.service matou-ui-web.service) ;;
    esac
    for unit in fake-hwclock.service systemd-timesyncd.service; do
        if unit_known "$unit" || { [[ -z $ROOT ]] && ((DRY_RUN)); }; then enable+=("$unit"); fi
    done
    if systemd_running && changed_under /etc/systemd/system; then run systemctl daemon-reload; fi
    for unit in "${disable[@]}"; do
        if is_enabled "$unit"; then
            if systemd_running; then run systemctl disable --now "$unit"; else systemctl_offline disable "$unit"; fi
        fi
    done
    if [[ $KIOSK != none ]] && is_enabled getty@tty1.service; then
        # The kiosk owns tty1; technicians use SSH (or Ctrl+Alt+F2 when VT switching is allowed).
        systemctl_offline disable getty@tty1.service
        GETTY_DISABLED=1
    fi
    for unit in "${enable[@]}"; do
        if is_enabled "$unit"; then ok "$unit enabled"; else systemctl_offline enable "$unit"; fi
    done
    if ! systemd_running; then
        skip "starting services: systemd is not running here (they start at the next boot)"
        return 0
    fi
    if changed_under /etc/udev; then
        run udevadm control --reload-rules
        run udevadm trigger --action=add --subsystem-match=usb --subsystem-match=usbmisc \
            --subsystem-match=video4linux --subsystem-match=dma_heap
    fi
    for module in "${KERNEL_MODULES[@]}"; do
        if [[ ! -d /sys/module/$module ]]; then run modprobe "$module" || warn "modprobe $module failed"; fi
    done
    if changed_under "$JOURNALD_DIR"; then run systemctl restart systemd-journald.service; fi
    if [[ $(timedatectl show --property=NTP --value 2>/dev/null || true) == yes ]]; then
        ok "NTP on"
    else
        run timedatectl set-ntp true || warn "could not turn NTP on (is an NTP client installed?)"
    fi
    if ((!START)); then
        skip "starting services (--no-start)"
        return 0
    fi
    for unit in "${enable[@]}"; do
        case $unit in
            matou-*.service)
                if ((${#CHANGED[@]})) || ! systemctl is-active --quiet "$unit"; then run systemctl restart "$unit"; else ok "$unit running"; fi ;;
            *) systemctl is-active --quiet "$unit" || run systemctl start "$unit" ;;
        esac
    done
}

step_state() {
    say "Install record"
    local file=$PREFIX/share/setup-state previous="" getty=0 content
    if [[ -f $(t "$file") ]]; then
        previous=$(sed -n 's/^packages_added=//p' "$(t "$file")")
        getty=$(sed -n 's/^getty_tty1_disabled=//p' "$(t "$file")")
    fi
    ((GETTY_DISABLED)) && getty=1
    local packages previous_list=()
    read -r -a previous_list <<<"$previous"
    packages=$(printf '%s\n' "${previous_list[@]}" "${PACKAGES_ADDED[@]}" | sed '/^$/d' | sort -u | tr '\n' ' ')
    content="# written by hardware/setup.sh; read by setup.sh --uninstall
kiosk=$KIOSK
packages_added=${packages% }
getty_tty1_disabled=${getty:-0}
"
    write_content "$file" 0644 root:root "$content"
}

step_check() {
    say "Check"
    if ((DRY_RUN)); then
        printf '    dry run done: nothing was changed.\n'
        return 0
    fi
    if systemd_running && ((START)); then
        local i
        for ((i = 0; i < 15; i++)); do
            systemctl is-active --quiet matou-core.service && break
            sleep 1
        done
        if systemctl is-active --quiet matou-core.service; then
            ok "matou-core.service is running; next: sudo edge status"
        else
            warn "matou-core.service is not running: journalctl -u matou-core -n 50"
        fi
    fi
    printf '    done. Follow docs/install-pi.md for the checks after this step.\n'
}

install_all() {
    step_preflight
    step_packages
    step_users
    step_dirs
    step_app
    step_config
    step_files
    step_services
    step_state
    step_check
}

uninstall_all() {
    say "Plan"
    printf '    uninstall from %s%s\n' "${ROOT:-/ (this machine)}" "$( ((PURGE)) && echo ', purging config, data and users')"
    ((DRY_RUN)) && printf '    mode:     dry run: nothing will be changed\n'
    local state=$PREFIX/share/setup-state packages="" getty=0 unit rule
    if [[ -f $(t "$state") ]]; then
        packages=$(sed -n 's/^packages_added=//p' "$(t "$state")")
        getty=$(sed -n 's/^getty_tty1_disabled=//p' "$(t "$state")")
    fi

    say "Services"
    for unit in matou-kiosk.service matou-kiosk-web.service matou-ui-web.service matou-backup.timer \
        matou-core.service; do
        [[ -e $(t "$UNIT_DIR/$unit") ]] || continue
        if systemd_running; then
            run systemctl disable --now "$unit" || warn "could not stop $unit"
        elif is_enabled "$unit"; then
            systemctl_offline disable "$unit"
        fi
    done
    if [[ $getty == 1 ]] && ! is_enabled getty@tty1.service; then
        systemctl_offline enable getty@tty1.service
    fi

    say "Files"
    for unit in "${UNITS[@]}"; do remove_path "$UNIT_DIR/$unit"; done
    for rule in "${UDEV_RULES[@]}"; do remove_path "$UDEV_DIR/$rule"; done
    remove_path "$MODULES_FILE"
    remove_path "$JOURNALD_DIR/60-matou.conf"
    remove_path "$JOURNALD_DIR/61-matou-volatile.conf"
    remove_path "$PAM_FILE"
    remove_path "$WRAPPER"
    remove_path "$CONFIG_DIR/foot.ini"
    remove_path "$PREFIX"
    if systemd_running && ((${#CHANGED[@]})); then
        run systemctl daemon-reload
        run udevadm control --reload-rules || true
        run systemctl restart systemd-journald.service
    fi

    say "Data"
    if ((PURGE)); then
        remove_path "$CONFIG_DIR"
        remove_path "$DATA_DIR"
        remove_path "$KIOSK_HOME"
        local user
        for user in "$KIOSK_USER" "$SERVICE_USER"; do
            if [[ -z $ROOT ]] && getent passwd "$user" >/dev/null; then run userdel "$user"; fi
        done
    else
        ok "kept $CONFIG_DIR/edge.toml, $DATA_DIR (database, backups, keys) and the users $SERVICE_USER, $KIOSK_USER; --purge removes them"
    fi
    if [[ -n $packages ]]; then
        ok "Debian packages setup.sh installed are left in place; to remove them: apt-get purge $packages"
    fi
    ((DRY_RUN)) && printf '    dry run done: nothing was changed.\n'
    return 0
}

main() {
    parse_args "$@"
    if ((UNINSTALL)); then uninstall_all; else install_all; fi
}

main "$@"
