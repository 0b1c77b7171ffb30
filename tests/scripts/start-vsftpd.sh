#!/usr/bin/env bash
# Start a private vsftpd on 127.0.0.1, for the ftpc tests (plain and FTPS)
# and the benchmark (bench/servers.py). One launcher, one configuration:
# TLS is the same server with the ssl_* keys added.
#
# usage: start-vsftpd.sh ROOT PORT PASV_MIN PASV_MAX [CERT_PEM KEY_PEM]  -> prints the PID
#
# With CERT and KEY, explicit FTPS (RFC 4217) is required on logins and data
# connections, with TLS session reuse on data connections.
# Logs in local user "bench" (password "benchpw"), chrooted into ROOT with
# write access. Needs root, and vsftpd installed (scripts/test.sh does it):
# a missing vsftpd fails here rather than being installed behind the
# caller's back. The ports come from the caller (tests/support/ports.rs,
# bench --ports): vsftpd cannot bind port 0 and report it.
set -euo pipefail
case "$#" in
    4) tls=no ;;
    6) tls=yes ;;
    *) echo "usage: $0 ROOT PORT PASV_MIN PASV_MAX [CERT KEY]" >&2; exit 2 ;;
esac
root=$(realpath "$1"); port=$2; pmin=$3; pmax=$4
vsftpd=$(command -v vsftpd || echo /usr/sbin/vsftpd)
[ -x "$vsftpd" ] || { echo "$0: vsftpd is not installed (run ./scripts/test.sh)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (it adds the user bench)" >&2; exit 1; }

. "$(dirname "$0")/bench-user.sh"
bench_user "$root" benchpw
mkdir -p /var/run/vsftpd/empty

# Beside ROOT, so that whatever removes ROOT's parent takes it away too.
conf="$root.vsftpd.conf"
cat >"$conf" <<CONF
listen=YES
listen_address=127.0.0.1
listen_port=$port
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
allow_writeable_chroot=YES
local_root=$root
pasv_enable=YES
pasv_min_port=$pmin
pasv_max_port=$pmax
seccomp_sandbox=NO
secure_chroot_dir=/var/run/vsftpd/empty
pam_service_name=vsftpd
# The benchmark holds 1,000 idle sessions.
max_clients=20000
max_per_ip=20000
xferlog_enable=NO
use_sendfile=YES
lock_upload_files=NO
utf8_filesystem=YES
CONF
if [ "$tls" = yes ]; then
    cat >>"$conf" <<CONF
ssl_enable=YES
rsa_cert_file=$(realpath "$5")
rsa_private_key_file=$(realpath "$6")
force_local_logins_ssl=YES
force_local_data_ssl=YES
require_ssl_reuse=YES
ssl_tlsv1=YES
ssl_sslv2=NO
ssl_sslv3=NO
# Debian's default cipher list has no ECDSA suites for TLS 1.2 (the test key is P-256).
ssl_ciphers=HIGH
CONF
fi
"$vsftpd" "$conf" >/dev/null 2>&1 &
echo $!
