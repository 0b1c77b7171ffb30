#!/usr/bin/env python3
"""Start an upload, then wait to be killed (the test sends SIGKILL).

Usage: stor_then_die.py HOST PORT NAME NBYTES

Logs in anonymously, starts `STOR NAME` in binary mode over EPSV, sends
NBYTES of data, waits until the server's STAT says it has taken all of
them, prints `ready` and sleeps. The control socket is moved to a higher
descriptor than the data socket, so when the kernel closes a killed
process's descriptors in order, the data connection goes first: its EOF
looks like a finished upload, which is the hard case for the server.
"""

import os
import re
import socket
import sys
import time


def reply(f):
    line = f.readline()
    code = line[:3]
    while line[3:4] == "-":
        line = f.readline()
        while not line.startswith(code + " "):
            line = f.readline()
    return line


def main():
    host, port, name, nbytes = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    ctrl = socket.create_connection((host, port), timeout=20)
    f = ctrl.makefile("r", encoding="utf-8", newline="\r\n")
    reply(f)

    def cmd(line):
        ctrl.sendall((line + "\r\n").encode())
        return reply(f)

    cmd("USER anonymous")
    cmd("PASS x")
    cmd("TYPE I")
    port_line = cmd("EPSV")
    data_port = int(re.search(r"\|\|\|(\d+)\|", port_line).group(1))
    data = socket.create_connection((host, data_port), timeout=20)
    if not cmd("STOR " + name).startswith("150"):
        sys.exit("STOR refused")
    data.sendall(os.urandom(nbytes))
    deadline = time.time() + 20
    while True:
        ctrl.sendall(b"STAT\r\n")
        status = f.readline()
        text = status
        while not re.match(r"^211 ", status):
            status = f.readline()
            text += status
        if f" {nbytes} bytes" in text:
            break
        if time.time() > deadline:
            sys.exit("server never took the data")
        time.sleep(0.005)
    # Control above data, so the kernel closes the data socket first.
    high = os.dup2(ctrl.fileno(), 900)
    os.close(ctrl.fileno())
    ctrl.detach()
    assert data.fileno() < high
    print("ready", flush=True)
    time.sleep(60)


if __name__ == "__main__":
    main()
