"""pyftpdlib with explicit FTPS (TLS_FTPHandler, needs pyOpenSSL) on
127.0.0.1, port chosen by the OS and printed on stdout once the socket
listens; passive ports are the OS's too (port 0, pyftpdlib's default), so
parallel tests never compete for a range. TLS is required on control and
data connections.
usage: pyftpd_tls_serve.py ROOT CERT_PEM KEY_PEM. User alice/secret, write access."""
import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import TLS_FTPHandler
from pyftpdlib.servers import FTPServer

logging.basicConfig(level=logging.CRITICAL)
root, cert, key = sys.argv[1:4]
auth = DummyAuthorizer()
auth.add_user("alice", "secret", root, perm="elradfmwMT")


class Handler(TLS_FTPHandler):
    authorizer = auth
    certfile = cert
    keyfile = key
    tls_control_required = True
    tls_data_required = True
    permit_foreign_addresses = False


server = FTPServer(("127.0.0.1", 0), Handler)
print(server.socket.getsockname()[1], flush=True)
server.serve_forever()
