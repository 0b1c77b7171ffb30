#!/usr/bin/env python3
"""Drive an FTP server with Python's stock ftplib, one operation per run.

Usage: ftplib_probe.py HOST PORT OPERATION [ARGS...]

Prints results on stdout in a simple line format for the Rust tests to check,
and exits non-zero with a message on stderr on any failure. Every socket
operation has a timeout, so a silent server cannot hang the test.

Operations:
  feat                      FEAT before login: prints the reply code, then one feature per line
  mlsd DIR                  MLSD with OPTS MLST facts: prints "name<TAB>fact=value;..." per entry
  mlst PATH                 MLST: prints the fact line of the reply
  size PATH                 TYPE I then SIZE: prints the size
  mdtm PATH                 MDTM: prints the reply text after the code
  rest_retr PATH OFFSET OUT REST+RETR: writes the received bytes to OUT
  appe LOCAL PATH           APPE the content of LOCAL to PATH
  stou LOCAL                STOU the content of LOCAL: prints the 1xx and 2xx replies
  nlst [DIR]                NLST: prints one name per line
  stor LOCAL PATH           TYPE I, STOR the content of LOCAL to PATH
  rename FROM TO            RNFR/RNTO
  delete PATH               DELE
"""

import ftplib
import socket
import sys

TIMEOUT = 15


def connect(host, port, login=True):
    ftp = ftplib.FTP(timeout=TIMEOUT, encoding="utf-8")
    ftp.connect(host, int(port))
    if login:
        ftp.login("anonymous", "ftplib@example.com")
    return ftp


def op_feat(host, port):
    ftp = connect(host, port, login=False)
    resp = ftp.sendcmd("FEAT")
    lines = resp.splitlines()
    print(lines[0][:3])
    for line in lines[1:-1]:
        print(line.strip())
    ftp.quit()


def op_mlsd(host, port, path):
    ftp = connect(host, port)
    facts = ["type", "size", "modify", "perm", "unix.mode"]
    for name, fs in ftp.mlsd(path, facts=facts):
        print(name + "\t" + ";".join(f"{k}={v}" for k, v in sorted(fs.items())))
    ftp.quit()


def op_mlst(host, port, path):
    ftp = connect(host, port)
    resp = ftp.sendcmd("MLST " + path)
    lines = resp.splitlines()
    if not resp.startswith("250") or len(lines) < 3:
        sys.exit("unexpected MLST reply: " + resp)
    # RFC 3659 7.2: the fact line starts with a single space.
    print(lines[1][1:] if lines[1].startswith(" ") else lines[1])
    ftp.quit()


def op_size(host, port, path):
    ftp = connect(host, port)
    ftp.voidcmd("TYPE I")
    print(ftp.size(path))
    ftp.quit()


def op_mdtm(host, port, path):
    ftp = connect(host, port)
    resp = ftp.sendcmd("MDTM " + path)
    if not resp.startswith("213 "):
        sys.exit("unexpected MDTM reply: " + resp)
    print(resp[4:].strip())
    ftp.quit()


def op_rest_retr(host, port, path, offset, out):
    ftp = connect(host, port)
    with open(out, "wb") as f:
        ftp.retrbinary("RETR " + path, f.write, rest=int(offset))
    ftp.quit()


def op_appe(host, port, local, path):
    ftp = connect(host, port)
    with open(local, "rb") as f:
        resp = ftp.storbinary("APPE " + path, f)
    print(resp)
    ftp.quit()


def op_stou(host, port, local):
    ftp = connect(host, port)
    ftp.voidcmd("TYPE I")
    # transfercmd hides the 1xx reply, which is where RFC 1123 4.1.2.9 puts
    # the generated name ("150 FILE: name"), so open the data connection by hand.
    host_, port_ = ftp.makepasv()
    data = socket.create_connection((host_, port_), timeout=TIMEOUT)
    first = ftp.sendcmd("STOU")
    if not first.startswith("1"):
        sys.exit("STOU not started: " + first)
    with open(local, "rb") as f:
        data.sendall(f.read())
    data.close()
    last = ftp.voidresp()
    print(first)
    print(last)
    ftp.quit()


def op_nlst(host, port, *path):
    ftp = connect(host, port)
    for name in ftp.nlst(*path):
        print(name)
    ftp.quit()


def op_stor(host, port, local, path):
    ftp = connect(host, port)
    with open(local, "rb") as f:
        ftp.storbinary("STOR " + path, f)
    ftp.quit()


def op_rename(host, port, src, dst):
    ftp = connect(host, port)
    ftp.rename(src, dst)
    ftp.quit()


def op_delete(host, port, path):
    ftp = connect(host, port)
    ftp.delete(path)
    ftp.quit()


OPS = {
    "stor": op_stor,
    "rename": op_rename,
    "delete": op_delete,
    "feat": op_feat,
    "mlsd": op_mlsd,
    "mlst": op_mlst,
    "size": op_size,
    "mdtm": op_mdtm,
    "rest_retr": op_rest_retr,
    "appe": op_appe,
    "stou": op_stou,
    "nlst": op_nlst,
}


def main():
    if len(sys.argv) < 4 or sys.argv[3] not in OPS:
        sys.exit(__doc__)
    host, port, op = sys.argv[1:4]
    try:
        OPS[op](host, port, *sys.argv[4:])
    except (ftplib.all_errors) as e:
        sys.exit(f"{op} failed: {type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
