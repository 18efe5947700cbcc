"""``make bench`` part ``s3``: the first byte of each download when the PDFs live in an
S3-compatible store, beside the same files on the local filesystem.

The console part measures the run the 1M load left behind, which takes the better part of
an hour to render; this part renders a smaller run of its own (10,000 voters by default,
``--s3-voters``) straight into a bucket of moto's S3 server, started in a process of its own
on 127.0.0.1 (like a real store, it does not share this process's interpreter lock with
the requests it answers), with a real worker that reaches it through docs/operators.md's
variables only. The
downloads are then timed twice on the same run: from the bucket, and from a local copy of
its objects (FileSystemStorage), so the two figures differ by the storage alone.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.conf import settings

from bench.console import FIRST_BYTE_GOAL_MS, download_line
from bench.processes import BENCH, bench_part, fresh, last_json, manage, worker
from tests.s3 import s3_server_process

STRATEGY = "assign_in_database_then_balanced_batches"
FILESYSTEM = "django.core.files.storage.FileSystemStorage"


def s3_downloads(command, databases: dict, voters: int) -> None:
    label, env = list(databases.items())[-1]  # PostgreSQL + RabbitMQ when available
    env = {**env, "CELERY_QUEUE_NAMESPACE": f"s3{os.getpid()}."}
    write = command.stdout.write
    with s3_server_process() as server:
        bucket = server.bucket_create(prefix="bench")
        in_bucket = {**env, **server.environment(bucket=bucket)}
        write(
            f"\n== Downloads from S3-compatible storage (moto on 127.0.0.1): {voters:,} voters, "
            f"{label}, one worker -c 2 =="
        )
        fresh(in_bucket)
        bench_part("fake", "--voters", str(voters), env=in_bucket)
        with worker(in_bucket):
            manage(
                "queue_task", STRATEGY, "--election", BENCH, "--wait", "--timeout", "3000",
                env=in_bucket, timeout=3600,
            )  # fmt: skip
        from_s3 = last_json(bench_part("downloads", env=in_bucket))
        # The same objects as local files, read by the same run's rows in the same database.
        media = Path(settings.VAR_DIR) / "bench" / "s3-local-copy"
        shutil.rmtree(media, ignore_errors=True)
        for key in server.bucket_keys(bucket=bucket):
            target = media / key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(server.bucket_read(bucket=bucket, key=key))
        local = {**env, "STORAGE_BACKEND": FILESYSTEM, "MEDIA_ROOT": str(media)}
        from_disk = last_json(bench_part("downloads", env=local))
    shutil.rmtree(media, ignore_errors=True)
    write(
        f"run {from_s3['run']}: {from_s3['files']:,} files; first byte, median ms "
        f"(goal <= {FIRST_BYTE_GOAL_MS} ms; OVER marks a miss)"
    )
    for name, figures in from_s3["downloads"].items():
        write(f"{from_disk['backend']:<17}" + download_line(name, from_disk["downloads"][name]))
        write(f"{from_s3['backend']:<17}" + download_line(name, figures))
