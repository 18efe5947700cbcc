"""A real S3-compatible store on this machine: moto's server in this process, on 127.0.0.1.

Used by the tests (``s3_media`` in tests/conftest.py) and by ``make bench`` (part ``s3``),
so both talk to the same emulator the same way a worker talks to a real bucket: through
django-storages' ``S3Storage`` and boto3 over HTTP, with no mock in between.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

S3_BACKEND = "storages.backends.s3.S3Storage"
REGION = "us-east-1"
# moto accepts any keys; these are not secrets.
ACCESS_KEY = "moto-access-key"
SECRET_KEY = "moto-secret-key"


class S3Unavailable(RuntimeError):
    """moto's server could not be started here (the reason is the message)."""


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def bucket_create(self, *, prefix: str = "rolls") -> str:
        """A new empty bucket (one per test keeps tests apart on one server)."""
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def bucket_keys(self, *, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))

    def bucket_read(self, *, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def storage_options(self, *, bucket: str) -> dict:
        """``STORAGES["default"]["OPTIONS"]`` as config/settings.py builds them from AWS_*."""
        return {
            "bucket_name": bucket,
            "endpoint_url": self.endpoint_url,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "file_overwrite": True,
            "default_acl": None,
        }

    def environment(self, *, bucket: str) -> dict[str, str]:
        """The variables that select this store for another process (a worker, a bench
        part): exactly what docs/operators.md tells operators to set."""
        return {
            "STORAGE_BACKEND": S3_BACKEND,
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def s3_server_process() -> Iterator[S3Server]:
    """moto's server in a process of its own on a free loopback port (the benchmark: in the
    measuring process its Python would share the interpreter lock with the web requests it
    serves, as no real store does)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        found = S3Server(endpoint_url=f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while True:
            try:
                found.client().list_buckets()
                break
            except Exception as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise S3Unavailable(
                        f"moto's server on port {port} did not start ({exc})"
                    ) from None
                time.sleep(0.2)
        yield found
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def s3_server() -> Iterator[S3Server]:
    """moto's threaded server on a free loopback port for the block's duration."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        raise S3Unavailable(f"moto is not installed ({exc})") from None
    # The emulator's HTTP server logs every request at INFO: thousands of lines per run.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    try:
        server.start()
    except OSError as exc:
        raise S3Unavailable(f"moto's server did not start on 127.0.0.1:{port} ({exc})") from None
    try:
        found = S3Server(endpoint_url=f"http://127.0.0.1:{port}")
        try:
            found.client().list_buckets()  # answers before anything relies on it
        except Exception as exc:
            raise S3Unavailable(f"moto's server on port {port} does not answer ({exc})") from None
        yield found
    finally:
        server.stop()
