#!/usr/bin/env python3
"""ABOR in the middle of a download, the way Python's ftplib does it.

Usage: ftplib_abort.py HOST PORT PATH

Starts RETR PATH (which must be much larger than the socket buffers), reads
the first 64 KiB, then calls FTP.abort(), which sends ABOR as TCP urgent data
(MSG_OOB), exactly as stock ftplib does. Prints, one per line:
  received <bytes read before the abort>
  abort <reply to ABOR>            (RFC 959: 426 for the aborted transfer)
  after <the next reply>           (then 226 for the ABOR itself)
  noop <reply to NOOP>             (the session still works)
Exits non-zero with a message when the server misbehaves or times out.
"""

import ftplib
import sys

TIMEOUT = 15


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    try:
        ftp = ftplib.FTP(timeout=TIMEOUT, encoding="utf-8")
        ftp.connect(host, port)
        ftp.login("anonymous", "ftplib@example.com")
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("RETR " + path)
        received = 0
        while received < 65536:
            chunk = conn.recv(65536 - received)
            if not chunk:
                sys.exit(f"data connection closed after {received} bytes, before ABOR")
            received += len(chunk)
        print(f"received {received}")
        # abort() raises error_proto unless the reply is 426, 225 or 226.
        first = ftp.abort()
        print("abort " + first)
        conn.close()
        if first.startswith("426"):
            # getresp raises on 4xx/5xx: the second reply must be a success.
            second = ftp.getresp()
            print("after " + second)
        print("noop " + ftp.sendcmd("NOOP"))
        ftp.quit()
    except ftplib.all_errors as e:
        sys.exit(f"abort test failed: {type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
