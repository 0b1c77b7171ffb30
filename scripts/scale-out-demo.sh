#!/usr/bin/env bash
# Scale-out demo (issue 11): two ftpd instances on one S3 bucket, behind
# HAProxy, on a three-node Garage cluster (replication factor 3), all on
# loopback. It uploads a tree through the balancer, downloads it through
# the balancer and through each instance and compares sha256 sums, then
# kills one Garage node and shows that downloads and uploads still work.
#
#   scripts/scale-out-demo.sh                 # builds release ftpd/ftpc
#   FTPD=target/debug/ftpd FTPC=target/debug/ftpc scripts/scale-out-demo.sh
#
# Environment:
#   FTPD, FTPC      the binaries; both unset: `cargo build --release` here
#                   and use target/release/ (or $CARGO_TARGET_DIR/release/)
#   GARAGE_BIN      a directory holding (or to install) the garage binary;
#                   otherwise garage on PATH or in ~/.cargo/bin, installed
#                   there with `cargo install garage@2.5.0 --locked --debug`
#                   when missing (several minutes; CARGO_TARGET_DIR for that
#                   build is GARAGE_TARGET_DIR, default /tmp/garage-target)
#   DEMO_PORT_BASE  first port of the layout below (default 24000)
#   DEMO_KEEP=1     keep the temporary directory (logs, configs, trees)
#   DEMO_TIMEOUT    seconds one transfer command may take (default 300)
#
# Needs Linux (it uses 127.0.0.10-12 as extra loopback addresses), haproxy
# (Debian package `haproxy`), openssl or od, sha256sum, timeout; curl is
# used to look into the bucket when present. Ports, from DEMO_PORT_BASE=B:
#   B+21             HAProxy control frontend on 127.0.0.1
#   B+22, B+23       ftpd1 on 127.0.0.11, ftpd2 on 127.0.0.12
#   B+31..33, +41..43, +51..53   Garage node 1..3: S3 API, RPC, admin API
#   B+100..119       ftpd1's passive range (HAProxy 127.0.0.1 -> 127.0.0.11)
#   B+120..139       ftpd2's passive range (HAProxy 127.0.0.1 -> 127.0.0.12)
# The HAProxy configuration is contrib/haproxy-ftpd.cfg, whose ports are
# those of B=24000; with another base the script rewrites them.
#
# Everything it starts is stopped on exit; it exits non-zero on any failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HAPROXY_EXAMPLE=$ROOT/contrib/haproxy-ftpd.cfg
GARAGE_VERSION=2.5.0
TRANSFER_TIMEOUT=${DEMO_TIMEOUT:-300}
BASE=${DEMO_PORT_BASE:-24000}
case $BASE in
    '' | *[!0-9]*) echo "scale-out-demo: DEMO_PORT_BASE must be a number" >&2; exit 2 ;;
esac
if [ "$BASE" -lt 1024 ] || [ "$BASE" -gt 65300 ]; then
    echo "scale-out-demo: DEMO_PORT_BASE must be in 1024..65300" >&2
    exit 2
fi

# Addresses (see contrib/haproxy-ftpd.cfg): clients and the balancer's
# public side on 127.0.0.1, the balancer's inside address 127.0.0.10 (the
# one the instances trust with --proxy-protocol), the instances on .11/.12.
LB_ADDR=127.0.0.1
LB_INSIDE=127.0.0.10
FTPD1_ADDR=127.0.0.11
FTPD2_ADDR=127.0.0.12
CTRL_PORT=$((BASE + 21))
FTPD1_PORT=$((BASE + 22))
FTPD2_PORT=$((BASE + 23))
PASV1_MIN=$((BASE + 100)) PASV1_MAX=$((BASE + 119))
PASV2_MIN=$((BASE + 120)) PASV2_MAX=$((BASE + 139))
s3_port() { echo $((BASE + 21 + 10 * $1)); }
rpc_port() { echo $((BASE + 22 + 10 * $1)); }
admin_port() { echo $((BASE + 23 + 10 * $1)); }

BUCKET=ftp-demo
KEY_NAME=ftpd-demo-key
LB_URL=ftp://$LB_ADDR:$CTRL_PORT
FTPD1_URL=ftp://$FTPD1_ADDR:$FTPD1_PORT
FTPD2_URL=ftp://$FTPD2_ADDR:$FTPD2_PORT

START=$SECONDS
CURRENT_STEP="setup"
STEP_NO=0
PIDS=()
DEMO_TMP=""

step() {
    STEP_NO=$((STEP_NO + 1))
    CURRENT_STEP="$STEP_NO. $*"
    printf '\n==== %s  [t+%ss] ====\n' "$CURRENT_STEP" $((SECONDS - START))
}
say() { printf '  %s\n' "$*"; }
die() {
    echo "scale-out-demo: FAILED: $*" >&2
    exit 1
}
# Run a command, show it and its output (indented).
run() {
    printf '  $ %s\n' "$*"
    "$@" 2>&1 | sed 's/^/    /'
}
# Run a transfer command with a time limit.
xfer() {
    printf '  $ %s\n' "$*"
    timeout "$TRANSFER_TIMEOUT" "$@" 2>&1 | sed 's/^/    /'
}
# wait_for SECS WHAT CMD...: poll CMD until it succeeds, at most SECS seconds.
wait_for() {
    local secs=$1 what=$2
    shift 2
    local deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || die "timed out after ${secs}s waiting for $what"
        sleep 0.5
    done
}
# Start a background process with its output in a log; remember its pid.
spawn() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 &
    PIDS+=("$!")
    LAST_PID=$!
}
# Running, and not a zombie waiting to be reaped.
alive() {
    local state
    state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ "$rc" -ne 0 ]; then
        echo >&2
        echo "scale-out-demo: FAILED (exit $rc) in step: $CURRENT_STEP" >&2
        if [ -n "$DEMO_TMP" ] && [ -d "$DEMO_TMP/logs" ]; then
            for log in "$DEMO_TMP"/logs/*.log; do
                [ -s "$log" ] || continue
                echo "---- last lines of ${log##*/} ----" >&2
                tail -n 15 "$log" >&2
            done
        fi
    fi
    local pid
    for pid in "${PIDS[@]}"; do
        alive "$pid" && kill -TERM "$pid" 2>/dev/null
    done
    local deadline=$((SECONDS + 10))
    for pid in "${PIDS[@]}"; do
        while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
        alive "$pid" && kill -KILL "$pid" 2>/dev/null
        { wait "$pid"; } 2>/dev/null
    done
    if [ -n "$DEMO_TMP" ] && [ -d "$DEMO_TMP" ]; then
        if [ "${DEMO_KEEP:-0}" = 1 ]; then
            echo "scale-out-demo: kept $DEMO_TMP" >&2
        else
            rm -rf "$DEMO_TMP"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Ports with a listening TCP socket on any address, from /proc/net/tcp{,6}.
listening_ports() {
    local f local_addr st
    for f in /proc/net/tcp /proc/net/tcp6; do
        [ -r "$f" ] || continue
        while read -r _ local_addr _ st _; do
            if [ "$st" = 0A ]; then echo $((16#${local_addr##*:})); fi
        done < <(tail -n +2 "$f")
    done | sort -un
}

random_hex() {
    if command -v openssl >/dev/null 2>&1; then
        openssl rand -hex "$1"
    else
        od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
    fi
}

# ---------------------------------------------------------------------------
step "Tools: garage, haproxy, ftpd, ftpc"

[ "$(uname -s)" = Linux ] || die "needs Linux (127.0.0.10-12 as loopback addresses)"
for tool in haproxy sha256sum timeout sed awk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (haproxy: apt-get install -y haproxy)"
done
[ -r "$HAPROXY_EXAMPLE" ] || die "missing $HAPROXY_EXAMPLE"

GARAGE=""
if [ -n "${GARAGE_BIN:-}" ] && [ -x "$GARAGE_BIN/garage" ]; then
    GARAGE=$GARAGE_BIN/garage
elif [ -z "${GARAGE_BIN:-}" ] && command -v garage >/dev/null 2>&1; then
    GARAGE=$(command -v garage)
elif [ -z "${GARAGE_BIN:-}" ] && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/garage" ]; then
    GARAGE=${CARGO_HOME:-$HOME/.cargo}/bin/garage
fi
if [ -z "$GARAGE" ]; then
    command -v cargo >/dev/null 2>&1 || die "garage not found and no cargo to install it"
    garage_target=${GARAGE_TARGET_DIR:-${TMPDIR:-/tmp}/garage-target}
    install_start=$SECONDS
    if [ -n "${GARAGE_BIN:-}" ]; then
        echo "scale-out-demo: garage not found; installing garage $GARAGE_VERSION into $GARAGE_BIN" \
            "with cargo install --debug (several minutes; build dir $garage_target)" >&2
        mkdir -p "$GARAGE_BIN"
        install_root=$(mktemp -d "${TMPDIR:-/tmp}/garage-install.XXXXXX")
        CARGO_TARGET_DIR=$garage_target timeout 7200 \
            cargo install "garage@$GARAGE_VERSION" --locked --debug --root "$install_root" >&2
        cp "$install_root/bin/garage" "$GARAGE_BIN/garage"
        rm -rf "$install_root"
        GARAGE=$GARAGE_BIN/garage
    else
        echo "scale-out-demo: garage not found; installing garage $GARAGE_VERSION into" \
            "${CARGO_HOME:-$HOME/.cargo}/bin with cargo install --debug (several minutes;" \
            "build dir $garage_target)" >&2
        CARGO_TARGET_DIR=$garage_target timeout 7200 \
            cargo install "garage@$GARAGE_VERSION" --locked --debug >&2
        GARAGE=${CARGO_HOME:-$HOME/.cargo}/bin/garage
    fi
    say "installed garage in $((SECONDS - install_start))s"
fi
say "garage:  $GARAGE ($("$GARAGE" --version 2>&1 | head -n 1))"

if [ -z "${FTPD:-}" ] || [ -z "${FTPC:-}" ]; then
    say "FTPD/FTPC not both set: building release binaries"
    (cd "$ROOT" && run cargo build --release --bin ftpd --bin ftpc)
    FTPD=${FTPD:-${CARGO_TARGET_DIR:-$ROOT/target}/release/ftpd}
    FTPC=${FTPC:-${CARGO_TARGET_DIR:-$ROOT/target}/release/ftpc}
fi
[ -x "$FTPD" ] || die "FTPD=$FTPD is not an executable"
[ -x "$FTPC" ] || die "FTPC=$FTPC is not an executable"
say "ftpd:    $FTPD ($("$FTPD" --version))"
say "ftpc:    $FTPC ($("$FTPC" --version))"
say "haproxy: $(command -v haproxy) ($(haproxy -v | head -n 1))"

DEMO_TMP=$(mktemp -d "${TMPDIR:-/tmp}/scale-out-demo.XXXXXX")
mkdir -p "$DEMO_TMP/logs"
LOGS=$DEMO_TMP/logs
say "work dir: $DEMO_TMP"

# ---------------------------------------------------------------------------
step "Ports (DEMO_PORT_BASE=$BASE) are free"

ALL_PORTS=("$CTRL_PORT" "$FTPD1_PORT" "$FTPD2_PORT")
for n in 1 2 3; do
    ALL_PORTS+=("$(s3_port "$n")" "$(rpc_port "$n")" "$(admin_port "$n")")
done
for ((p = PASV1_MIN; p <= PASV2_MAX; p++)); do ALL_PORTS+=("$p"); done
busy=$(comm -12 <(listening_ports) <(printf '%s\n' "${ALL_PORTS[@]}" | sort -un) | tr '\n' ' ')
[ -z "$busy" ] || die "ports already in use: $busy(set DEMO_PORT_BASE to another base)"
say "control $LB_ADDR:$CTRL_PORT -> ftpd1 $FTPD1_ADDR:$FTPD1_PORT, ftpd2 $FTPD2_ADDR:$FTPD2_PORT"
say "passive ftpd1 $PASV1_MIN-$PASV1_MAX, ftpd2 $PASV2_MIN-$PASV2_MAX"
for n in 1 2 3; do
    say "garage node$n: S3 127.0.0.1:$(s3_port "$n"), RPC 127.0.0.1:$(rpc_port "$n"), admin 127.0.0.1:$(admin_port "$n")"
done

# ---------------------------------------------------------------------------
step "Start three Garage nodes (replication_factor = 3)"

RPC_SECRET=$(random_hex 32)
[ "${#RPC_SECRET}" -eq 64 ] || die "could not generate an rpc_secret"
ADMIN_TOKEN=$(random_hex 32)
GARAGE_PIDS=()
for n in 1 2 3; do
    dir=$DEMO_TMP/garage/node$n
    mkdir -p "$dir/meta" "$dir/data"
    (
        umask 077
        cat >"$dir/garage.toml" <<EOF
# Garage node $n of the scale-out demo
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "sqlite"
replication_factor = 3

rpc_secret = "$RPC_SECRET"
rpc_bind_addr = "127.0.0.1:$(rpc_port "$n")"
rpc_public_addr = "127.0.0.1:$(rpc_port "$n")"

[s3_api]
api_bind_addr = "127.0.0.1:$(s3_port "$n")"
s3_region = "garage"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$(admin_port "$n")"
admin_token = "$ADMIN_TOKEN"
EOF
    )
    NO_COLOR=1 RUST_LOG=${RUST_LOG:-garage=info} spawn "$LOGS/garage$n.log" "$GARAGE" -c "$dir/garage.toml" server
    GARAGE_PIDS+=("$LAST_PID")
done
cfg() { echo "$DEMO_TMP/garage/node$1/garage.toml"; }
g() { "$GARAGE" -c "$(cfg "$1")" "${@:2}"; }

NODE_IDS=()
for n in 1 2 3; do
    # `node id` reads the key from disk; `status` needs the RPC server up.
    wait_for 60 "garage node$n to answer on RPC" g "$n" status
    alive "${GARAGE_PIDS[$((n - 1))]}" || die "garage node$n exited"
    NODE_IDS+=("$(g "$n" node id -q 2>/dev/null | tail -n 1)")
    say "node$n id: ${NODE_IDS[$((n - 1))]}"
done

step "Connect the nodes, assign the layout (zones dc1..dc3, 1G each), apply"

run g 1 node connect "${NODE_IDS[1]}"
run g 1 node connect "${NODE_IDS[2]}"
three_up() {
    local out
    out=$(g 1 status 2>/dev/null) || return 1
    local id
    for id in "${NODE_IDS[@]}"; do
        grep -q "^${id:0:16}" <<<"$out" || return 1
    done
}
wait_for 60 "all three nodes in garage status" three_up
for n in 1 2 3; do
    run g 1 layout assign -z "dc$n" -c 1G "${NODE_IDS[$((n - 1))]%%@*}"
done
run g 1 layout apply --version 1
run g 1 status

step "Create the key and the bucket, and allow the key on it"

key_out=$(g 1 key create "$KEY_NAME")
# Key ID: GK...   Secret key: ...   (labels then the value, in 1.x and 2.x)
KEY_ID=$(awk -F': *' '/^Key ID:/ {print $2; exit}' <<<"$key_out")
KEY_SECRET=$(awk -F': *' '/^Secret key:/ {print $2; exit}' <<<"$key_out")
if [ -z "$KEY_ID" ] || [ -z "$KEY_SECRET" ]; then
    die "cannot parse garage key create's output: $key_out"
fi
say "key $KEY_NAME: id $KEY_ID (secret not shown)"
# The layout may take a moment to reach every node: retry.
bucket_created() { g 1 bucket create "$BUCKET" >"$LOGS/bucket-create.out" 2>&1; }
wait_for 60 "garage bucket create" bucket_created
sed 's/^/    /' "$LOGS/bucket-create.out"
run g 1 bucket allow --read --write --owner "$BUCKET" --key "$KEY_ID"
export AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$KEY_SECRET AWS_REGION=garage

# ---------------------------------------------------------------------------
step "Start ftpd1 (S3 via node1) and ftpd2 (S3 via node2) on s3://$BUCKET"

start_ftpd() { # N ADDR PORT PASV_MIN PASV_MAX S3_PORT
    spawn "$LOGS/ftpd$1.log" env FTPD_LOG="${FTPD_LOG:-info}" "$FTPD" \
        --storage "s3://$BUCKET" --s3-endpoint "http://127.0.0.1:$6" --s3-region garage \
        --write --anonymous \
        --listen "$2:$3" --passive-ports "$4-$5" --public-addr "$LB_ADDR" \
        --proxy-protocol "$LB_INSIDE"
    FTPD_PIDS+=("$LAST_PID")
    say "ftpd$1: --listen $2:$3 --passive-ports $4-$5 --public-addr $LB_ADDR" \
        "--proxy-protocol $LB_INSIDE --s3-endpoint http://127.0.0.1:$6"
}
FTPD_PIDS=()
start_ftpd 1 "$FTPD1_ADDR" "$FTPD1_PORT" "$PASV1_MIN" "$PASV1_MAX" "$(s3_port 1)"
start_ftpd 2 "$FTPD2_ADDR" "$FTPD2_PORT" "$PASV2_MIN" "$PASV2_MAX" "$(s3_port 2)"
for n in 1 2; do
    wait_for 30 "ftpd$n to listen" grep -q 'listening on' "$LOGS/ftpd$n.log"
    alive "${FTPD_PIDS[$((n - 1))]}" || die "ftpd$n exited"
    sed 's/^/    /' "$LOGS/ftpd$n.log"
done

# ---------------------------------------------------------------------------
step "Start HAProxy (config from contrib/haproxy-ftpd.cfg)"

# Rewrite the example's ports (those of base 24000) to this run's, in two
# passes so that a new port equal to an old one is not rewritten twice.
HAPROXY_CFG=$DEMO_TMP/haproxy.cfg
sed -e 's/\b24021\b/@CTRL@/g' -e 's/\b24022\b/@F1@/g' -e 's/\b24023\b/@F2@/g' \
    -e 's/\b24100-24119\b/@P1@/g' -e 's/\b24120-24139\b/@P2@/g' \
    "$HAPROXY_EXAMPLE" |
    sed -e "s/@CTRL@/$CTRL_PORT/g" -e "s/@F1@/$FTPD1_PORT/g" -e "s/@F2@/$FTPD2_PORT/g" \
        -e "s/@P1@/$PASV1_MIN-$PASV1_MAX/g" -e "s/@P2@/$PASV2_MIN-$PASV2_MAX/g" >"$HAPROXY_CFG"
for want in "bind $LB_ADDR:$CTRL_PORT" "server ftpd1 $FTPD1_ADDR:$FTPD1_PORT send-proxy-v2" \
    "server ftpd2 $FTPD2_ADDR:$FTPD2_PORT send-proxy-v2" "bind $LB_ADDR:$PASV1_MIN-$PASV1_MAX" \
    "bind $LB_ADDR:$PASV2_MIN-$PASV2_MAX" "server ftpd1 $FTPD1_ADDR" "server ftpd2 $FTPD2_ADDR" \
    "source $LB_INSIDE"; do
    grep -q "$want" "$HAPROXY_CFG" || die "$HAPROXY_EXAMPLE does not have the expected '$want' (edited?)"
done
run haproxy -c -f "$HAPROXY_CFG"
spawn "$LOGS/haproxy.log" haproxy -f "$HAPROXY_CFG" -db
HAPROXY_PID=$LAST_PID
lb_up() { (exec 3<>"/dev/tcp/$LB_ADDR/$CTRL_PORT") 2>/dev/null; }
wait_for 30 "haproxy to listen on $LB_ADDR:$CTRL_PORT" lb_up
alive "$HAPROXY_PID" || die "haproxy exited"
# The health checks (a PROXY v2 LOCAL header, then the 220 greeting) run
# every 5 s; give the first ones time, then no server may be DOWN.
sleep 2
if grep -q 'is DOWN' "$LOGS/haproxy.log"; then
    die "haproxy marked a server DOWN: $(grep 'is DOWN' "$LOGS/haproxy.log")"
fi
say "haproxy running (pid $HAPROXY_PID), no server DOWN"

# ---------------------------------------------------------------------------
step "Make a tree: varied sizes (one > 20 MiB), spaces and non-ASCII names"

SRC=$DEMO_TMP/src/tree
mkdir -p "$SRC/dir with spaces/sous-dossier ñ" "$SRC/big" "$SRC/empty dir" "$SRC/a/b/c"
printf 'hello from the scale-out demo\n' >"$SRC/README.txt"
: >"$SRC/empty.dat"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$SRC/big/exactly 8 MiB.bin"
head -c $((21 * 1024 * 1024 + 12345)) /dev/urandom >"$SRC/big/large 21MiB.bin"
head -c $((3 * 1024 * 1024 + 1)) /dev/urandom >"$SRC/dir with spaces/Größe été 3MiB.bin"
head -c 131079 /dev/urandom >"$SRC/dir with spaces/sous-dossier ñ/日本語 ファイル.dat"
printf 'deep\n' >"$SRC/a/b/c/deep.txt"
printf 'naïve café, 100%% ünïcödé\n' >"$SRC/dir with spaces/ünïcödé #1.txt"
(cd "$SRC" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r f; do
    if [ -d "$f" ]; then printf '    %12s  %s/\n' dir "$f"; else printf '    %12s  %s\n' "$(stat -c %s "$f")" "$f"; fi
done)

# Sorted sha256 sums of every file, and the sorted list of directories.
tree_sums() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); }
tree_dirs() { (cd "$1" && find . -mindepth 1 -type d | LC_ALL=C sort); }
COMPARISONS=0
compare_tree() { # LABEL SRC COPY
    tree_sums "$2" >"$DEMO_TMP/want.sums"
    tree_sums "$3" >"$DEMO_TMP/got.sums"
    tree_dirs "$2" >"$DEMO_TMP/want.dirs"
    tree_dirs "$3" >"$DEMO_TMP/got.dirs"
    if ! diff -u "$DEMO_TMP/want.sums" "$DEMO_TMP/got.sums" | sed 's/^/    /'; then
        die "$1: sha256 sums differ"
    fi
    if ! diff -u "$DEMO_TMP/want.dirs" "$DEMO_TMP/got.dirs" | sed 's/^/    /'; then
        die "$1: directories differ"
    fi
    COMPARISONS=$((COMPARISONS + 1))
    say "$1: sha256 identical ($(wc -l <"$DEMO_TMP/got.sums") files, $(wc -l <"$DEMO_TMP/got.dirs") directories," \
        "digest of the sum list $(sha256sum <"$DEMO_TMP/got.sums" | cut -c1-16))"
}
(cd "$SRC" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sed 's/^/    /')

# ---------------------------------------------------------------------------
FTPC_OPTS=(--no-progress)
logins() { grep -c ' login' "$LOGS/ftpd$1.log" || true; }

step "Upload the tree through the balancer ($LB_URL)"

xfer "$FTPC" "${FTPC_OPTS[@]}" put -r "$SRC" "$LB_URL/"
xfer "$FTPC" "${FTPC_OPTS[@]}" ls -l -R "$LB_URL/tree"
say "logins so far: ftpd1 $(logins 1), ftpd2 $(logins 2)"

if command -v curl >/dev/null 2>&1; then
    step "Look into the bucket with S3 requests (curl --aws-sigv4, node3's S3 API)"
    # Garage wants x-amz-content-sha256 (here: the hash of an empty body).
    empty_sha=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
    s3() {
        curl -sS --fail --max-time 30 --aws-sigv4 "aws:amz:garage:s3" --user "$KEY_ID:$KEY_SECRET" \
            -H "x-amz-content-sha256: $empty_sha" "$@"
    }
    say "objects in s3://$BUCKET (ListObjectsV2 without delimiter): size, ETag, key"
    s3 "http://127.0.0.1:$(s3_port 3)/$BUCKET?list-type=2" >"$DEMO_TMP/list.xml"
    sed -e 's/<Contents>/\n/g' -e 's/&quot;//g' "$DEMO_TMP/list.xml" |
        sed -n 's/^<Key>\([^<]*\)<\/Key>.*<ETag>\([^<]*\)<\/ETag><Size>\([0-9]*\)<\/Size>.*/\3 \2 \1/p' |
        while read -r size etag key; do printf '    %10s  %-36s  %s\n' "$size" "$etag" "$key"; done
    say "(keys ending in / are ftpd's directory markers, from MKD)"
    etag_of() { s3 -I "http://127.0.0.1:$(s3_port 3)/$BUCKET/$1" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" {print $2}'; }
    big_etag=$(etag_of "tree/big/large%2021MiB.bin")
    one_etag=$(etag_of "tree/big/exactly%208%20MiB.bin")
    say "ETag of tree/big/large 21MiB.bin:   $big_etag"
    say "ETag of tree/big/exactly 8 MiB.bin: $one_etag"
    case $big_etag in
        *-3\"*) say "-> the 21 MiB file went up as a 3-part multipart upload (8 MiB parts; Garage's" \
            "CopyObject, ftpc's rename of its .ftpc-part file, keeps the ETag)" ;;
        *) die "expected a multipart ETag ending in -3 for the 21 MiB file, got $big_etag" ;;
    esac
    case $one_etag in
        *-1\"*) say "-> a file of exactly one part size is a 1-part multipart upload (the part" \
            "buffer fills before the end of the file is seen)" ;;
        *) say "-> the 8 MiB file went up as a single PUT" ;;
    esac
fi

# ---------------------------------------------------------------------------
step "Download through each instance directly and compare"

xfer "$FTPC" "${FTPC_OPTS[@]}" get -r "$FTPD1_URL/tree" "$DEMO_TMP/dl/ftpd1"
compare_tree "via ftpd1 ($FTPD1_URL)" "$SRC" "$DEMO_TMP/dl/ftpd1"
xfer "$FTPC" "${FTPC_OPTS[@]}" get -r "$FTPD2_URL/tree" "$DEMO_TMP/dl/ftpd2"
compare_tree "via ftpd2 ($FTPD2_URL)" "$SRC" "$DEMO_TMP/dl/ftpd2"

step "Download through the balancer four times and compare"

before1=$(logins 1) before2=$(logins 2)
for i in 1 2 3 4; do
    xfer "$FTPC" "${FTPC_OPTS[@]}" get -r "$LB_URL/tree" "$DEMO_TMP/dl/lb$i"
    compare_tree "via balancer, run $i" "$SRC" "$DEMO_TMP/dl/lb$i"
done
served1=$(($(logins 1) - before1)) served2=$(($(logins 2) - before2))
say "sessions the balancer gave each instance: ftpd1 $served1, ftpd2 $served2"
if [ "$served1" -eq 0 ] || [ "$served2" -eq 0 ]; then
    die "one instance served no balanced session"
fi
say "haproxy's log, control connections per server:"
for s in ftpd1 ftpd2; do
    say "  ftpd_control/$s: $(grep -c "ftpd_control/$s " "$LOGS/haproxy.log" || true)," \
        "passive ${s}_passive/$s: $(grep -c "${s}_passive/$s " "$LOGS/haproxy.log" || true)"
done
say "a balanced session in ftpd's log (client address from the PROXY header, via the balancer):"
grep -m 1 'session start.*via' "$LOGS/ftpd1.log" | sed 's/^/    /' || true

# ---------------------------------------------------------------------------
step "Kill Garage node3 (kill -9): 2 of 3 replicas left, still a quorum"

NODE3_PID=${GARAGE_PIDS[2]}
run kill -KILL "$NODE3_PID"
{ wait "$NODE3_PID"; } 2>/dev/null || true # (quietly: no "Killed" notice)
# Wait (bounded) until node1 sees node3 as failed, then show it.
node3_down() { g 1 status 2>/dev/null | grep -A 20 -i 'failed nodes' | grep -q "^${NODE_IDS[2]:0:16}"; }
deadline=$((SECONDS + 30))
until node3_down || [ "$SECONDS" -ge "$deadline" ]; do sleep 1; done
if node3_down; then
    say "garage status on node1 lists node3 as failed:"
else
    say "(node3 is dead but node1 does not list it as failed yet, after 30 s:)"
fi
run g 1 status

step "With node3 down: download again (balancer twice, each instance) and compare"

for i in 1 2; do
    xfer "$FTPC" "${FTPC_OPTS[@]}" get -r "$LB_URL/tree" "$DEMO_TMP/dl/down-lb$i"
    compare_tree "node3 down, via balancer, run $i" "$SRC" "$DEMO_TMP/dl/down-lb$i"
done
xfer "$FTPC" "${FTPC_OPTS[@]}" get -r "$FTPD1_URL/tree" "$DEMO_TMP/dl/down-ftpd1"
compare_tree "node3 down, via ftpd1" "$SRC" "$DEMO_TMP/dl/down-ftpd1"
xfer "$FTPC" "${FTPC_OPTS[@]}" get -r "$FTPD2_URL/tree" "$DEMO_TMP/dl/down-ftpd2"
compare_tree "node3 down, via ftpd2" "$SRC" "$DEMO_TMP/dl/down-ftpd2"

step "With node3 down: upload a second tree through the balancer, read it back"

SRC2=$DEMO_TMP/src/tree2
mkdir -p "$SRC2/written while node3 is down"
head -c $((17 * 1024 * 1024 + 3)) /dev/urandom >"$SRC2/written while node3 is down/big 17MiB.bin"
head -c 4097 /dev/urandom >"$SRC2/written while node3 is down/small ✓.bin"
printf 'quorum 2 of 3\n' >"$SRC2/note.txt"
xfer "$FTPC" "${FTPC_OPTS[@]}" put -r "$SRC2" "$LB_URL/"
xfer "$FTPC" "${FTPC_OPTS[@]}" get -r "$FTPD1_URL/tree2" "$DEMO_TMP/dl/tree2-ftpd1"
compare_tree "tree2 (node3 down), via ftpd1" "$SRC2" "$DEMO_TMP/dl/tree2-ftpd1"
xfer "$FTPC" "${FTPC_OPTS[@]}" get -r "$FTPD2_URL/tree2" "$DEMO_TMP/dl/tree2-ftpd2"
compare_tree "tree2 (node3 down), via ftpd2" "$SRC2" "$DEMO_TMP/dl/tree2-ftpd2"

step "With node3 down: rename (copy + delete on S3) and delete through the balancer"

xfer "$FTPC" "${FTPC_OPTS[@]}" mv "$LB_URL/tree2/note.txt" "/tree2/renamed note.txt"
mv "$SRC2/note.txt" "$SRC2/renamed note.txt"
xfer "$FTPC" "${FTPC_OPTS[@]}" rm "$LB_URL/tree2/written while node3 is down/small ✓.bin"
rm "$SRC2/written while node3 is down/small ✓.bin"
xfer "$FTPC" "${FTPC_OPTS[@]}" ls -l -R "$LB_URL/tree2"
xfer "$FTPC" "${FTPC_OPTS[@]}" get -r "$LB_URL/tree2" "$DEMO_TMP/dl/tree2-lb"
compare_tree "tree2 after rename and delete, via balancer" "$SRC2" "$DEMO_TMP/dl/tree2-lb"

# ---------------------------------------------------------------------------
step "Summary"

for n in 1 2; do
    alive "${FTPD_PIDS[$((n - 1))]}" || die "ftpd$n died"
done
alive "$HAPROXY_PID" || die "haproxy died"
say "ftpd1 sessions with login: $(logins 1), ftpd2: $(logins 2)"
warnings=$(cat "$LOGS/ftpd1.log" "$LOGS/ftpd2.log" | grep -c 'WARN\|ERROR' || true)
say "ftpd warnings/errors logged: $warnings"
say "$COMPARISONS tree comparisons by sha256, all identical; uploads, downloads, rename and"
say "delete worked through HAProxy and both instances, with all three Garage nodes and with one down."
printf '\nOK (%ss)\n' $((SECONDS - START))
