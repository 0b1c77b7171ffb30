"""pyftpdlib that lies about digests, for ftpc's --checksum tests: FEAT
lists HASH SHA-256 and MFMT, and HASH answers in the format of
draft-bryan-ftp-hash with the digest of the wrong bytes (the file's content
plus one more byte), so a client that checks must refuse the transfer.
Everything else is stock pyftpdlib: the files themselves are stored and
served intact. Prints its port once it listens.
usage: pyftpd_badhash.py ROOT. Anonymous with write access."""
import hashlib
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

FEATURES = [
    "EPRT",
    "EPSV",
    "HASH SHA-256*",
    "MDTM",
    "MFMT",
    "MLST type*;perm*;size*;modify*;",
    "REST STREAM",
    "SIZE",
    "TVFS",
    "UTF8",
]


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
        self.respond("213 SHA-256 0-%d %s %s" % (len(data), wrong, self.fs.fs2ftp(path)))


server = FTPServer(("127.0.0.1", 0), Handler)
print(server.socket.getsockname()[1], flush=True)
server.serve_forever()
