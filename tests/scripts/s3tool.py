#!/usr/bin/env python3
"""Test helper: look at and set up an S3 store directly with boto3, so the
tests check what is really in the bucket, not what ftpd says.

    s3tool.py ENDPOINT mkbucket BUCKET
    s3tool.py ENDPOINT rmbucket BUCKET        (everything in it, then it)
    s3tool.py ENDPOINT keys BUCKET            (lines: size TAB sha256 TAB etag TAB key)
    s3tool.py ENDPOINT put BUCKET KEY FILE    (FILE "-" : empty object)
    s3tool.py ENDPOINT uploads BUCKET         (incomplete multipart uploads)
    s3tool.py ENDPOINT putmany BUCKET PREFIX N

Credentials are the fixed test ones ("test"/"test"), region us-east-1.
"""
import hashlib
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config


def client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
    )


def all_keys(s3, bucket):
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        out.extend(page.get("Contents", []))
    return out


def main():
    endpoint, cmd, bucket = sys.argv[1], sys.argv[2], sys.argv[3]
    args = sys.argv[4:]
    s3 = client(endpoint)
    if cmd == "mkbucket":
        s3.create_bucket(Bucket=bucket)
    elif cmd == "rmbucket":
        for up in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            s3.abort_multipart_upload(Bucket=bucket, Key=up["Key"], UploadId=up["UploadId"])
        for obj in all_keys(s3, bucket):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
        s3.delete_bucket(Bucket=bucket)
    elif cmd == "keys":
        for obj in all_keys(s3, bucket):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            digest = hashlib.sha256(body).hexdigest()
            etag = obj["ETag"].strip('"')
            print(f"{obj['Size']}\t{digest}\t{etag}\t{obj['Key']}")
    elif cmd == "put":
        key, path = args
        body = b"" if path == "-" else open(path, "rb").read()
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    elif cmd == "uploads":
        print(len(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])))
    elif cmd == "putmany":
        prefix, n = args[0], int(args[1])
        def put(i):
            s3.put_object(Bucket=bucket, Key=f"{prefix}f{i:06d}", Body=b"x")
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(put, range(n)))
    else:
        sys.exit(f"s3tool: unknown command {cmd}")


if __name__ == "__main__":
    main()
