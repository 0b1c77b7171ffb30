"""The five workloads of issue 6. Each function measures one server instance
(or, for 4 and 5, one ftpd instance with two clients) for one round and adds
its numbers to the Results. bench.py calls them in alternation.

Every external command runs with a timeout; a failed or wrong transfer is
recorded as an error, never as a number.
"""

import os
import resource
import shutil
import statistics
import subprocess
import threading
import time

import logins
import procs
from servers import PASSWORD, USER

GIB = 1 << 30
MIB = 1 << 20
# A forking server has reaped its sessions well within this.
QUIET_TIMEOUT = 30.0
# After a transfer ends, give the server this long to finish its side
# (closing files, ending the session) before reading its CPU time.
SETTLE = 0.2
# curl 7.88 sometimes stalls for its whole happy-eyeballs timeout (200 ms by
# default) between the EPSV reply and connecting the data channel: when the
# reply is already there as it finishes sending EPSV, it waits for that timer
# instead of going on, so the faster a server answers the more often it is
# hit. On 127.0.0.1 there is no second address family to race, so a 1 ms
# timeout only removes the stall.
CURL = ["curl", "-sS", "--fail", "--happy-eyeballs-timeout-ms", "1"]


class Failed(Exception):
    pass


def run(argv, timeout, env=None, cwd=None):
    """Run a client; returns (stdout, wall seconds, client CPU seconds).
    Raises Failed on a non-zero exit or a timeout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout, env=env, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise Failed(f"{os.path.basename(argv[0])} did not finish within {timeout:.0f}s") from None
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if r.returncode != 0:
        tail = (r.stderr.strip() or r.stdout.strip())[-400:]
        raise Failed(f"{os.path.basename(argv[0])} exited {r.returncode}: {tail}")
    return r.stdout, wall, cpu


def warm(path):
    """Read a file once so the page cache holds it."""
    with open(path, "rb") as f:
        while f.read(8 * MIB):
            pass


def settle(server):
    if not procs.wait_quiet(server.pid, QUIET_TIMEOUT):
        raise Failed(f"{server.name} still has session processes after {QUIET_TIMEOUT:.0f}s")
    # Write back what earlier uploads left dirty in the page cache, so that no
    # measurement pays for the one before it (the kernel throttles writers
    # once too much is dirty, whichever server happens to run then).
    os.sync()
    time.sleep(SETTLE)


def _check_size(path, size):
    got = os.path.getsize(path) if os.path.exists(path) else None
    if got != size:
        raise Failed(f"{path}: expected {size} bytes, found {got}")


# --- 1. curl RETR / STOR of one big file --------------------------------------

def perf_works():
    """Whether `perf stat -p` can count another process here (it needs
    perf installed and, unless root, a permissive perf_event_paranoid)."""
    if not shutil.which("perf"):
        return False
    try:
        r = subprocess.run(["perf", "stat", "-x,", "-e", "task-clock", "-o", os.devnull,
                            "-p", str(os.getpid()), "--", "true"],
                           capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        return False
    return r.returncode == 0


def server_cpu(cfg, server, argv):
    """Run the client argv; return (its stdout, server CPU seconds meanwhile).

    With perf: `perf stat -e task-clock -p PID` counts the server's threads
    and every process it forks while the client runs, exited ones included,
    plus SETTLE seconds after (a session ends after the client's QUIT).
    Without: utime+stime+cutime+cstime over the tree before and after. That
    misses vsftpd's unprivileged session process when it outlives its parent
    and is reaped by init, so perf is used whenever it works."""
    if cfg.perf:
        stat = os.path.join(cfg.work, "perf.txt")
        wrapped = ["perf", "stat", "-x,", "-e", "task-clock", "-o", stat,
                   "-p", str(server.pid), "--", "sh", "-c",
                   f'"$@"; rc=$?; sleep {SETTLE}; exit $rc', "sh", *argv]
        out, _, _ = run(wrapped, cfg.transfer_timeout)
        with open(stat) as f:
            for line in f:
                parts = line.split(",")
                if len(parts) > 2 and parts[2] == "task-clock" and parts[1] == "msec":
                    return out, float(parts[0]) / 1000
        raise Failed(f"no task-clock line in perf output: {open(stat).read()[-300:]}")
    settle(server)
    cpu0 = procs.cpu_seconds(server.pid)
    out, _, _ = run(argv, cfg.transfer_timeout)
    settle(server)
    return out, procs.cpu_seconds(server.pid) - cpu0


def curl_big(cfg, res, server):
    t = res.tables["curl"]
    size = cfg.big_size
    warm(cfg.big_path)
    # curl's own clock, printed on stdout after the transfer.
    phases = "%{size_download} pretransfer %{time_pretransfer} total %{time_total}"
    for op in ("RETR", "STOR"):
        up = os.path.join(server.root, "upload.bin")
        if op == "RETR":
            argv = CURL + ["-o", "/dev/null", "-w", phases, server.url("big.bin")]
        else:
            argv = CURL + ["-w", phases, "-T", cfg.big_path, server.url("upload.bin")]
        settle(server)
        out, cpu = server_cpu(cfg, server, argv)
        f = out.split()
        if op == "RETR" and f[0] != str(size):
            raise Failed(f"curl RETR got {f[0]} bytes, expected {size}")
        if op == "STOR":
            _check_size(up, size)
            os.unlink(up)
        # The transfer by curl's clock: from "about to transfer" (logged in)
        # to the 226 reply. Session setup is workload 3's business; on this
        # shared machine a connect now and then waits 1 s for a retransmitted
        # SYN, and vsftpd takes 0.4 s to answer QUIT after a big upload, both
        # of which would swamp a 1 GiB transfer's half second.
        secs = float(f[f.index("total") + 1]) - float(f[f.index("pretransfer") + 1])
        t.row(f"curl {op} {cfg.big_label}", "GiB/s", "higher", 1.0).add(
            server.name, size / secs / GIB)
        t.row(f"server CPU per GiB, {op}", "s", "lower", 1.0, ref="vsftpd").add(
            server.name, cpu / (size / GIB))
        cfg.log(f"{server.name}: curl {op} {size / secs / GIB:.2f} GiB/s, "
                f"server CPU {cpu:.3f} s")


# --- 2. ftpbench -------------------------------------------------------------

class MemorySampler:
    """Peak VmRSS and peak Pss of a process tree, sampled every 250 ms in a
    thread (each peak on its own: they need not coincide)."""

    def __init__(self, pid):
        self.pid = pid
        self.rss, self.pss = procs.memory_kib(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        rss, pss = procs.memory_kib(self.pid)
        self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)

    def _run(self):
        while not self._stop.wait(0.25):
            self._sample()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)
        self._sample()


def parse_ftpbench(text):
    """ftpbench's result lines: 'LABEL   12.34 MB/sec' or '... secs'."""
    rows = []
    for line in text.splitlines():
        parts = line.rsplit(None, 2)
        if len(parts) == 3 and parts[2] in ("MB/sec", "secs"):
            try:
                rows.append((parts[0].strip(), float(parts[1]), parts[2]))
            except ValueError:
                continue
    return rows


def ftpbench(cfg, res, server):
    t = res.tables["ftpbench"]
    argv = [cfg.ftpbench, "-u", USER, "-p", PASSWORD, "-H", "127.0.0.1",
            "-P", str(server.port), "-b", "all", "-n", str(cfg.ftpbench_clients),
            "-s", cfg.ftpbench_size, "-t", "60"]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    settle(server)
    with MemorySampler(server.pid) as mem:
        out, _, _ = run(argv, cfg.ftpbench_timeout, env=env, cwd=cfg.work)
    rows = parse_ftpbench(out)
    if len(rows) < 8:
        raise Failed(f"ftpbench printed {len(rows)} result rows, expected 8:\n{out[-800:]}")
    for label, value, unit in rows:
        if unit == "MB/sec":
            t.row(f"ftpbench: {label}", "MiB/s", "higher", 1.0).add(server.name, value)
        else:
            t.row(f"ftpbench: {label}", "s", "lower", 1.0).add(server.name, value)
    t.row("server memory, peak Pss during ftpbench", "MiB", "lower").add(server.name, mem.pss / 1024)
    t.row("server memory, peak VmRSS during ftpbench", "MiB", "lower").add(
        server.name, mem.rss / 1024)
    cfg.log(f"{server.name}: ftpbench done, peak Pss {mem.pss / 1024:.1f} MiB, "
            f"VmRSS {mem.rss / 1024:.1f} MiB")


# --- 3. idle sessions, and logins with 32 in flight ---------------------------

def sessions(cfg, res, server):
    t = res.tables["sessions"]
    n = cfg.idle_sessions
    count = cfg.logins
    if server.name == "vsftpd":
        n, count = min(n, cfg.vsftpd_idle_sessions), min(count, cfg.vsftpd_logins)
    # One login first, so lazily built server state is in the baseline.
    r = logins.run_logins("127.0.0.1", server.port, USER, PASSWORD, 1, 1, False)
    if r["ok"] != 1:
        raise Failed(f"warm-up login failed: {r['errors']}")
    settle(server)
    time.sleep(0.3)
    base = procs.memory_kib(server.pid)
    r = logins.run_logins("127.0.0.1", server.port, USER, PASSWORD, n, 64, True,
                          deadline_s=cfg.sessions_deadline)
    try:
        if r["ok"] == 0:
            raise Failed(f"no idle session logged in: {r['errors']}")
        time.sleep(1.0)  # let the server finish setting sessions up
        held = procs.memory_kib(server.pid)
    finally:
        logins.close_all(r["open_socks"])
    rss, pss = ((h - b) / r["ok"] for h, b in zip(held, base))
    row = t.row("memory per idle logged-in session (Pss)", "KiB", "lower", 1.0)
    row.add(server.name, pss)
    t.row("memory per idle logged-in session (VmRSS)", "KiB", "lower").add(server.name, rss)
    if r["ok"] < n:
        row.notes[server.name] = f"{r['ok']:,} of {n:,} logged in"
        res.warnings.append(f"{server.name}: only {r['ok']:,} of {n:,} idle sessions logged in "
                            f"({r['failed']} refused or failed, e.g. {r['errors'][:2]})")
    elif n != cfg.idle_sessions:
        row.notes[server.name] = f"at {n:,}"
    cfg.log(f"{server.name}: {r['ok']} idle sessions, Pss {pss:.1f} KiB / VmRSS {rss:.1f} KiB "
            f"each (Pss {base[1] / 1024:.1f} -> {held[1] / 1024:.1f} MiB)")

    settle(server)
    r = logins.run_logins("127.0.0.1", server.port, USER, PASSWORD, count, 32, False,
                          deadline_s=cfg.sessions_deadline)
    if r["ok"] < count:
        raise Failed(f"{r['failed']} of {count} logins failed: {r['errors']}")
    lat = statistics.median(r["latencies_s"]) * 1000
    t.row("logins, 32 in flight: median latency", "ms", "lower", 0.5).add(server.name, lat)
    t.row("logins, 32 in flight: wall time / logins", "ms", "lower", 0.5).add(
        server.name, r["wall_s"] / count * 1000)
    t.row("load client's own CPU per login", "µs", "lower").add(
        server.name, r["client_cpu_s"] / count * 1e6)
    if count != cfg.logins:
        t.rows["logins, 32 in flight: median latency"].notes[server.name] = f"{count:,} logins"
    cfg.log(f"{server.name}: {count} logins, median {lat:.2f} ms, "
            f"{r['wall_s']:.2f} s wall")


# --- 4. ftpc vs curl, one big file against ftpd --------------------------------

def ftpc_vs_curl(cfg, res, server, rnd):
    t = res.tables["ftpc"]
    size = cfg.big_size
    ftpc = [os.path.join(cfg.bin_dir, "ftpc"), "-q", "--no-progress"]
    local = os.path.join(cfg.work, "download.bin")
    remote = os.path.join(server.root, "upload.bin")
    clients = [("ftpc", ftpc + ["get", server.url("big.bin"), local],
                ftpc + ["put", cfg.big_path, server.url("upload.bin")]),
               ("curl", CURL + ["-o", local, server.url("big.bin")],
                CURL + ["-T", cfg.big_path, server.url("upload.bin")])]
    if rnd % 2:
        clients.reverse()  # alternate who goes first
    warm(cfg.big_path)
    for op in ("get", "put"):
        for name, get_argv, put_argv in clients:
            settle(server)
            _, wall, cpu = run(get_argv if op == "get" else put_argv, cfg.transfer_timeout)
            target = local if op == "get" else remote
            _check_size(target, size)
            os.unlink(target)
            t.row(f"{op} {cfg.big_label}", "GiB/s", "higher", 1.0).add(name, size / wall / GIB)
            t.row(f"client CPU per GiB, {op}", "s", "lower").add(name, cpu / (size / GIB))
            cfg.log(f"{name} {op}: {size / wall / GIB:.2f} GiB/s, client CPU {cpu:.2f} s")


# --- 5. a tree of small files: ftpc -j 4 vs lftp --parallel=4 ------------------

def _count_files(top):
    n = total = 0
    for d, _, files in os.walk(top):
        for f in files:
            n += 1
            total += os.path.getsize(os.path.join(d, f))
    return n, total


def _lftp(cfg, server, command):
    script = ("set cmd:fail-exit yes; set cmd:interactive no; set net:max-retries 1; "
              "set net:timeout 30; set ftp:ssl-allow no; "
              f"open -u {USER},{PASSWORD} -p {server.port} 127.0.0.1; {command}; quit")
    home = os.path.join(cfg.work, "lftp-home")
    os.makedirs(home, exist_ok=True)
    env = dict(os.environ, HOME=home, LFTP_HOME=home)
    return ["lftp", "-c", script], env


def tree(cfg, res, server, rnd):
    t = res.tables["tree"]
    ftpc = [os.path.join(cfg.bin_dir, "ftpc"), "-q", "--no-progress", "-j", "4"]
    # Every run writes to new names and nothing is deleted until the whole
    # benchmark ends. Deleting a tree just before the next run creates one
    # made ext4 (this machine's has no journal) step over every inode freed
    # in the last half minute on each file creation: perf showed half of
    # the server's and the client's time in recently_deleted() and
    # find_get_block_common(), the same absolute cost for both clients.
    up = {"ftpc": f"up-ftpc-r{rnd}", "lftp": f"up-lftp-r{rnd}"}
    want = (cfg.files, cfg.files * cfg.file_size)
    for op in ("put", "get"):
        order = ["ftpc", "lftp"] if rnd % 2 == 0 else ["lftp", "ftpc"]
        for client in order:
            env = None
            local = os.path.join(cfg.work, f"tree-download-r{rnd}-{client}")
            if op == "put":
                dest = os.path.join(server.root, up[client])
                if client == "ftpc":
                    argv = ftpc + ["put", "-r", cfg.tree_src, server.url(up[client])]
                else:
                    argv, env = _lftp(cfg, server, f"mirror -R --parallel=4 {cfg.tree_src} /{up[client]}")
            else:
                dest = local
                if client == "ftpc":
                    argv = ftpc + ["get", "-r", server.url("tree"), local]
                else:
                    argv, env = _lftp(cfg, server, f"mirror --parallel=4 /tree {local}")
            settle(server)
            _, wall, _ = run(argv, cfg.tree_timeout, env=env)
            got = _count_files(dest)
            if got != want:
                raise Failed(f"{client} {op}: {got[0]} files / {got[1]} bytes arrived, "
                             f"expected {want[0]} / {want[1]}")
            label = "upload tree (put -r / mirror -R)" if op == "put" \
                else "download tree (get -r / mirror)"
            t.row(label, "s", "lower", 0.5).add(client, wall)
            cfg.log(f"{client} {op} tree: {wall:.2f} s")
