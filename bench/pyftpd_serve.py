"""pyftpdlib for the benchmark: user bench/benchpw with write access on ROOT,
on 127.0.0.1 port 0, passive ports MIN-MAX, printing "port N" once it
listens.

The same server `python3 -m pyftpdlib -w` runs (async, sendfile on, INFO
logging to stderr) except for the connection caps: pyftpdlib turns a
connection away past 512 by default, and the idle-session workload holds
10,000, and the passive range, which the benchmark sets for every server.

usage: python3 pyftpd_serve.py ROOT MIN-MAX
"""

import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    root = sys.argv[1]
    authorizer = DummyAuthorizer()
    authorizer.add_user("bench", "benchpw", root, perm="elradfmwMT")
    handler = FTPHandler
    handler.authorizer = authorizer
    low, high = map(int, sys.argv[2].split("-"))
    handler.passive_ports = range(low, high + 1)
    logging.basicConfig(level=logging.INFO, format="[%(levelname)s %(asctime)s] %(message)s")
    server = FTPServer(("127.0.0.1", 0), handler)
    server.max_cons = 0  # 0: no cap
    server.max_cons_per_ip = 0
    print(f"port {server.address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
