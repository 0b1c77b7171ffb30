"""Many FTP logins at once from one process: the client side of workload 3.

One epoll loop drives every connection through connect -> 220 -> USER ->
331 -> PASS -> 230. At most `in_flight` connections are between connect and
230 at any moment; a logged-in connection is either kept open (idle
sessions) or reset at once (login latency). Plain non-blocking sockets and a
hand-written state machine, not asyncio, because the client must stay much
cheaper than the servers it measures: on a 2-core machine it shares the CPU
with them, so its own cost per login is reported too (`client_cpu_s`).

Every wait is bounded: each connection by `step_timeout`, the whole run by
`deadline_s`.
"""

import errno
import resource
import selectors
import socket
import struct
import time

# Connection states, in the order a login goes through them.
CONNECTING, WANT_220, WANT_331, WANT_230 = range(4)
# What each state sends once its expected reply arrives, and the next state.
EXPECT = {WANT_220: "220", WANT_331: "331", WANT_230: "230"}


class Conn:
    __slots__ = ("sock", "state", "buf", "start", "step_at")

    def __init__(self, sock, now):
        self.sock = sock
        self.state = CONNECTING
        self.buf = b""
        self.start = now
        self.step_at = now


def _final_reply(buf):
    """The code of the first complete final reply line in buf ("NNN text\\r\\n"),
    or None. Multi-line replies ("NNN-...") end with a line "NNN ..."."""
    for line in buf.split(b"\n")[:-1]:
        if len(line) >= 4 and line[:3].isdigit() and line[3:4] == b" ":
            return line[:3].decode()
    return None


def _reset(sock):
    """Close with RST (SO_LINGER 0): no TIME_WAIT left behind, so thousands of
    logins per round do not pile up sockets between rounds."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def run_logins(host, port, user, password, count, in_flight, keep_open,
               step_timeout=30.0, deadline_s=300.0):
    """Log `count` sessions in, `in_flight` at a time.

    Returns a dict: ok (logins that reached 230), failed, errors (a few
    messages), latencies_s (connect to 230, per successful login), wall_s,
    client_cpu_s, and open_socks (the logged-in sockets when keep_open,
    which the caller must pass to close_all)."""
    sel = selectors.DefaultSelector()
    user_line = f"USER {user}\r\n".encode()
    pass_line = f"PASS {password}\r\n".encode()
    started = done = failed = 0
    latencies, errors, kept = [], [], []
    active = {}
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    deadline = t0 + deadline_s

    def fail(conn, why):
        nonlocal failed
        failed += 1
        if len(errors) < 5:
            errors.append(why)
        sel.unregister(conn.sock)
        del active[conn.sock.fileno()]
        _reset(conn.sock)

    def launch(now):
        nonlocal started
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Conn(s, now)
        rc = s.connect_ex((host, port))
        started += 1
        active[s.fileno()] = conn
        if rc not in (0, errno.EINPROGRESS):
            sel.register(s, selectors.EVENT_READ, conn)
            fail(conn, f"connect: {errno.errorcode.get(rc, rc)}")
            return
        sel.register(s, selectors.EVENT_WRITE, conn)

    while done + failed < count:
        now = time.monotonic()
        if now > deadline:
            errors.append(f"deadline of {deadline_s:.0f}s passed")
            failed += count - done - failed
            break
        while started < count and len(active) < in_flight:
            launch(now)
        for key, ev in sel.select(timeout=0.5):
            conn = key.data
            now = time.monotonic()
            if conn.state == CONNECTING:
                err = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail(conn, f"connect: {errno.errorcode.get(err, err)}")
                    continue
                conn.state = WANT_220
                conn.step_at = now
                sel.modify(conn.sock, selectors.EVENT_READ, conn)
                continue
            try:
                data = conn.sock.recv(4096)
            except OSError as e:
                fail(conn, f"recv: {e}")
                continue
            if not data:
                fail(conn, f"closed while waiting for {EXPECT[conn.state]}")
                continue
            conn.buf += data
            code = _final_reply(conn.buf)
            if code is None:
                continue
            if code != EXPECT[conn.state]:
                text = conn.buf.decode(errors="replace").strip()
                fail(conn, f"wanted {EXPECT[conn.state]}, got: {text[:80]}")
                continue
            conn.buf = b""
            conn.step_at = now
            try:
                if conn.state == WANT_220:
                    conn.sock.send(user_line)
                    conn.state = WANT_331
                elif conn.state == WANT_331:
                    conn.sock.send(pass_line)
                    conn.state = WANT_230
                else:
                    latencies.append(now - conn.start)
                    done += 1
                    sel.unregister(conn.sock)
                    del active[conn.sock.fileno()]
                    if keep_open:
                        kept.append(conn.sock)
                    else:
                        _reset(conn.sock)
            except OSError as e:
                fail(conn, f"send: {e}")
        now = time.monotonic()
        for conn in [c for c in active.values() if now - c.step_at > step_timeout]:
            fail(conn, f"no reply within {step_timeout:.0f}s")
    wall = time.monotonic() - t0
    for conn in list(active.values()):
        _reset(conn.sock)
    sel.close()
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return {"ok": done, "failed": failed, "errors": errors, "latencies_s": latencies,
            "wall_s": wall, "client_cpu_s": cpu, "open_socks": kept}


def close_all(socks):
    for s in socks:
        _reset(s)
