"""WooCommerce REST API v3 (/wp-json/wc/v3) over httpx, polite to the shop's server: a least interval
between requests, retries with exponential backoff on 429, 5xx and timeouts, Retry-After honoured.

Why not the official `woocommerce` client (PyPI, requests-based): it builds URLs and signs requests, but
has no retries, backoff or Retry-After, which the backfill needs around every call, and it would add
requests-oauthlib for the plain-HTTP OAuth 1.0a that Sapa does not use (keys go with Basic auth over
HTTPS only). httpx is already a dependency (the supabase client uses it)."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from sapa.settings import Settings

logger = logging.getLogger(__name__)

API_PATH = "/wp-json/wc/v3"
PER_PAGE = 100  # WooCommerce's maximum
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 300.0
USER_AGENT = "Sapa (+https://github.com/sapa-chat/sapa)"


class WooCommerceError(RuntimeError):
    """The shop's REST API refused or failed a request."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


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
    ) -> None:
        self._base = site_url.rstrip("/") + API_PATH
        self._min_interval = min_interval_seconds
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._sleep = sleep
        self._last_request = float("-inf")
        self._http = httpx.Client(
            auth=httpx.BasicAuth(consumer_key, consumer_secret),
            timeout=timeout_seconds,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,  # a redirect would resend the keys elsewhere
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
        while new items arrive)."""
        query = {"page": page, "per_page": PER_PAGE, "orderby": "id", "order": "asc"} | params
        response = self._request("GET", f"/{resource}", params=query)
        items = response.json()
        if not isinstance(items, list):
            raise WooCommerceError(f"/{resource} did not answer a list", response.status_code)
        return Page(
            items, _int(response.headers.get("X-WP-Total")), _int(response.headers.get("X-WP-TotalPages"))
        )

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
        self, method: str, path: str, *, retry_server_errors: bool = True, **kwargs: Any
    ) -> httpx.Response:
        url = self._base + path
        for attempt in range(1, self._max_attempts + 1):
            self._wait_turn()
            try:
                response = self._http.request(method, url, **kwargs)
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
                    raise WooCommerceUnauthorized(_refusal(response), response.status_code)
                retriable = response.status_code == 429 or (
                    retry_server_errors and response.status_code in RETRY_STATUSES
                )
                if not retriable:
                    raise WooCommerceError(_refusal(response), response.status_code)
                failure = f"answered {response.status_code}"
                delay = self._delay(attempt, response.headers.get("Retry-After"))
            if attempt == self._max_attempts:
                raise WooCommerceUnavailable(f"{method} {path}: the shop {failure} {attempt} times")
            logger.info("woocommerce %s %s %s; retrying in %.1f s", method, path, failure, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

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


def _refusal(response: httpx.Response) -> str:
    """WooCommerce's own words ({"code": ..., "message": ...}) when it gives them."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    return f"the shop answered {response.status_code}" + (f": {message}" if isinstance(message, str) else "")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None
