#!/bin/bash
# Matou on the Pi's own architecture, proven on this machine (docs/install-pi.md, "Proven on
# arm64 before the first Pi"): an arm64 Debian bookworm root file system (Raspberry Pi OS 64-bit's
# base) built with mmdebstrap and run through qemu-user; hardware/setup.sh run in it for real;
# then the core, three printer-sims and a local upstream started with the command lines of the
# installed units, and the device checked end to end (hardware/arm64_device_check.py); then the
# unit tests on the aarch64 wheels. The last line is the verdict:
#
#   arm64 check passed: install 212 s, core up 9.8 s, order → ticket 420 ms (emulated), ...
#   arm64 check FAILED at <step>: <why> (log: <file>)
#
#   make arm64-check                     this script (not part of make test: minutes, CPU-heavy)
#   hardware/arm64-check.sh --arch armhf the same on 32-bit ARM (Raspberry Pi OS 32-bit's arch)
#   hardware/arm64-check.sh --fresh      build the cached root file system again
#   hardware/arm64-check.sh --keep       leave the work root (and its logs) for a look inside
#
# The cache (MATOU_ARM64_CACHE, default ~/.cache/matou/arm64-check, outside the repository): the
# bare root file system per architecture, apt's downloaded packages and the downloaded wheels, so
# a second run builds nothing and downloads nothing. Package registries are reached the way this
# machine reaches them: its apt sources, its CA bundle and its pip settings are carried into the
# root file system (no registry is named here).
set -euo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -- "$HERE/.." && pwd)

ARCH=arm64
SUITE=bookworm
FRESH=0
KEEP=0
CACHE=${MATOU_ARM64_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matou/arm64-check}
HOST_PACKAGES=(mmdebstrap qemu-user-static binfmt-support arch-test)
# The bare system a Pi starts from (Raspberry Pi OS Lite has these): setup.sh installs the rest.
BASE_PACKAGES=(python3 ca-certificates systemd systemd-sysv procps)
UPSTREAM_PORT=8770
STEP=start
LOGS=""
WORK=""
MOUNTS=()
STARTED=$SECONDS

usage() {
    sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

say() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }

fail() {
    local why=$1 log=${2:-}
    if [[ -n $log && -f $log ]]; then
        printf '    --- the last lines of %s ---\n' "$log"
        tail -n 25 "$log" | sed 's/^/    | /'
    fi
    printf '%s check FAILED at %s: %s%s\n' "$ARCH" "$STEP" "$why" "${log:+ (log: $log)}"
    exit 1
}

# Run a step's command with its output in the step's log; a failure names the step and the log.
logged() {
    local name=$1 log
    shift
    log=$LOGS/$name.log
    if ! "$@" >"$log" 2>&1; then
        fail "$name did not succeed" "$log"
    fi
}

parse_args() {
    while (($#)); do
        case $1 in
            --arch) ARCH=${2:?--arch needs arm64 or armhf}; shift ;;
            --arch=*) ARCH=${1#*=} ;;
            --fresh) FRESH=1 ;;
            --keep) KEEP=1 ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; printf 'arm64-check: unknown option %s\n' "$1" >&2; exit 2 ;;
        esac
        shift
    done
    case $ARCH in arm64 | armhf) ;; *) printf 'arm64-check: --arch must be arm64 or armhf\n' >&2; exit 2 ;; esac
}

step_host() {
    STEP="host packages"
    say "Host: ${HOST_PACKAGES[*]}"
    local missing=() pkg
    for pkg in "${HOST_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        note "ok: installed"
    elif ((EUID != 0)); then
        fail "missing ${missing[*]}: run sudo apt-get install -y --no-install-recommends ${missing[*]} (or run this as root)"
    else
        logged apt-install env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
        note "installed ${missing[*]}"
    fi
    ((EUID == 0)) || fail "building and entering the root file system needs root: sudo make arm64-check"
}

step_binfmt() {
    STEP="binfmt_misc"
    say "qemu-user for $ARCH (binfmt_misc)"
    local interp=qemu-aarch64
    [[ $ARCH == armhf ]] && interp=qemu-arm
    if [[ ! -e /proc/sys/fs/binfmt_misc/status ]]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null ||
            fail "binfmt_misc is not mounted and cannot be: on the host run 'mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc' (a container needs it from its host)"
    fi
    if [[ ! -e /proc/sys/fs/binfmt_misc/$interp ]]; then
        update-binfmts --enable "$interp" >/dev/null 2>&1 ||
            fail "cannot register $interp: on the host run 'update-binfmts --enable $interp' (package qemu-user-static)"
    fi
    arch-test "$ARCH" >/dev/null 2>&1 || fail "$ARCH binaries do not run here even with $interp registered (arch-test $ARCH)"
    note "ok: $ARCH binaries run through $(head -n 2 "/proc/sys/fs/binfmt_misc/$interp" | tail -n 1)"
}

# The host's apt sources of the target suite, for mmdebstrap (its mirror and security archive,
# whatever they are: nothing named here): deb822 stanzas gathered in one file, one-line entries
# as they are. Sets MIRRORS.
host_sources() {
    local out=$1 file line
    MIRRORS=()
    : >"$out"
    for file in /etc/apt/sources.list.d/*.sources; do
        [[ -f $file ]] || continue
        awk -v suite="$SUITE" 'BEGIN { RS = ""; ORS = "\n\n" }
            $0 ~ ("Suites:[^\n]*" suite) && $0 !~ /Enabled: *no/' "$file" >>"$out"
    done
    [[ -s $out ]] && MIRRORS+=("$out")
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $file ]] || continue
        while IFS= read -r line; do
            MIRRORS+=("$line")
        done < <(grep -E "^deb (\[[^]]*\] )?[^ ]+ $SUITE(-[a-z]+)? " "$file" || true)
    done
    ((${#MIRRORS[@]})) || fail "no apt source for $SUITE on this machine (/etc/apt/sources.list[.d])"
}

step_rootfs() {
    STEP="root file system"
    local base=$CACHE/rootfs-$ARCH-$SUITE stamp want
    want="$ARCH $SUITE ${BASE_PACKAGES[*]}"
    stamp=$base/.matou-rootfs
    say "Root file system: Debian $SUITE $ARCH (cached in $base)"
    if ((FRESH)) || [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
        rm -rf "$base" "$base.new"
        host_sources "$CACHE/sources-$SUITE"
        local started=$SECONDS includes
        includes=$(IFS=,; printf '%s' "${BASE_PACKAGES[*]}")
        logged mmdebstrap mmdebstrap --arch="$ARCH" --variant=required --include="$includes" \
            "$SUITE" "$base.new" "${MIRRORS[@]}"
        printf '%s' "$want" >"$base.new/.matou-rootfs"
        mv "$base.new" "$base"
        BUILT_S=$((SECONDS - started))
        note "built in ${BUILT_S} s"
    else
        BUILT_S=0
        note "ok: cached ($(du -sh "$base" 2>/dev/null | cut -f1))"
    fi
    BASE=$base
}

cleanup() {
    local i
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount -l "${MOUNTS[i]}" 2>/dev/null || true
    done
    MOUNTS=()
    if [[ -n $WORK && -d $WORK ]]; then
        local proc
        for proc in /proc/[0-9]*; do  # whatever still runs inside the work root (a check cut short)
            [[ $(readlink "$proc/root" 2>/dev/null) == "$WORK" ]] && kill -9 "${proc#/proc/}" 2>/dev/null
        done
        ((KEEP)) || rm -rf "$WORK" 2>/dev/null || true
    fi
}

bind() {
    local src=$1 dest=$WORK$2
    shift 2
    mkdir -p "$dest"
    mount --bind "$@" "$src" "$dest"
    MOUNTS+=("$dest")
}

# Carry this machine's way of reaching package registries into the root: its CA bundle, pip
# settings (and the local wheel folders they name), DNS and proxy settings.
carry_registry_config() {
    local file token dir
    cp -L /etc/resolv.conf "$WORK/etc/resolv.conf" 2>/dev/null || true
    if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
        cp /etc/ssl/certs/ca-certificates.crt "$WORK/etc/ssl/certs/ca-certificates.crt"
    fi
    for file in /etc/pip.conf "$HOME/.pip/pip.conf" "$HOME/.config/pip/pip.conf"; do
        [[ -f $file ]] || continue
        mkdir -p "$WORK$(dirname "$file")"
        cp "$file" "$WORK$file"
        # local folders the settings name (find-links, a file:// index and the files beside it)
        for token in $(grep -oE '(file://)?/[^ ]+' "$file" || true); do
            dir=${token#file://}
            [[ $dir == */simple || $dir == */simple/ ]] && dir=$(dirname "$dir")
            if [[ -d $dir && ! -d $WORK$dir/. ]] || [[ -d $dir && -z $(ls -A "$WORK$dir" 2>/dev/null) ]]; then
                bind "$dir" "$dir" -o ro
            fi
        done
    done
    if [[ -n ${PIP_FIND_LINKS:-} && -d ${PIP_FIND_LINKS} && -z $(ls -A "$WORK$PIP_FIND_LINKS" 2>/dev/null) ]]; then
        bind "$PIP_FIND_LINKS" "$PIP_FIND_LINKS" -o ro
    fi
}

# The variables a process in the root sees: a clean environment plus this machine's registry
# settings (CA bundle, pip, proxies), so pip and apt inside reach what they reach here.
chroot_env() {
    local name
    CHROOT_ENV=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
        "PIP_FIND_LINKS=/var/cache/matou-wheels${PIP_FIND_LINKS:+ $PIP_FIND_LINKS}")
    for name in $(compgen -v); do
        case $name in
            PIP_FIND_LINKS) ;;
            PIP_* | SSL_CERT_FILE | SSL_CERT_DIR | REQUESTS_CA_BUNDLE | CURL_CA_BUNDLE | http_proxy | https_proxy | \
                no_proxy | HTTP_PROXY | HTTPS_PROXY | NO_PROXY) CHROOT_ENV+=("$name=${!name}") ;;
        esac
    done
}

inside() {
    chroot "$WORK" /usr/bin/env -i "${CHROOT_ENV[@]}" "$@"
}

step_work_root() {
    STEP="work root"
    say "Work root: a copy of the cached root, this repository in /root/matou"
    WORK=$CACHE/work-$ARCH
    cleanup
    WORK=$CACHE/work-$ARCH
    rm -rf "$WORK"
    cp -a --reflink=auto "$BASE" "$WORK"
    mkdir -p "$WORK/root/matou" "$CACHE/wheels-$ARCH" "$CACHE/apt-archives-$ARCH" "$LOGS"
    if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
        (cd "$REPO" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) |
            tar -xf - -C "$WORK/root/matou"
    else
        tar -C "$REPO" --exclude=.venv --exclude=.venv-emupos --exclude=.git -cf - . | tar -xf - -C "$WORK/root/matou"
    fi
    bind /proc /proc
    bind /sys /sys -o ro
    bind /dev /dev
    bind /dev/pts /dev/pts
    bind "$CACHE/apt-archives-$ARCH" /var/cache/apt/archives
    bind "$CACHE/wheels-$ARCH" /var/cache/matou-wheels
    mkdir -p "$WORK/run" "$WORK/tmp"
    chmod 1777 "$WORK/tmp"
    carry_registry_config
    chroot_env
    note "ok: $(inside uname -m) userland, $(inside python3 --version)"
}

# Wheels of the app's dependencies (and of the unit tests) for this architecture, kept in the cache
# after the first run: pip inside the root finds them through PIP_FIND_LINKS, so setup.sh (which
# runs pip with --no-cache-dir, as on a Pi) downloads nothing the next time.
step_wheels() {
    STEP="wheels"
    say "Wheels for $ARCH (cached in $CACHE/wheels-$ARCH)"
    local stamp want
    want=$(sha256sum "$REPO/pyproject.toml" | cut -d' ' -f1)
    stamp=$CACHE/wheels-$ARCH/.matou-pyproject
    if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
        note "ok: cached ($(find "$CACHE/wheels-$ARCH" -name '*.whl' | wc -l) wheels)"
        return 0
    fi
    logged pip-download inside /opt/matou/venv/bin/python -m pip download --quiet --dest /var/cache/matou-wheels \
        /root/matou pytest hypothesis import-linter
    printf '%s' "$want" >"$stamp"
    note "downloaded $(find "$CACHE/wheels-$ARCH" -name '*.whl' | wc -l) wheels"
}

step_setup() {
    STEP="hardware/setup.sh"
    say "hardware/setup.sh, for real (log: $LOGS/setup.log)"
    local started=$SECONDS
    logged setup inside bash /root/matou/hardware/setup.sh --kiosk terminal \
        --upstream "http://127.0.0.1:$UPSTREAM_PORT"
    INSTALL_S=$((SECONDS - started))
    note "ok: installed in ${INSTALL_S} s ($(grep -c '^    + ' "$LOGS/setup.log") actions)"
    STEP="setup.sh again"
    logged setup-again inside bash /root/matou/hardware/setup.sh --kiosk terminal \
        --upstream "http://127.0.0.1:$UPSTREAM_PORT"
    if grep -q '^    + ' "$LOGS/setup-again.log"; then
        fail "a second run changed something: $(grep '^    + ' "$LOGS/setup-again.log" | head -n 3 | tr '\n' ' ')" \
            "$LOGS/setup-again.log"
    fi
    note "ok: a second run changes nothing"
}

step_device() {
    STEP="device check"
    say "The device, as its units run it (log: $LOGS/device.log)"
    local result=$LOGS/device.json
    if ! inside /opt/matou/venv/bin/python /root/matou/hardware/arm64_device_check.py \
        --upstream-port "$UPSTREAM_PORT" --result /root/device-check.json >"$LOGS/device.log" 2>&1; then
        cp "$WORK/root/device-check.json" "$result" 2>/dev/null || true
        fail "$(tail -n 1 "$LOGS/device.log")" "$LOGS/device.log"
    fi
    cp "$WORK/root/device-check.json" "$result"
    sed -n 's/^ok: /    ok: /p' "$LOGS/device.log"
}

step_tests() {
    STEP="unit tests"
    say "The domain and unit tests on the $ARCH wheels (log: $LOGS/tests.log)"
    logged test-deps inside /opt/matou/venv/bin/python -m pip install --quiet pytest hypothesis import-linter
    local started=$SECONDS
    if ! inside /usr/bin/env -C /root/matou /opt/matou/venv/bin/python -m pytest -q -p no:cacheprovider \
        tests/unit >"$LOGS/tests.log" 2>&1; then
        fail "$(tail -n 1 "$LOGS/tests.log")" "$LOGS/tests.log"
    fi
    TESTS_S=$((SECONDS - started))
    TESTS=$(grep -oE '[0-9]+ passed' "$LOGS/tests.log" | tail -n 1)
    note "ok: $TESTS in ${TESTS_S} s"
}

# 32-bit ARM (Raspberry Pi OS 32-bit's armhf): setup.sh refuses it, because the app's compiled
# dependencies have no 32-bit ARM wheels on the package index (building OpenCV on a Pi takes
# hours). Tried the same way: each dependency of pyproject.toml, with its own dependencies, asked
# for as binary wheels for this root; one that has none here but has them for arm64 is named (a
# pure-Python package published as source only, built anywhere, is not).
step_armhf_wheels() {
    STEP="wheels for armhf"
    say "Wheels for armhf: each dependency of pyproject.toml, as binary wheels for this root"
    logged armhf-apt-update inside apt-get update
    logged armhf-venv inside env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv
    logged armhf-probe-venv inside python3 -m venv /root/probe
    local deps dep missing=() have=0 source_only=() glibc AARCH64_TAGS=()
    for glibc in 17 24 26 27 28 31 34 35 36; do  # the manylinux levels bookworm's glibc 2.36 runs
        AARCH64_TAGS+=(--platform "manylinux_2_${glibc}_aarch64")
    done
    deps=$(inside python3 -c 'import tomllib; print("\n".join(tomllib.load(open("/root/matou/pyproject.toml", "rb"))["project"]["dependencies"]))')
    while IFS= read -r dep; do
        [[ -n $dep ]] || continue
        if inside /root/probe/bin/python -m pip download --quiet --only-binary=:all: --dest /tmp/probe "$dep" \
            >>"$LOGS/armhf-wheels.log" 2>&1; then
            have=$((have + 1))
        elif inside /root/probe/bin/python -m pip download --quiet --only-binary=:all: --dest /tmp/probe-arm64 \
            "${AARCH64_TAGS[@]}" --python-version 3.11 --implementation cp --abi cp311 "$dep" \
            >>"$LOGS/armhf-wheels.log" 2>&1; then
            missing+=("$dep")
        else
            source_only+=("$dep")
        fi
    done <<<"$deps"
    if ((${#missing[@]})); then
        fail "no 32-bit ARM wheels (for them or their dependencies) on the package index, while arm64 has them: ${missing[*]} ($have of $((have + ${#missing[@]} + ${#source_only[@]})) dependencies install from armhf wheels${source_only[*]:+; source only everywhere: ${source_only[*]}}); hardware/setup.sh refuses armhf: use Raspberry Pi OS 64-bit" \
            "$LOGS/armhf-wheels.log"
    fi
    note "ok: every compiled dependency has an armhf wheel"
}

summary() {
    local figures
    figures=$(python3 - "$LOGS/device.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
print(f"core up {d['core_up_s']:.1f} s, order → ticket {d['order_to_ticket_ms']:.0f} ms (emulated), "
      f"scan {d['scan_ms']:.0f} ms an image, print-test {d['print_test_ms']:.0f} ms, "
      f"doctor {d['doctor_ok']}/{d['doctor_total']} ok")
PY
    )
    printf '%s check passed: install %s s, %s, %s unit tests in %s s, root file system %s, total %s s\n' \
        "$ARCH" "$INSTALL_S" "$figures" "${TESTS% passed}" "$TESTS_S" \
        "$( ((BUILT_S)) && printf 'built in %s s' "$BUILT_S" || printf 'cached')" "$((SECONDS - STARTED))"
}

main() {
    parse_args "$@"
    LOGS=$CACHE/logs-$ARCH
    mkdir -p "$CACHE"
    rm -rf "$LOGS"
    mkdir -p "$LOGS"
    trap cleanup EXIT
    step_host
    step_binfmt
    step_rootfs
    step_work_root
    [[ $ARCH != armhf ]] || step_armhf_wheels
    step_setup
    step_wheels
    step_device
    step_tests
    summary
}

main "$@"
