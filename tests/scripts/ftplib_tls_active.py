#!/usr/bin/env python3
"""Python's FTP_TLS with prot_p() in active mode: upload, download, list.

Usage: ftplib_tls_active.py HOST PORT UPLOAD_FILE DOWNLOAD_TO

Logs in as u/p over explicit TLS (certificate not verified: the test server
is self-signed), switches data connections to PROT P and to active mode
(set_pasv(False): ftplib sends PORT, listens, and the server connects back,
then acts as the TLS server on the connection it opened). Stores
UPLOAD_FILE as /up.bin, retrieves /down.bin into DOWNLOAD_TO and lists /.
Prints every command sent (`cmd PORT ...`), the TLS version and whether the
download's data connection was TLS (`data tls TLSv1.3`), and `nlst NAME`
for every name. Exits non-zero on any error.
"""

import ftplib
import ssl
import sys


class Traced(ftplib.FTP_TLS):
    """FTP_TLS that prints each command line it sends, password masked."""

    def putcmd(self, line):
        shown = "PASS ****" if line.startswith("PASS ") else line
        print("cmd " + shown, flush=True)
        super().putcmd(line)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    host, port, up, down = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ftp = Traced(context=ctx, timeout=15, encoding="utf-8")
        ftp.connect(host, port)
        ftp.login("u", "p")
        ftp.prot_p()
        ftp.set_pasv(False)
        with open(up, "rb") as f:
            ftp.storbinary("STOR up.bin", f)
        # RETR by hand, to look at the data connection itself.
        ftp.voidcmd("TYPE I")
        with ftp.transfercmd("RETR down.bin") as conn, open(down, "wb") as f:
            if isinstance(conn, ssl.SSLSocket):
                print("data tls " + str(conn.version()), flush=True)
            else:
                print("data clear", flush=True)
            while True:
                block = conn.recv(65536)
                if not block:
                    break
                f.write(block)
            if isinstance(conn, ssl.SSLSocket):
                conn.unwrap()
        ftp.voidresp()
        for name in ftp.nlst():
            print("nlst " + name)
        ftp.quit()
    except (ftplib.all_errors + (ssl.SSLError,)) as e:
        sys.exit(f"ftplib TLS active failed: {type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
