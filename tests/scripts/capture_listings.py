#!/usr/bin/env python3
"""Record a server's real LIST -a and MLSD output of one directory, as the
fixtures in fixtures/listings/ are recorded (see its README): Python's
ftplib `retrlines`, which strips the CRLF line ends.

usage: capture_listings.py PORT USER PASSWORD DIR OUT_PREFIX
writes OUT_PREFIX-list-a.txt and OUT_PREFIX-mlsd.txt (the second only when
FEAT offers MLST).
"""
import ftplib
import sys


def capture(ftp, command, path):
    lines = []
    ftp.retrlines(command, lines.append)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("".join(line + "\n" for line in lines))


def main():
    port, user, password, directory, prefix = sys.argv[1:6]
    ftp = ftplib.FTP(encoding="utf-8", timeout=30)
    ftp.connect("127.0.0.1", int(port))
    ftp.login(user, password)
    ftp.cwd(directory)
    capture(ftp, "LIST -a", prefix + "-list-a.txt")
    if "MLST" in ftp.sendcmd("FEAT"):
        capture(ftp, "MLSD", prefix + "-mlsd.txt")
    ftp.quit()


if __name__ == "__main__":
    main()
