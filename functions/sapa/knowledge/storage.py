"""Uploaded files in S3-compatible object storage (AWS S3, Supabase Storage's S3 endpoint, or locally the
moto server the stack runs), through boto3. Keys: knowledge/<store id>/<document id>/<file name>."""

from __future__ import annotations

import re
from typing import IO, Any

from sapa.aws import aws_client
from sapa.settings import Settings

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def knowledge_key(store_id: str, document_id: str, filename: str) -> str:
    safe = _UNSAFE.sub("-", filename).strip(".-")[:120] or "document"
    return f"knowledge/{store_id}/{document_id}/{safe}"


class ObjectStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def put_file(self, key: str, file: IO[bytes], content_type: str) -> None:
        """Streams a file in parts (multipart upload past boto3's threshold), never all in memory."""
        self._client.upload_fileobj(file, self.bucket, key, ExtraArgs={"ContentType": content_type})

    def get(self, key: str) -> bytes:
        body: bytes = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def delete(self, key: str) -> None:
        """Idempotent: deleting a missing key succeeds (S3 semantics)."""
        self._client.delete_object(Bucket=self.bucket, Key=key)

    def presigned_url(self, key: str, expires_in: int) -> str:
        """A link that downloads the object without credentials, for `expires_in` seconds."""
        params = {"Bucket": self.bucket, "Key": key}
        return str(self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in))

    def exists(self, key: str) -> bool:
        listing = self._client.list_objects_v2(Bucket=self.bucket, Prefix=key, MaxKeys=1)
        return any(item["Key"] == key for item in listing.get("Contents", []))


def object_store(settings: Settings) -> ObjectStore:
    """The knowledge bucket; one client per process and endpoint (clients are thread-safe)."""
    return ObjectStore(aws_client("s3", settings.aws_endpoint_url), settings.knowledge_bucket)
