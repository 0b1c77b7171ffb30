#!/usr/bin/env python3
"""Hold one FTPS session across a certificate reload.

Usage: ftplib_tls_hold.py HOST PORT CAFILE

Connects with explicit TLS (trusting CAFILE), logs in anonymously, PROT P,
prints the NLST of / on one line; then waits for a line on stdin, and on
the same session prints the NLST again and the content of the first file.
Every socket operation has a timeout.
"""
import ftplib
import ssl
import sys

host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
ftp = ftplib.FTP_TLS(context=ctx, timeout=15)
ftp.connect(host, port)
ftp.login("anonymous", "hold@example.com")
ftp.prot_p()
names = ftp.nlst()
print(" ".join(names), flush=True)
sys.stdin.readline()
again = ftp.nlst()
chunks = []
ftp.retrbinary("RETR " + again[0], chunks.append)
print(" ".join(again), flush=True)
print(b"".join(chunks).decode(), flush=True)
ftp.quit()
