#!/usr/bin/env bash
# Start a private pure-ftpd 1.0.50 on 127.0.0.1 for the ftpc tests, from the
# Debian package scripts/test.sh unpacks with `dpkg -x` (installing it with
# apt-get would remove vsftpd, which other tests need).
#
# usage: start-pure-ftpd.sh ROOT PORT PASV_MIN PASV_MAX [CERT KEY]  -> prints the PID
#
# Logs in the virtual user "bench" / "benchpw" from a private PureDB (made
# with the package's own pure-pw), chrooted into ROOT with write access and
# the system user bench's uid (added here, as start-vsftpd.sh does). No
# anonymous logins. With CERT and KEY, `-Y 3`: TLS required on logins and
# on data connections. The files are beside ROOT, in ROOT.pure-ftpd/.
#
# The unpacked package is looked for in $FTP_PEER_SERVERS, by default
# target/peer-servers/root in this repository. Needs root.
set -euo pipefail
case "$#" in
    4) tls=no ;;
    6) tls=yes ;;
    *) echo "usage: $0 ROOT PORT PASV_MIN PASV_MAX [CERT KEY]" >&2; exit 2 ;;
esac
root=$(realpath "$1"); port=$2; pmin=$3; pmax=$4
. "$(dirname "$0")/bench-user.sh"
peer_package usr/sbin/pure-ftpd pure-ftpd
pure=$pkgs/usr/sbin/pure-ftpd
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (it adds the user bench)" >&2; exit 1; }

# The same user as the vsftpd launcher.
bench_user "$root"

dir="$root.pure-ftpd"
mkdir -p "$dir"
# A SHA-512 crypt hash (pure-pw's own default, argon2id, takes a second a login).
echo "bench:$(openssl passwd -6 benchpw):$uid:$gid::$root/./::::::::::::" >"$dir/passwd"
"$pkgs/usr/bin/pure-pw" mkdb "$dir/pdb" -f "$dir/passwd" >/dev/null

args=(-S "127.0.0.1,$port" -p "$pmin:$pmax" -E -A -H -4 -U 133:022
    -l "puredb:$dir/pdb" -g "$dir/pid" -O "clf:$dir/xfer.log" -c 200 -C 200)
if [ "$tls" = yes ]; then
    args+=(-Y 3 -2 "$(realpath "$5"),$(realpath "$6")")
fi
"$pure" "${args[@]}" >>"$dir/log" 2>&1 </dev/null &
echo $!
