"""pyftpdlib on 127.0.0.1, port chosen by the OS and printed on stdout once
the socket listens (the test reads it: no sleeping, no guessed ports).
Passive listeners are left on port 0 too (pyftpdlib's default when
passive_ports is unset), so servers of tests running in parallel never
compete for a range.
usage: pyftpd_serve.py ROOT. Anonymous and alice/secret, both with write access.
PYFTPD_HOST binds another loopback address, and PYFTPD_PASSIVE=LO-HI fixes
the passive range, for a test that relays the server's ports
(tests/support/relay.rs)."""
import logging
import os
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

logging.basicConfig(level=logging.CRITICAL)
root = sys.argv[1]
auth = DummyAuthorizer()
auth.add_anonymous(root, perm="elradfmwMT")
auth.add_user("alice", "secret", root, perm="elradfmwMT")


class Handler(FTPHandler):
    authorizer = auth
    permit_foreign_addresses = False


if os.environ.get("PYFTPD_PASSIVE"):
    lo, hi = os.environ["PYFTPD_PASSIVE"].split("-")
    Handler.passive_ports = range(int(lo), int(hi) + 1)


server = FTPServer((os.environ.get("PYFTPD_HOST", "127.0.0.1"), 0), Handler)
print(server.socket.getsockname()[1], flush=True)
server.serve_forever()
