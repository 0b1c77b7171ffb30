#!/usr/bin/env bash
# Start a private vsftpd on 127.0.0.1 that requires explicit FTPS (RFC 4217)
# with TLS session reuse on data connections, for the ftpc TLS tests.
# usage: start-vsftpd-tls.sh ROOT PORT PASV_MIN PASV_MAX CERT_PEM KEY_PEM  -> prints the PID
# Logs in local user "bench" (password "benchpw"), chrooted into ROOT with
# write access. Needs root, and vsftpd installed (scripts/test.sh does it):
# a missing vsftpd fails here rather than being installed behind the tests' back.
set -euo pipefail
[ "$#" -eq 6 ] || { echo "usage: $0 ROOT PORT PASV_MIN PASV_MAX CERT KEY" >&2; exit 2; }
root=$(realpath "$1"); port=$2; pmin=$3; pmax=$4; cert=$(realpath "$5"); key=$(realpath "$6")
vsftpd=$(command -v vsftpd || echo /usr/sbin/vsftpd)
[ -x "$vsftpd" ] || { echo "$0: vsftpd is not installed (apt-get install vsftpd)" >&2; exit 1; }
id bench >/dev/null 2>&1 || useradd -m -s /bin/bash bench
echo "bench:benchpw" | chpasswd
mkdir -p /var/run/vsftpd/empty "$root"; chown bench "$root"
# Beside ROOT, so that the test's temporary directory takes it away too.
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
max_clients=200
max_per_ip=200
xferlog_enable=NO
lock_upload_files=NO
utf8_filesystem=YES
ssl_enable=YES
rsa_cert_file=$cert
rsa_private_key_file=$key
force_local_logins_ssl=YES
force_local_data_ssl=YES
require_ssl_reuse=YES
ssl_tlsv1=YES
ssl_sslv2=NO
ssl_sslv3=NO
# Debian's default cipher list has no ECDSA suites for TLS 1.2 (the test key is P-256).
ssl_ciphers=HIGH
CONF
"$vsftpd" "$conf" >/dev/null 2>&1 &
echo $!
