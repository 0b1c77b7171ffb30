#!/usr/bin/env python3
"""Pipelined commands: send several command lines in ONE write on a raw
socket and read every reply, checking nothing by itself.

Usage: pipeline.py HOST PORT LINE [LINE...]

Each LINE is sent followed by CRLF, except that a LINE ending in a literal
"\\n" (backslash, n) is sent with a bare LF instead. All lines go out in a
single sendall() before any reply is read. Then the script reads until the
server closes the connection (the last LINE should be QUIT) and prints one
line per reply: "CODE<TAB>first line of text". Exits non-zero on timeout.
"""

import socket
import sys

TIMEOUT = 15


def read_replies(sock):
    buf = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    replies = []
    pending = None  # (code, first text) of a multi-line reply
    for raw in buf.split(b"\n"):
        line = raw.rstrip(b"\r").decode("utf-8", "replace")
        if not line:
            continue
        code, sep = line[:3], line[3:4]
        if pending is not None:
            if code == pending[0] and sep == " ":
                replies.append(pending)
                pending = None
            continue
        if sep == "-":
            pending = (code, line[4:])
        else:
            replies.append((code, line[4:]))
    if pending is not None:
        sys.exit(f"unterminated multi-line reply {pending}")
    return replies


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    host, port, lines = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    payload = b""
    for line in lines:
        if line.endswith("\\n"):
            payload += line[:-2].encode("utf-8") + b"\n"
        else:
            payload += line.encode("utf-8") + b"\r\n"
    try:
        sock = socket.create_connection((host, port), timeout=TIMEOUT)
        sock.sendall(payload)
        replies = read_replies(sock)
    except OSError as e:
        sys.exit(f"pipeline failed: {type(e).__name__}: {e}")
    for code, text in replies:
        print(f"{code}\t{text}")


if __name__ == "__main__":
    main()
