"""WooCommerce REST API v3 (/wp-json/wc/v3) over httpx, polite to the shop's server: a least interval
between requests, retries with exponential backoff on 429, 5xx and timeouts, Retry-After honoured.

Authentication as WooCommerce 11 accepts it (recorded: ../shared/data/woocommerce-real/rest/*/auth-*):
- https: the keys with HTTP Basic auth (WooCommerce reads Basic auth only when is_ssl());
- plain http: OAuth 1.0a one-legged, the oauth_* parameters in the query string, HMAC-SHA256 keyed with
  `consumer_secret&` (oauthlib signs): the secret itself never travels in clear.

Query strings are built here with every reserved character percent-encoded, so the `+` of an offset
such as `+00:00` is sent as %2B (a literal `+` is read as a space: 400 "Invalid date"). Paging goes by
page number and X-WP-TotalPages, never by requesting the Link header's next URL, which WooCommerce
builds with that `+` unencoded.

Why not the official `woocommerce` client (PyPI, requests-based): it has no retries, backoff or
Retry-After, which the backfill needs around every call. httpx is already a dependency (the supabase
client uses it)."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote, urlencode, urlsplit

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_QUERY
from oauthlib.oauth1 import Client as OAuth1Client

from sapa.settings import Settings

logger = logging.getLogger(__name__)

API_PATH = "/wp-json/wc/v3"
PER_PAGE = 100  # WooCommerce's maximum
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 300.0
USER_AGENT = "Sapa (+https://github.com/sapa-chat/sapa)"
Method = Literal["GET", "POST", "PUT", "DELETE"]


class WooCommerceError(RuntimeError):
    """The shop's REST API refused or failed a request."""

    def __init__(self, message: str, status_code: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        """WooCommerce's error code (`woocommerce_rest_shop_order_invalid_id`, ...), when it gave one."""


class WooCommerceUnauthorized(WooCommerceError):
    """401/403: the keys are wrong, revoked, or lack the permission (read/write) the call needs."""


class WooCommerceUnavailable(WooCommerceError):
    """The shop could not answer (unreachable, timing out, 429 or 5xx) even after retries."""


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int | None
    """X-WP-Total: how many items the whole listing holds."""
    total_pages: int | None
    """X-WP-TotalPages."""


class WooCommerceClient:
    def __init__(
        self,
        site_url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        min_interval_seconds: float = 0.5,
        timeout_seconds: float = 30.0,
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._base = site_url.rstrip("/") + API_PATH
        self._https = urlsplit(site_url).scheme == "https"
        self._oauth = (
            None
            if self._https
            else OAuth1Client(
                consumer_key,
                client_secret=consumer_secret,
                signature_method=SIGNATURE_HMAC_SHA256,
                signature_type=SIGNATURE_TYPE_QUERY,
            )
        )
        self._min_interval = min_interval_seconds
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._sleep = sleep
        self._last_request = float("-inf")
        self._http = httpx.Client(
            auth=httpx.BasicAuth(consumer_key, consumer_secret) if self._https else None,
            timeout=timeout_seconds,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,  # a redirect would resend the keys elsewhere
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings, site_url: str, key: str, secret: str) -> WooCommerceClient:
        return cls(
            site_url,
            key,
            secret,
            min_interval_seconds=settings.woocommerce_request_interval_seconds,
            timeout_seconds=settings.woocommerce_timeout_seconds,
            max_attempts=settings.woocommerce_max_attempts,
        )

    @property
    def scheme(self) -> str:
        """How the keys travel: `basic` (https) or `oauth1` (plain http)."""
        return "basic" if self._https else "oauth1"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> WooCommerceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Resources -----------------------------------------------------------------------------------
    def check_access(self) -> None:
        """Raise unless the keys can read the shop's orders."""
        self._request("GET", "/orders", params={"per_page": 1})

    def list_page(self, resource: str, page: int, **params: Any) -> Page:
        """One page of /orders, /customers, /products or /products/<id>/variations, oldest id first (stable
        while new items arrive). A datetime parameter (`after`, `modified_after`) is sent with its explicit
        UTC offset: without one WooCommerce reads it in the shop's time zone."""
        query = {"page": page, "per_page": PER_PAGE, "orderby": "id", "order": "asc"} | params
        response = self._request("GET", f"/{resource}", params=query)
        items = response.json()
        if not isinstance(items, list):
            raise WooCommerceError(f"/{resource} did not answer a list", response.status_code)
        return Page(
            items, _int(response.headers.get("X-WP-Total")), _int(response.headers.get("X-WP-TotalPages"))
        )

    def get(self, resource: str, resource_id: int) -> dict[str, Any] | None:
        """One order, customer or product as the shop has it now; None when the shop has no such one
        (deleted for good, or never existed: 404 `..._invalid_id`)."""
        try:
            response = self._request("GET", f"/{resource}/{resource_id}")
        except WooCommerceError as error:
            if error.status_code == 404 and (error.code or "").endswith("invalid_id"):
                return None
            raise
        item = response.json()
        if not isinstance(item, dict):
            raise WooCommerceError(
                f"/{resource}/{resource_id} did not answer an object", response.status_code
            )
        return item

    def create_webhook(self, name: str, topic: str, delivery_url: str, secret: str) -> int:
        body = {
            "name": name,
            "topic": topic,
            "delivery_url": delivery_url,
            "secret": secret,
            "status": "active",
        }
        response = self._request("POST", "/webhooks", json=body, retry_server_errors=False)
        webhook_id = response.json().get("id")
        if not isinstance(webhook_id, int):
            raise WooCommerceError("creating a webhook answered no id", response.status_code)
        return webhook_id

    def list_webhooks(self) -> list[dict[str, Any]]:
        """Every webhook of the shop (REST bodies carry neither secret nor failure_count)."""
        webhooks: list[dict[str, Any]] = []
        page, total_pages = 1, 1
        while page <= total_pages:
            params = {"per_page": PER_PAGE} | ({"page": page} if page > 1 else {})
            response = self._request("GET", "/webhooks", params=params)
            items = response.json()
            if not isinstance(items, list):
                raise WooCommerceError("/webhooks did not answer a list", response.status_code)
            webhooks.extend(items)
            total_pages = _int(response.headers.get("X-WP-TotalPages")) or 1
            page += 1
        return webhooks

    def set_webhook_status(self, webhook_id: int, webhook_status: str) -> dict[str, Any]:
        """PUT {"status": ...}: WooCommerce keeps failure_count as it was (a re-enabled webhook that
        failed 7 times is disabled again by its next failure)."""
        response = self._request("PUT", f"/webhooks/{webhook_id}", json={"status": webhook_status})
        webhook = response.json()
        if not isinstance(webhook, dict):
            raise WooCommerceError("updating a webhook answered no webhook", response.status_code)
        return webhook

    def delete_webhook(self, webhook_id: int) -> bool:
        """Delete a webhook for good; False when the shop no longer has it."""
        try:
            self._request("DELETE", f"/webhooks/{webhook_id}", params={"force": "true"})
        except WooCommerceError as error:
            if error.status_code in (404, 410):
                return False
            raise
        return True

    # Transport -----------------------------------------------------------------------------------
    def _request(
        self,
        method: Method,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        retry_server_errors: bool = True,
    ) -> httpx.Response:
        unsigned = self._base + path + _query(params or {})
        for attempt in range(1, self._max_attempts + 1):
            url = self._signed(method, unsigned)  # before the wait: the interval is between sends
            self._wait_turn()
            try:
                response = self._http.request(method, url, json=json)
            except httpx.TimeoutException as error:
                failure: str = f"timed out ({type(error).__name__})"
                delay = self._delay(attempt, None)
            except httpx.TransportError as error:
                failure = f"unreachable ({type(error).__name__})"
                delay = self._delay(attempt, None)
            else:
                if response.is_success:
                    return response
                if response.status_code in (401, 403):
                    raise WooCommerceUnauthorized(
                        _refusal(response, self.scheme), response.status_code, _code(response)
                    )
                retriable = response.status_code == 429 or (
                    retry_server_errors and response.status_code in RETRY_STATUSES
                )
                if not retriable:
                    raise WooCommerceError(
                        _refusal(response, self.scheme), response.status_code, _code(response)
                    )
                failure = f"answered {response.status_code}"
                delay = self._delay(attempt, response.headers.get("Retry-After"))
            if attempt == self._max_attempts:
                raise WooCommerceUnavailable(f"{method} {path}: the shop {failure} {attempt} times")
            logger.info("woocommerce %s %s %s; retrying in %.1f s", method, path, failure, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _signed(self, method: Method, url: str) -> str:
        """The URL to request: as is over https (Basic auth), with fresh oauth_* parameters over http
        (a new nonce and timestamp per attempt: WooCommerce refuses a nonce used before)."""
        if self._oauth is None:
            return url
        signed, _, _ = self._oauth.sign(url, http_method=method)
        return str(signed)

    def _wait_turn(self) -> None:
        wait = self._last_request + self._min_interval - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        self._last_request = time.monotonic()

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        asked = _retry_after_seconds(retry_after)
        if asked is not None:
            return min(asked, MAX_RETRY_AFTER_SECONDS)
        return min(self._backoff * 2.0 ** (attempt - 1), self._max_backoff)


def _query(params: dict[str, Any]) -> str:
    """`?a=1&b=...` with every reserved character percent-encoded (`+` as %2B, `:` as %3A); datetimes as
    ISO 8601 with their offset (a naive one is refused: the shop would read it in its own time zone)."""
    if not params:
        return ""
    pairs = [(name, _param(value)) for name, value in params.items()]
    return "?" + urlencode(pairs, quote_via=quote, safe="")


def _param(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a date sent to WooCommerce needs its UTC offset")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds or as an HTTP date (RFC 9110)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, float((when - datetime.now(UTC)).total_seconds()))


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _code(response: httpx.Response) -> str | None:
    code = _body(response).get("code")
    return code if isinstance(code, str) else None


_CAUSES = {
    "Consumer secret is invalid.": "the consumer secret does not belong to this consumer key",
    "Consumer key is invalid.": "the shop has no such consumer key (deleted or revoked?)",
    "The API key provided does not have write permissions.": (
        "the key has Read permission only; Sapa needs Read/Write"
    ),
    "Invalid timestamp.": "the shop's clock and Sapa's differ by more than 15 minutes (OAuth 1.0a timestamp)",
}


def _refusal(response: httpx.Response, scheme: str) -> str:
    """Why the shop refused, in words that name the cause, with WooCommerce's own message after it."""
    body = _body(response)
    message = body.get("message") if isinstance(body.get("message"), str) else None
    status_code = response.status_code
    said = f"the shop answered {status_code}" + (f": {message}" if message else "")
    if response.is_redirect:
        where = response.headers.get("Location", "elsewhere")
        return f"the shop redirects its REST API to {where}: connect with that address ({said})"
    if status_code not in (401, 403):
        return said
    cause = _CAUSES.get(message or "")
    if cause is None and (message or "").startswith("Invalid signature"):
        cause = (
            "the shop did not accept Sapa's OAuth 1.0a signature (does the shop's URL match the one given?)"
        )
    if cause is None and body.get("code") == "woocommerce_rest_cannot_view":
        cause = (
            "the shop does not know the consumer key (deleted or revoked?), or it did not see the request "
            "as https and so ignored the key: WooCommerce reads Basic-auth keys over https only"
            if scheme == "basic"
            else "the shop ignored the OAuth 1.0a parameters (a proxy or security plugin dropping the query?)"
        )
    return f"{cause} ({said})" if cause else said


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None
