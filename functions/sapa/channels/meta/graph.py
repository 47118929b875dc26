"""Meta's Graph API for WhatsApp (Cloud API), with httpx: send messages (POST /{phone-number-id}/messages),
list the WABA's templates (GET /{waba-id}/message_templates, paged), download customers' media
(GET /{media-id} → a short-lived URL, fetched with the same token). Every call carries the store's
access token as `Authorization: Bearer`; the base URL is a setting, so tests reach a local stand-in.

Errors mean what Twilio's mean to the callers: Meta refusing the message (bad number, outside the
24-hour window, template not approved, token refused) is a failed SendResult with Meta's code and
message; Meta unreachable, throttling or failing raises ChannelUnavailable (retry later).
https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from sapa.channels.base import ChannelTemplate, ChannelUnavailable, SendResult
from sapa.channels.twilio.media import Download, MediaRefused, MediaUnavailable

TRANSIENT_ERRORS = frozenset({1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131048, 131056, 133004})
"""Meta's codes for "try again later": API unknown/service errors, rate and throughput limits, spam and
pair rate limits, server temporarily unavailable."""
MAX_TEMPLATE_PAGES = 50
_MEDIA_HOSTS = re.compile(r"(^|\.)(fbsbx\.com|facebook\.com|whatsapp\.net|fbcdn\.net)$")


class GraphRefused(RuntimeError):
    """Meta refused a read (token refused, no such object): retrying will not help."""


@dataclass(frozen=True)
class MetaCredentials:
    """One store's WhatsApp Cloud API sender."""

    phone_number_id: str
    waba_id: str
    access_token: str


class GraphApi:
    """One HTTP connection pool per process; every call names the store's credentials."""

    def __init__(self, base_url: str, version: str, *, timeout_seconds: float = 15.0) -> None:
        self.root = api_root(base_url, version)
        self._origin = _origin(base_url)
        self._http = httpx.Client(timeout=timeout_seconds, follow_redirects=False)

    def media_url(self, media_id: str) -> str:
        return f"{self.root}/{media_id}"

    def send(self, credentials: MetaCredentials, message: dict[str, Any]) -> SendResult:
        """POST one message ({"to", "type", <type>: {...}}) with messaging_product whatsapp."""
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual"} | message
        url = f"{self.root}/{credentials.phone_number_id}/messages"
        try:
            response = self._http.post(url, json=payload, headers=_auth(credentials.access_token))
        except httpx.HTTPError as error:
            raise ChannelUnavailable(f"Meta could not be reached: {type(error).__name__}") from error
        data = _json(response)
        if response.is_success:
            messages = data.get("messages") if isinstance(data.get("messages"), list) else []
            message_id = messages[0].get("id") if messages and isinstance(messages[0], dict) else None
            if not isinstance(message_id, str):
                raise ChannelUnavailable("Meta accepted the message but gave no message id")
            return SendResult("queued", message_id)
        code, detail = _error(data)
        if response.status_code == 429 or response.status_code >= 500 or code in TRANSIENT_ERRORS:
            raise ChannelUnavailable(f"Meta answered {response.status_code} (error {code})")
        return SendResult("failed", error=f"Meta error {code}: {detail}")

    def list_templates(self, credentials: MetaCredentials) -> list[ChannelTemplate]:
        """Every page of the WABA's templates (Meta pages with paging.next)."""
        url: str | None = f"{self.root}/{credentials.waba_id}/message_templates"
        params: dict[str, str] | None = {
            "fields": "id,name,language,status,category,components",
            "limit": "100",
        }
        templates: list[ChannelTemplate] = []
        for _ in range(MAX_TEMPLATE_PAGES):
            if url is None:
                return templates
            data = self._get_json(url, credentials.access_token, params)
            templates += [_template(each) for each in data.get("data", []) if isinstance(each, dict)]
            following = _object(data, "paging").get("next")
            url, params = (following if isinstance(following, str) else None), None
            if url is not None and _origin(url) != self._origin:
                raise ChannelUnavailable("Meta's next page is not on the Graph API")
        raise ChannelUnavailable(f"the WABA has more than {MAX_TEMPLATE_PAGES} pages of templates")

    def download_media(self, url: str, access_token: str, max_bytes: int) -> tuple[Download, str | None]:
        """The media of a Graph media URL (self.media_url), with its MIME type as Meta reports it."""
        if _origin(url) != self._origin:
            raise MediaRefused("the media URL is not on the Graph API, so it was not downloaded")
        try:
            info = self._get_json(url, access_token, None)
        except ChannelUnavailable as error:
            raise MediaUnavailable(str(error)) from error
        except GraphRefused as error:
            raise MediaRefused(str(error)) from error
        file_url = info.get("url")
        if not isinstance(file_url, str) or not _media_host(file_url, self._origin):
            raise MediaRefused("Meta gave no download URL on its own hosts for this media")
        mime_type = info.get("mime_type") if isinstance(info.get("mime_type"), str) else None
        try:
            with self._http.stream("GET", file_url, headers=_auth(access_token)) as response:
                _check_media(response)
                return _read(response, max_bytes), mime_type
        except httpx.HTTPError as error:
            raise MediaUnavailable(f"Meta media could not be fetched: {type(error).__name__}") from error

    def _get_json(self, url: str, token: str, params: dict[str, str] | None) -> dict[str, Any]:
        try:
            response = self._http.get(url, params=params, headers=_auth(token))
        except httpx.HTTPError as error:
            raise ChannelUnavailable(f"Meta could not be reached: {type(error).__name__}") from error
        data = _json(response)
        if response.status_code == 429 or response.status_code >= 500:
            raise ChannelUnavailable(f"Meta answered {response.status_code}")
        if not response.is_success:
            code, detail = _error(data)
            raise GraphRefused(f"Meta refused the request ({response.status_code}, error {code}: {detail})")
        return data

    def close(self) -> None:
        self._http.close()


def api_root(base_url: str, version: str) -> str:
    """Where every call of this Graph API version starts; a media id's URL is root/<id>."""
    return f"{base_url.rstrip('/')}/{version}"


def _template(data: dict[str, Any]) -> ChannelTemplate:
    components = [each for each in data.get("components", []) if isinstance(each, dict)]
    body = next((str(c.get("text", "")) for c in components if str(c.get("type", "")).upper() == "BODY"), "")
    return ChannelTemplate(
        provider_template_id=str(data.get("id", "")),
        name=str(data.get("name", "")),
        language=str(data.get("language", "")),
        status=str(data.get("status", "")).lower(),
        body=body,
        category=str(data["category"]) if data.get("category") else None,
        components=components,
    )


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error(data: dict[str, Any]) -> tuple[int | None, str]:
    error = _object(data, "error")
    code = error.get("code")
    details = _object(error, "error_data").get("details")
    message = str(error.get("message") or "unknown error")
    return (code if isinstance(code, int) else None), (f"{message} ({details})" if details else message)


def _object(container: dict[str, Any], key: str) -> dict[str, Any]:
    value = container.get(key)
    return value if isinstance(value, dict) else {}


def _check_media(response: httpx.Response) -> None:
    code = response.status_code
    if code == 429 or code >= 500:
        raise MediaUnavailable(f"Meta answered {code} for the media")
    if code in (401, 403):
        raise MediaRefused(f"Meta refused the store's access token for this media ({code})")
    if code >= 300:
        raise MediaRefused(f"Meta answered {code} for the media (it may have expired)")


def _read(response: httpx.Response, max_bytes: int) -> Download:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return Download(None, int(declared))
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) > max_bytes:
            return Download(None, len(data))
    return Download(bytes(data), len(data))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _media_host(url: str, graph_origin: tuple[str, str]) -> bool:
    """The token goes only to the Graph API itself or Meta's media hosts, over https."""
    origin = _origin(url)
    return origin == graph_origin or (origin[0] == "https" and bool(_MEDIA_HOSTS.search(origin[1])))
