"""pyftpdlib with the verbs other servers have, for ftpc's tests of
--checksum and of kept times. Prints its port once it listens.
usage: pyftpd_variants.py ROOT MODE. Anonymous with write access.

MODE badhash: FEAT lists HASH SHA-256 and MFMT, and HASH answers in the
format of draft-bryan-ftp-hash with the digest of the wrong bytes (the
file's content plus one more byte), so a client that checks must refuse
the transfer. The files themselves are stored and served intact.
PYFTPD_HASH_DELAY=SECS makes HASH answer that much later.

MODE utime: no MFMT in FEAT; times are set with `SITE UTIME path ATIME
MTIME CTIME UTC` (YYYYMMDDHHMMSS each), the form proftpd's mod_site_misc
and pure-ftpd take."""
import calendar
import hashlib
import time
import logging
import os
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

logging.basicConfig(level=logging.CRITICAL)
auth = DummyAuthorizer()
auth.add_anonymous(sys.argv[1], perm="elradfmwMT")

commands = FTPHandler.proto_cmds.copy()
commands["HASH"] = dict(
    perm="r", auth=True, arg=True, help="Syntax: HASH <SP> file-name (digest)."
)

MODE = sys.argv[2]
commands["SITE UTIME"] = dict(
    perm=None, auth=True, arg=True, help="Syntax: SITE UTIME path A M C UTC."
)

FEATURES = [
    "EPRT",
    "EPSV",
    "MDTM",
    "MLST type*;perm*;size*;modify*;",
    "REST STREAM",
    "SIZE",
    "TVFS",
    "UTF8",
] + (["HASH SHA-256*", "MFMT"] if MODE == "badhash" else [])


class Handler(FTPHandler):
    authorizer = auth
    permit_foreign_addresses = False
    proto_cmds = commands

    def ftp_FEAT(self, line):
        lines = "".join(" %s\r\n" % f for f in FEATURES)
        self.push("211-Features supported:\r\n" + lines + "211 End FEAT.\r\n")

    def ftp_HASH(self, path):
        # pyftpdlib has already turned the argument into a checked local path.
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            self.respond("550 %s." % e.strerror)
            return
        wrong = hashlib.sha256(data + b"!").hexdigest()
        # A slow server: PYFTPD_HASH_DELAY seconds before the answer.
        time.sleep(float(os.environ.get("PYFTPD_HASH_DELAY", "0")))
        self.respond("213 SHA-256 0-%d %s %s" % (len(data), wrong, self.fs.fs2ftp(path)))

    def ftp_SITE_UTIME(self, line):
        words = line.split(" ")
        if MODE != "utime" or len(words) < 5 or words[-1].upper() != "UTC":
            self.respond("501 Syntax: SITE UTIME path ATIME MTIME CTIME UTC.")
            return
        path = self.fs.ftp2fs(" ".join(words[:-4]))
        if not self.fs.validpath(path) or not os.path.isfile(path):
            self.respond("550 No such file.")
            return
        try:
            mtime = calendar.timegm(time.strptime(words[-3], "%Y%m%d%H%M%S"))
        except ValueError:
            self.respond("501 Bad time.")
            return
        os.utime(path, (mtime, mtime))
        self.respond("200 UTIME OK.")


server = FTPServer(("127.0.0.1", 0), Handler)
print(server.socket.getsockname()[1], flush=True)
server.serve_forever()
