#!/usr/bin/env bash
# The benchmark of issue 6 (see BENCHMARKS.md): ftpd against pyftpdlib and
# vsftpd, ftpc against curl and lftp, on 127.0.0.1, in alternation, medians.
#
#   bench/run.sh                 full run (3 rounds; 1 GiB files, 10,000 sessions, ...)
#   bench/run.sh --smoke         tiny sizes, 1 round: proves every workload runs (CI)
#   bench/run.sh --rounds 5      more rounds; `bench/run.sh --help` lists every option
#   bench/run.sh --workloads 6 --rclone DIR/bin/rclone
#                                S3 only: ftpd --storage s3:// vs rclone serve ftp over
#                                Garage or moto (issue 11; not in the default list)
#
# Installs nothing: a peer or S3 server that is missing is skipped with a
# message (BENCHMARKS.md says where to get each).
#
# Builds the release binaries first, unless --bin-dir DIR names binaries
# already built (the smoke test passes the debug ones cargo just built).
# Tables go to stdout, progress to stderr.
set -euo pipefail

cd "$(dirname "$0")/.."

# The command as typed, for the report (--bin-dir is added below).
export BENCH_COMMAND="bench/run.sh${*:+ $*}"
bin_dir=""
for ((i = 1; i <= $#; i++)); do
    case "${!i}" in
        --bin-dir) j=$((i + 1)); bin_dir="${!j:-}" ;;
        --bin-dir=*) bin_dir="${!i#--bin-dir=}" ;;
        -h|--help) exec python3 bench/bench.py --bin-dir . --help ;;
    esac
done

if [ -z "$bin_dir" ]; then
    echo "bench: cargo build --release --workspace --bins" >&2
    cargo build --release --workspace --bins >&2
    bin_dir=target/release
    set -- --bin-dir "$bin_dir" "$@"
fi
for b in ftpd ftpc; do
    [ -x "$bin_dir/$b" ] || { echo "bench: $bin_dir/$b is not built" >&2; exit 1; }
done
for tool in curl lftp python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required (see scripts/test.sh)" >&2; exit 1; }
done

# 10,000 idle sessions need 10,000+ descriptors in the load client and more
# in the server. Ask for plenty; an unprivileged shell gets its hard limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# Run Python in the background so a signal to this script reaches the trap;
# bench.py kills every server it started on SIGTERM or SIGINT.
py=""
cleanup() {
    if [ -n "$py" ] && kill -0 "$py" 2>/dev/null; then
        kill -TERM "$py" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$py" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$py" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# No __pycache__ left in the repository.
export PYTHONDONTWRITEBYTECODE=1
python3 bench/bench.py "$@" &
py=$!
set +e
wait "$py"
rc=$?
py=""
exit "$rc"
