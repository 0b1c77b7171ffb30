#!/usr/bin/env python3
"""Python's FTP_TLS with prot_p(): list, upload, download.

Usage: ftplib_tls.py HOST PORT UPLOAD_FILE|- DOWNLOAD_TO|-

Logs in as u/p over explicit TLS (certificate not verified: the test server
is self-signed), switches data connections to PROT P, prints `nlst NAME` for
every name in /, stores UPLOAD_FILE as /up.bin and retrieves /down.bin into
DOWNLOAD_TO (each skipped when given as -). Exits non-zero on any error.
"""

import ftplib
import ssl
import sys


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    host, port, up, down = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ftp = ftplib.FTP_TLS(context=ctx, timeout=15, encoding="utf-8")
        ftp.connect(host, port)
        ftp.login("u", "p")
        ftp.prot_p()
        for name in ftp.nlst():
            print("nlst " + name)
        if up != "-":
            with open(up, "rb") as f:
                ftp.storbinary("STOR up.bin", f)
        if down != "-":
            with open(down, "wb") as f:
                ftp.retrbinary("RETR down.bin", f.write)
        ftp.quit()
    except (ftplib.all_errors + (ssl.SSLError,)) as e:
        sys.exit(f"ftplib TLS failed: {type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
