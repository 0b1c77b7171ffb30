#!/usr/bin/env python3
"""Facts about local files from Python's standard library, for the Rust
tests to compare with what ftpd answers.

Usage:
  digests.py hash FILE   one "ALGO<TAB>hex" line per HASH algorithm
                         (SHA-256, SHA-512, SHA-1, MD5 from hashlib;
                         CRC32 from zlib, as 8 hex digits)
  digests.py stat PATH   "mtime<TAB>mode": os.stat's whole-second
                         modification time and permission bits in octal
"""

import hashlib
import os
import sys
import zlib


def hash_file(path):
    algos = {
        "SHA-256": hashlib.sha256(),
        "SHA-512": hashlib.sha512(),
        "SHA-1": hashlib.sha1(),
        "MD5": hashlib.md5(),
    }
    crc = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            for h in algos.values():
                h.update(chunk)
            crc = zlib.crc32(chunk, crc)
    for name, h in algos.items():
        print(f"{name}\t{h.hexdigest()}")
    print(f"CRC32\t{crc & 0xFFFFFFFF:08x}")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("hash", "stat"):
        sys.exit(__doc__)
    if sys.argv[1] == "hash":
        hash_file(sys.argv[2])
    else:
        st = os.stat(sys.argv[2])
        print(f"{int(st.st_mtime)}\t{st.st_mode & 0o7777:o}")


if __name__ == "__main__":
    main()
