"""Starting and stopping the servers under test, all on 127.0.0.1.

Every benchmark measurement gets a fresh instance (started here, killed
right after), so memory and CPU readings never carry over from an earlier
workload. All servers log in user bench / benchpw with write access; vsftpd
can only do that (a local system user), so the others are set up alike.

Everything started is remembered in RUNNING and killed by stop_all(), which
bench.py calls on every exit path. Servers stay in the benchmark's process
group, so a harness that kills the group (the smoke test on timeout) takes
them down too.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import procs

USER, PASSWORD = "bench", "benchpw"
HERE = os.path.dirname(os.path.abspath(__file__))
# The ports the servers get besides their own port-0 listeners, LO-HI
# (bench.py --ports): vsftpd, which cannot report what port 0 gave it,
# listens on LO, and LO+1-HI is every server's passive range (they never
# run at once). The default lies below Linux's ephemeral range (32768+).
# With "any free port", the server side of each closed data connection sits
# in TIME_WAIT on an ephemeral port for 60 s; five rounds of 8,000
# small-file transfers then used up the range and ftpd answered 425. With a
# fixed range a listener binds over TIME_WAIT (SO_REUSEADDR), and the
# client's connects reuse their own TIME_WAIT ports on loopback
# (tcp_tw_reuse=2). The smoke test passes a block it reserved
# (tests/support/ports.rs), so it shares no port with the tests beside it.
DEFAULT_PORTS = (20000, 29999)
# The repository's own launcher, shared with the ftpc tests.
VSFTPD_SCRIPT = os.path.join(os.path.dirname(HERE), "tests", "scripts", "start-vsftpd.sh")
START_TIMEOUT = 20.0

RUNNING = []


class StartError(Exception):
    pass


class Server:
    """One running server: `pid` is the process whose tree is measured."""

    def __init__(self, name, pid, port, root, popen=None):
        self.name, self.pid, self.port, self.root = name, pid, port, root
        self.popen = popen
        RUNNING.append(self)

    def url(self, path=""):
        return f"ftp://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{path}"

    def stop(self):
        """SIGKILL the whole tree: instances are throwaway, and ftpd's graceful
        shutdown would wait out its grace period for open sessions."""
        for _ in range(3):
            tree = procs.descendants(self.pid) if procs.alive(self.pid) else []
            if not tree:
                break
            for p in tree:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and procs.alive(self.pid):
                time.sleep(0.01)
        if self.popen is not None:
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self in RUNNING:
            RUNNING.remove(self)


def stop_all():
    for s in list(RUNNING):
        try:
            s.stop()
        except Exception as e:  # keep killing the rest
            print(f"bench: stopping {s.name}: {e}", file=sys.stderr)


def passive_range(ports):
    """The passive range within `ports` (LO-HI), as "MIN-MAX"."""
    return f"{ports[0] + 1}-{ports[1]}"


def _wait_for_line(popen, path, prefix):
    """Poll (bounded) the file the server prints to until a line starts with
    prefix; return the rest of that line."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix):
                    return line[len(prefix):].strip()
        if popen.poll() is not None:
            raise StartError(f"exited with {popen.returncode} before printing {prefix!r}")
        time.sleep(0.01)
    raise StartError(f"printed no {prefix!r} line within {START_TIMEOUT:.0f}s")


def _wait_listening(port):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise StartError(f"nothing listens on port {port} after {START_TIMEOUT:.0f}s")


def _spawn(argv, out_path, log_path):
    with open(out_path, "w") as out, open(log_path, "a") as log:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=log)


def start_ftpd(bin_dir, root, logdir, ports):
    argv = [os.path.join(bin_dir, "ftpd"), "--root", root, "--listen", "127.0.0.1:0",
            "--write", "--user", f"{USER}:{PASSWORD}",
            "--max-sessions", "20000", "--max-sessions-per-ip", "20000",
            "--passive-ports", passive_range(ports)]
    out = os.path.join(logdir, "ftpd.out")
    p = _spawn(argv, out, os.path.join(logdir, "ftpd.log"))
    try:
        rest = _wait_for_line(p, out, "ftpd listening on ftp://127.0.0.1:")
        port = int(rest.split()[0].rstrip("/"))
    except (StartError, ValueError) as e:
        p.kill()
        p.wait()
        raise StartError(f"ftpd: {e}") from None
    return Server("ftpd", p.pid, port, root, popen=p)


def pyftpdlib_available():
    r = subprocess.run([sys.executable, "-c", "import pyftpdlib; print(pyftpdlib.__ver__)"],
                       capture_output=True, text=True, timeout=30)
    return r.stdout.strip() if r.returncode == 0 else None


def start_pyftpdlib(root, logdir, ports):
    argv = [sys.executable, os.path.join(HERE, "pyftpd_serve.py"), root, passive_range(ports)]
    out = os.path.join(logdir, "pyftpdlib.out")
    p = _spawn(argv, out, os.path.join(logdir, "pyftpdlib.log"))
    try:
        port = int(_wait_for_line(p, out, "port "))
    except (StartError, ValueError) as e:
        p.kill()
        p.wait()
        raise StartError(f"pyftpdlib: {e}") from None
    return Server("pyftpdlib", p.pid, port, root, popen=p)


def vsftpd_unavailable():
    """Why vsftpd cannot run here, or None when it can."""
    if not (shutil.which("vsftpd") or os.path.exists("/usr/sbin/vsftpd")):
        return "vsftpd is not installed (run ./scripts/test.sh)"
    if os.geteuid() != 0:
        return "start-vsftpd.sh needs root (it adds the bench user)"
    return None


def vsftpd_version():
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "vsftpd"],
                       capture_output=True, text=True, timeout=30)
    return r.stdout.strip() if r.returncode == 0 else "?"


def start_vsftpd(root, logdir, ports):
    """Through tests/scripts/start-vsftpd.sh, which prints the listener's pid.
    Retried, in case an instance just killed still holds the port."""
    err = ""
    port, pmin, pmax = ports[0], ports[0] + 1, ports[1]
    for attempt in range(3):
        r = subprocess.run(["bash", VSFTPD_SCRIPT, root, str(port), str(pmin), str(pmax)],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=120)
        if r.returncode == 0 and r.stdout.strip().isdigit():
            # The launcher writes its config beside the root, in the work directory.
            server = Server("vsftpd", int(r.stdout.strip()), port, root)
            try:
                _wait_listening(port)
                return server
            except StartError as e:
                server.stop()
                err = str(e)
        else:
            err = f"start-vsftpd.sh exited {r.returncode}: {r.stderr.strip()[-300:]}"
        with open(os.path.join(logdir, "vsftpd.log"), "a") as log:
            log.write(f"attempt {attempt + 1}: {err}\n")
        time.sleep(1 + attempt)
    raise StartError(f"vsftpd: {err}")
