#!/usr/bin/env python3
"""A synthetic S3 store for the listing-memory test: answers ListObjectsV2
for bucket `fake` as if the prefix p/big/ held N objects with 126-byte
names (generated page by page, never all at once), p/ holding only the
directory big/. Every other object is missing (HEAD/GET 404). Requests
are not authenticated. Prints its port (5 digits and a newline) on
stdout, then serves on 127.0.0.1 until killed.

    s3fake.py N
"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

N = int(sys.argv[1])
PAD = "n" * 120
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>fake</Name>'


def contents(key):
    return (f"<Contents><Key>{key}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
            f'<ETag>"0"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>')


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/xml")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.reply(404)

    def do_GET(self):
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path.rstrip("/") != "/fake" or q.get("list-type") != "2":
            return self.reply(404, b"<Error><Code>NoSuchKey</Code></Error>")
        prefix = q.get("prefix", "")
        delim = q.get("delimiter")
        max_keys = int(q.get("max-keys", "1000"))
        start = int(q.get("continuation-token", "0"))
        parts = [HEAD]
        if prefix == "p/big/":
            end = min(N, start + max_keys)
            parts.extend(contents(f"p/big/{PAD}{i:06d}") for i in range(start, end))
            if end < N:
                parts.append(f"<IsTruncated>true</IsTruncated><NextContinuationToken>{end}</NextContinuationToken>")
        elif prefix in ("p/", "") and delim:
            parts.append("<CommonPrefixes><Prefix>p/big/</Prefix></CommonPrefixes>")
        elif prefix in ("p/", ""):
            parts.append(contents(f"p/big/{PAD}000000"))
        parts.append("</ListBucketResult>")
        self.reply(200, "".join(parts).encode())


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"{server.server_address[1]:05d}", flush=True)
server.serve_forever()
