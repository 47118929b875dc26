"""DEV-ONLY object storage for the local stack: moto's S3-compatible server, in this process, on the
gateway's port + 4, with the knowledge bucket created at start. Its contents live in memory: files
uploaded in an earlier run are gone after a restart (their extracted passages stay in Postgres)."""

from __future__ import annotations

import logging
from typing import Protocol

import boto3

from sapa.local.config import StackConfig


class ObjectStorage(Protocol):
    def stop(self) -> None: ...


def start_object_storage(config: StackConfig) -> ObjectStorage:
    from moto.server import ThreadedMotoServer  # dev-only dependency (moto[server])

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address=config.host, port=config.s3_port, verbose=False)
    server.start()
    s3 = boto3.client(
        "s3",
        endpoint_url=config.s3_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 (moto accepts any)
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=config.knowledge_bucket)
    stop: ObjectStorage = server
    return stop
