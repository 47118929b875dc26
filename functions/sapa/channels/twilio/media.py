"""Media that customers send on WhatsApp, read: each item of an inbound message is downloaded from Twilio,
kept in object storage (under media/), its text extracted with the knowledge extractors, and the result
recorded on the message (SQL `record_message_media`). This runs in the reply job, before the assistant
answers, so the webhook stays fast.

Twilio's media URLs need HTTP basic auth with the account SID and auth token, and answer with a redirect
to Twilio's CDN: https://www.twilio.com/docs/messaging/api/media-resource. The credentials go only to
the Twilio API's own origin (httpx drops them on a redirect to another origin); a URL on another host is
never fetched, so a form cannot make the worker send the store's token, or requests, elsewhere.

Idempotent: an item with a recorded status is not downloaded again; the object key is fixed per item,
so a run that crashed between storing and recording overwrites its own object instead of adding one."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict
from supabase import Client

from sapa.knowledge.extract import DocumentError, TooLargeDocument, UnsupportedDocument, extract
from sapa.knowledge.limits import MAX_UPLOAD_BYTES
from sapa.knowledge.storage import ObjectStore

logger = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
MEDIA_PREFIX = "media"
MAX_MEDIA_BYTES = MAX_UPLOAD_BYTES
"""The largest item that is downloaded and read: the same limit as an uploaded document."""
MAX_MEDIA_TEXT = 20_000
"""Characters of extracted text kept on a message; a long PDF keeps its beginning (text_truncated)."""

MediaStatus = Literal["extracted", "unsupported", "oversized", "unreadable", "unavailable"]


class MediaItem(BaseModel):
    """One item of messages.media: what Twilio said (url, content_type) and, once processed, what was read."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    url: str
    content_type: str = "application/octet-stream"
    status: MediaStatus | None = None
    storage_key: str | None = None
    size_bytes: int | None = None
    text: str | None = None
    text_truncated: bool | None = None
    pages: int | None = None
    method: str | None = None
    error: str | None = None

    @property
    def processed(self) -> bool:
        return self.status is not None

    @property
    def needs_person(self) -> bool:
        """Processed, but nothing the assistant can read came out: a person has to look at it."""
        return self.status is not None and self.status != "extracted"


@dataclass(frozen=True)
class TwilioCredentials:
    """The store's Twilio account. Without one (sandbox: nothing goes to Twilio, the local simulator) there
    is no media to fetch, and items stay as Twilio described them."""

    account_sid: str | None
    auth_token: str | None

    @property
    def sandbox(self) -> bool:
        return not (self.account_sid and self.auth_token)


class MediaUnavailable(RuntimeError):
    """Twilio could not hand the media over now (unreachable, 429, 5xx): retry the job later."""


class MediaRefused(RuntimeError):
    """Twilio will not hand this media over (not found, deleted, credentials refused, not a Twilio URL).
    The message says so in plain words, for the agent."""


@dataclass(frozen=True)
class Download:
    data: bytes | None
    """None when the item is larger than the limit (it was not read to the end)."""
    size_bytes: int


class TwilioMediaClient:
    """Downloads media from Twilio's API origin (or `api_base_url`: a proxy or a test double)."""

    def __init__(
        self,
        api_base_url: str | None = None,
        *,
        max_bytes: int = MAX_MEDIA_BYTES,
        timeout_seconds: float = 20.0,
    ) -> None:
        self._origin = _origin(api_base_url or TWILIO_API)
        self._max_bytes = max_bytes
        self._http = httpx.Client(follow_redirects=True, max_redirects=5, timeout=timeout_seconds)

    def download(self, url: str, credentials: TwilioCredentials) -> Download:
        if _origin(url) != self._origin:
            raise MediaRefused("the media URL is not on Twilio's API, so it was not downloaded")
        if not (credentials.account_sid and credentials.auth_token):
            raise MediaRefused("the store has no Twilio account to download media with")
        auth = (credentials.account_sid, credentials.auth_token)
        try:
            with self._http.stream("GET", url, auth=auth) as response:
                _check_status(response)
                return self._read(response)
        except httpx.HTTPError as error:
            raise MediaUnavailable(f"Twilio media could not be fetched: {type(error).__name__}") from error

    def _read(self, response: httpx.Response) -> Download:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            return Download(None, int(declared))
        data = bytearray()
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) > self._max_bytes:
                return Download(None, len(data))  # at least this big; not read further
        return Download(bytes(data), len(data))

    def close(self) -> None:
        self._http.close()


def _check_status(response: httpx.Response) -> None:
    code = response.status_code
    if code < 300:
        return
    if code == 429 or code >= 500:
        raise MediaUnavailable(f"Twilio answered {code} for the media")
    if code in (401, 403):
        raise MediaRefused(
            f"Twilio refused the store's credentials for this media ({code}): check the Twilio account SID "
            "and auth token in the store's settings"
        )
    if code in (404, 410):
        raise MediaRefused("Twilio no longer has this media (it may have been deleted)")
    raise MediaRefused(f"Twilio answered {code} for the media")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


@dataclass(frozen=True)
class MediaDeps:
    supabase: Client
    storage: ObjectStore
    """The knowledge bucket; media goes under media/<store>/<message>/."""
    twilio: TwilioMediaClient


def read_message_media(
    deps: MediaDeps,
    *,
    store_id: str,
    message_id: str,
    items: list[MediaItem],
    credentials: TwilioCredentials,
) -> list[MediaItem]:
    """Every item of the message processed (those processed before are left as they are), in order."""
    if credentials.sandbox:
        return items
    return process_media(
        deps, store_id, message_id, items, lambda url: deps.twilio.download(url, credentials)
    )


def process_media(
    deps: MediaDeps,
    store_id: str,
    message_id: str,
    items: list[MediaItem],
    download: Callable[[str], Download],
) -> list[MediaItem]:
    """Every unprocessed item downloaded with `download` (the provider's), stored, read and recorded."""
    return [
        item if item.processed else _process(deps, store_id, message_id, index, item, download)
        for index, item in enumerate(items)
    ]


def _process(
    deps: MediaDeps,
    store_id: str,
    message_id: str,
    index: int,
    item: MediaItem,
    fetch: Callable[[str], Download],
) -> MediaItem:
    try:
        download = fetch(item.url)
    except MediaRefused as error:
        return _record(deps.supabase, message_id, index, {"status": "unavailable", "error": str(error)})
    if download.data is None:
        limit = MAX_MEDIA_BYTES // (1024 * 1024)
        reason = f"The file is larger than {limit} MB, so it was not downloaded."
        result = {"status": "oversized", "size_bytes": download.size_bytes, "error": reason}
        return _record(deps.supabase, message_id, index, result)

    key = object_key(store_id, message_id, index, item.content_type)
    deps.storage.put(key, download.data, item.content_type)
    result = {"storage_key": key, "size_bytes": download.size_bytes} | _extracted(download.data, item, key)
    logger.info("media %d of message %s: %s", index, message_id, result["status"])
    return _record(deps.supabase, message_id, index, result)


def _extracted(data: bytes, item: MediaItem, key: str) -> dict[str, Any]:
    # Twilio's media has no file name; the extractors' messages name it by what it is ("photo.jpg").
    main_type = item.content_type.split("/", 1)[0]
    filename = {"image": "photo", "audio": "audio", "video": "video"}.get(main_type, "file") + _extension(key)
    try:
        extraction = extract(data, item.content_type, filename)
    except UnsupportedDocument:
        return {"status": "unsupported", "error": f"Sapa cannot read {item.content_type} files."}
    except TooLargeDocument as error:
        return {"status": "oversized", "error": str(error)}
    except DocumentError as error:
        return {"status": "unreadable", "error": str(error)}
    text = extraction.text.strip()  # never empty: extract refuses a file without text (unreadable above)
    return {
        "status": "extracted",
        "text": text[:MAX_MEDIA_TEXT],
        "text_truncated": len(text) > MAX_MEDIA_TEXT or None,
        "pages": extraction.pages,
        "method": extraction.method,
    }


def _extension(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    return name[name.index(".") :] if "." in name else ""


def object_key(store_id: str, message_id: str, index: int, content_type: str) -> str:
    """Fixed per item, so storing it again replaces the same object."""
    extension = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
    return f"{MEDIA_PREFIX}/{store_id}/{message_id}/{index}{extension}"


def _record(supabase: Client, message_id: str, index: int, result: dict[str, Any]) -> MediaItem:
    params = {"p_message_id": message_id, "p_index": index, "p_result": result}
    return MediaItem.model_validate(supabase.rpc("record_message_media", params).execute().data)
