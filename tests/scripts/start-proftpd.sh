#!/usr/bin/env bash
# Start a private proftpd 1.3.8 on 127.0.0.1 for the ftpc tests, from the
# Debian packages scripts/test.sh unpacks with `dpkg -x` (installing proftpd
# with apt-get would remove vsftpd, which other tests need).
#
# usage: start-proftpd.sh ROOT PORT PASV_MIN PASV_MAX [CERT KEY [TLS_PROTOCOLS]]  -> prints the PID
#
# Logs in "bench" / "benchpw" from a private AuthUserFile (no PAM), with
# ROOT as home and chroot, write access, and the system user bench's uid
# (added here, as start-vsftpd.sh does). With CERT and KEY (an EC key, the
# test PKI's P-256), mod_tls requires TLS on logins and data connections,
# and - the point - TLSOptions leaves out NoSessionReuseRequired, so every
# data connection must resume the control connection's TLS session.
# TLS_PROTOCOLS is TLSProtocol's value, "TLSv1.2 TLSv1.3" by default.
# PROFTPD_NO_MLSD=1 sets `FactsAdvertise off` (FEAT leaves out MLST, so
# clients fall back to LIST). The log is ROOT.proftpd/log.
#
# The unpacked packages are looked for in $FTP_PEER_SERVERS, by default
# target/peer-servers/root in this repository. Needs root.
set -euo pipefail
case "$#" in
    4) tls=no ;;
    6 | 7) tls=yes ;;
    *) echo "usage: $0 ROOT PORT PASV_MIN PASV_MAX [CERT KEY [PROTOCOLS]]" >&2; exit 2 ;;
esac
root=$(realpath "$1"); port=$2; pmin=$3; pmax=$4
. "$(dirname "$0")/bench-user.sh"
peer_package usr/sbin/proftpd proftpd-core
proftpd=$pkgs/usr/sbin/proftpd
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (it adds the user bench)" >&2; exit 1; }

# The same user as the vsftpd launcher.
bench_user "$root"

# Beside ROOT, so that whatever removes ROOT's parent takes it away too.
dir="$root.proftpd"
mkdir -p "$dir"
hash=$(openssl passwd -6 benchpw)
echo "bench:$hash:$uid:$gid::$root:/bin/bash" >"$dir/passwd"
echo "bench:x:$gid:" >"$dir/group"
chmod 600 "$dir/passwd"
conf="$dir/proftpd.conf"
cat >"$conf" <<CONF
ServerType standalone
ServerName "proftpd test"
DefaultAddress 127.0.0.1
SocketBindTight on
Port $port
UseIPv6 off
UseReverseDNS off
PassivePorts $pmin $pmax
User bench
Group bench
AuthOrder mod_auth_file.c
AuthUserFile $dir/passwd
AuthGroupFile $dir/group
AuthPAM off
RequireValidShell off
DefaultRoot ~
Umask 022
AllowOverwrite on
AllowStoreRestart on
AllowRetrieveRestart on
TimesGMT on
MaxInstances 200
PidFile $dir/pid
ScoreboardFile $dir/scoreboard
DelayTable none
WtmpLog off
TransferLog none
SystemLog $dir/log
ServerLog $dir/log
ModulePath $pkgs/usr/lib/proftpd
CONF
[ "${PROFTPD_NO_MLSD:-}" = 1 ] && echo "FactsAdvertise off" >>"$conf"
if [ "$tls" = yes ]; then
    cat >>"$conf" <<CONF
LoadModule mod_tls.c
<IfModule mod_tls.c>
TLSEngine on
TLSLog $dir/log
TLSProtocol ${7:-TLSv1.2 TLSv1.3}
TLSECCertificateFile $(realpath "$5")
TLSECCertificateKeyFile $(realpath "$6")
TLSRequired on
TLSVerifyClient off
TLSOptions EnableDiags
</IfModule>
CONF
fi
LD_LIBRARY_PATH=$pkgs/usr/lib/x86_64-linux-gnu "$proftpd" -n -q -c "$conf" >>"$dir/log" 2>&1 </dev/null &
echo $!
