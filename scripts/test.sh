#!/usr/bin/env bash
# The one test command (see README): on a fresh Debian machine, install the
# stock FTP programs the end-to-end tests drive (lftp, curl, python3,
# rclone, tnftp and wget as clients; vsftpd and pyftpdlib as servers for ftpc; moto as the S3 store
# of the S3 backend's tests) and the system tools
# they use, build the binaries the tests run, then run every test in the
# workspace. Everything the tests start is in this repository (vsftpd's
# launcher is tests/scripts/start-vsftpd.sh); a test whose tool or root is
# missing fails and says so, it is never skipped.
#
# perf is not installed: the benchmark's smoke test uses it when present and
# reads /proc otherwise.
#
# Run it as root: the vsftpd tests (vsftpd logs in a system user) and the
# disk-full test (it mounts a tmpfs) need it, and fail saying so otherwise.
# As a user with passwordless sudo the installs still work. Never reads
# stdin. Tools already present are not reinstalled, so a second run goes
# straight to cargo.
set -euo pipefail

cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

# Run a command as root: directly, or through sudo when we are not root.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n env DEBIAN_FRONTEND=noninteractive "$@"
    else
        echo "test.sh: need root or sudo to run: $*" >&2
        exit 1
    fi
}

# Debian packages the tests need, each listed only if it is missing: the
# program a test runs, and the package that has it. Most of the second half
# are in every Debian install, but not in every minimal container image.
# Programs are looked for in /usr/sbin and /sbin too (vsftpd, useradd),
# which a normal user's PATH may lack; `kill` as a program, not the builtin.
have() { PATH="$PATH:/usr/sbin:/sbin" command -v "$1" >/dev/null 2>&1; }
missing=()
while read -r tool pkg; do
    case "$tool" in
        kill) [ -x /bin/kill ] || [ -x /usr/bin/kill ] || missing+=("$pkg") ;;
        *) have "$tool" || missing+=("$pkg") ;;
    esac
done <<'TOOLS'
lftp lftp
curl curl
python3 python3
vsftpd vsftpd
script bsdutils
flock util-linux
mount mount
useradd passwd
chpasswd passwd
kill procps
systemd-analyze systemd
haproxy haproxy
rclone rclone
tnftp tnftp
wget wget
filezilla filezilla
Xvfb xvfb
xdotool xdotool
import imagemagick
ncftpget ncftp
TOOLS
if [ "${#missing[@]}" -gt 0 ]; then
    readarray -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "test.sh: installing ${missing[*]}"
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi

# pyftpdlib, a reference server for the ftpc tests (pyOpenSSL for its FTPS handler).
if ! python3 -c 'import pyftpdlib, OpenSSL' >/dev/null 2>&1; then
    echo "test.sh: installing pyftpdlib pyopenssl"
    if ! python3 -m pip --version >/dev/null 2>&1; then
        as_root apt-get update -q
        as_root apt-get install -y -q --no-install-recommends python3-pip </dev/null
    fi
    pip_user=()
    [ "$(id -u)" -eq 0 ] || pip_user=(--user)
    # Debian's own python3 refuses system-wide pip installs (PEP 668); the
    # flag is only added when pip says so.
    python3 -m pip install -q "${pip_user[@]}" pyftpdlib pyopenssl </dev/null \
        || python3 -m pip install -q "${pip_user[@]}" --break-system-packages pyftpdlib pyopenssl </dev/null
    python3 -c 'import pyftpdlib, OpenSSL'
fi

# ftpbench (pyftpdlib's load tool, run by the benchmark's smoke test) imports
# asyncore and asynchat, which Python 3.12 removed; pip has them as backports.
if ! python3 -c 'import asyncore, asynchat' >/dev/null 2>&1; then
    echo "test.sh: installing pyasyncore pyasynchat"
    pip_user=()
    [ "$(id -u)" -eq 0 ] || pip_user=(--user)
    python3 -m pip install -q "${pip_user[@]}" pyasyncore pyasynchat </dev/null \
        || python3 -m pip install -q "${pip_user[@]}" --break-system-packages pyasyncore pyasynchat </dev/null
fi

# moto's S3 server, the store the S3 backend's tests run against, and boto3,
# with which they look into the bucket directly. A --user install puts
# moto_server in ~/.local/bin.
export PATH="$PATH:$HOME/.local/bin"
if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import boto3' >/dev/null 2>&1; then
    echo "test.sh: installing moto[server] boto3"
    pip_user=()
    [ "$(id -u)" -eq 0 ] || pip_user=(--user)
    python3 -m pip install -q "${pip_user[@]}" "moto[server]" boto3 </dev/null \
        || python3 -m pip install -q "${pip_user[@]}" --break-system-packages "moto[server]" boto3 </dev/null
    command -v moto_server >/dev/null
fi

# proftpd and pure-ftpd, servers for the ftpc tests (tests/client/others.rs).
# Installing either with apt-get would remove vsftpd, so their packages (and
# the libraries proftpd needs that a minimal system lacks) are fetched with
# `apt-get download` and unpacked with `dpkg -x` into target/peer-servers/root,
# once; the launchers tests/scripts/start-proftpd.sh and start-pure-ftpd.sh
# run them from there (openssl hashes their test user's password).
peer_dir=target/peer-servers
if [ ! -x "$peer_dir/root/usr/sbin/proftpd" ] || [ ! -x "$peer_dir/root/usr/sbin/pure-ftpd" ] \
    || [ ! -e "$peer_dir/root/usr/lib/proftpd/mod_tls.so" ] || ! have openssl; then
    echo "test.sh: unpacking proftpd and pure-ftpd into $peer_dir/root"
    mkdir -p "$peer_dir/debs" "$peer_dir/root"
    as_root apt-get update -q
    have openssl || as_root apt-get install -y -q --no-install-recommends openssl </dev/null
    (cd "$peer_dir/debs" && as_root apt-get download -q proftpd-core proftpd-mod-crypto pure-ftpd \
        libhiredis0.14 libmemcached11 libmemcachedutil2 libhashkit2 libpcre2-posix3 </dev/null)
    for deb in "$peer_dir"/debs/*.deb; do dpkg -x "$deb" "$peer_dir/root"; done
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "test.sh: cargo not found: install a Rust toolchain (rustup) first" >&2
    exit 1
fi

# The end-to-end tests run the ftpd and ftpc binaries, so build them first.
# --no-fail-fast: every crate's `test result:` line is printed even after a failure.
cargo build --workspace --bins
cargo test --workspace --no-fail-fast </dev/null

# The scale-out demonstration (issue 11): three Garage nodes, two ftpd
# instances and HAProxy, every file compared by hash. The first run builds
# Garage (`cargo install garage --debug`, about 8 minutes on two cores);
# FTPD_SKIP_DEMO=1 leaves it out of a local run (CI always runs it).
if [ "${FTPD_SKIP_DEMO:-}" = 1 ] && [ -z "${CI:-}" ]; then
    echo "test.sh: FTPD_SKIP_DEMO=1: scripts/scale-out-demo.sh not run"
else
    FTPD=target/debug/ftpd FTPC=target/debug/ftpc scripts/scale-out-demo.sh </dev/null
fi
