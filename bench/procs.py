"""Server-side measurements from /proc: CPU seconds and memory (VmRSS, Pss),
summed over a process and all its descendants (vsftpd forks a process pair
per session, so its listener alone says little).

/proc/PID/task/*/children is not available on every kernel, so the tree is
found by scanning every /proc/N/stat for its parent pid.
"""

import os
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    """Fields of /proc/PID/stat after the command name: [0] is state (field 3),
    [1] ppid (4), [11..14] utime, stime, cutime, cstime (14..17)."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read()
    return data[data.rindex(b")") + 2:].split()


def descendants(pid):
    """pid and every process below it, found by parent links."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            ppid = int(_stat_fields(name)[1])
        except (OSError, ValueError, IndexError):
            continue  # exited while we looked
        children.setdefault(ppid, []).append(int(name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, ()))
    return tree


def cpu_seconds(pid):
    """utime+stime+cutime+cstime over the tree. Children that exited and were
    reaped show up in their parent's cutime/cstime, so read this when the tree
    is quiet (see wait_quiet) to count every session exactly once."""
    total = 0
    for p in descendants(pid):
        try:
            f = _stat_fields(p)
        except OSError:
            continue
        total += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
    return total / CLK_TCK


def memory_kib(pid):
    """(VmRSS, Pss) summed over the tree, in KiB. VmRSS counts a page shared
    by n processes n times, which for a forking server (vsftpd: libraries,
    PAM, the parent's heap after fork) multiplies its size by the process
    count; Pss (/proc/PID/smaps_rollup) charges each process 1/n of it, so
    the sum over the tree is what the server really holds. For a
    single-process server the two differ only by shared libraries."""
    rss = pss = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                        break
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                        break
        except OSError:
            continue  # exited, or a zombie with no memory
    return rss, pss


def alive(pid):
    try:
        return _stat_fields(pid)[0] != b"Z"
    except OSError:
        return False


def wait_quiet(pid, timeout=30.0, poll=0.05):
    """Wait (bounded) until the tree under pid is back to pid alone, i.e. a
    forking server has reaped every session. Returns whether it got there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(descendants(pid)) <= 1:
            return True
        time.sleep(poll)
    return False
