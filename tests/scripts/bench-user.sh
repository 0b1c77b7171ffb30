# Sourced by the server launchers (start-vsftpd.sh, start-proftpd.sh,
# start-pure-ftpd.sh): the system user they all log in, and where the
# unpacked peer servers are.

# bench_user ROOT [PASSWORD]: add the system user bench if missing (and set
# its PASSWORD, for servers that check the system's), make it the owner of
# ROOT, and set $uid and $gid. Tests start several servers at once, and
# useradd/chpasswd refuse to run while another holds the shadow file's
# lock: the launchers take turns here, and retry for anyone else (an older
# launcher, an admin) holding it a moment.
bench_user() {
    mkdir -p /run/lock
    exec 9>/run/lock/ftp-start-vsftpd.lock
    flock 9
    id bench >/dev/null 2>&1 || useradd -m -s /bin/bash bench
    if [ -n "${2:-}" ]; then
        for attempt in 1 2 3 4 5; do
            echo "bench:$2" | chpasswd && break
            [ "$attempt" -lt 5 ] || exit 1
            sleep 1
        done
    fi
    exec 9>&-
    uid=$(id -u bench); gid=$(id -g bench)
    mkdir -p "$1"; chown bench "$1"
}

# peer_package PATH WHAT: set $pkgs to where the unpacked peer servers
# are ($FTP_PEER_SERVERS, by default target/peer-servers/root in this
# repository), and exit saying how to get WHAT unless $pkgs/PATH is there.
peer_package() {
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    pkgs=${FTP_PEER_SERVERS:-$here/target/peer-servers/root}
    if [ ! -x "$pkgs/$1" ]; then
        echo "$0: no $1 under $pkgs: run ./scripts/test.sh (it unpacks $2 with dpkg -x)" >&2
        exit 1
    fi
}
