"""Meta's webhook signature (X-Hub-Signature-256): "sha256=" + hex HMAC-SHA256 of the raw request body,
keyed with the app secret. https://developers.facebook.com/docs/graph-api/webhooks/getting-started
("Validate payloads")."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="


def sign(raw: bytes, app_secret: str) -> str:
    """The header value Meta sends with a POST of `raw`."""
    return PREFIX + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def verify(raw: bytes, signature: str | None, app_secret: str) -> bool:
    """Whether `signature` is Meta's for these exact bytes, compared in constant time."""
    if not signature or not app_secret or not signature.startswith(PREFIX):
        return False
    return hmac.compare_digest(sign(raw, app_secret).encode(), signature.strip().lower().encode())
