"""WooCommerce's webhook signature (X-WC-Webhook-Signature): base64 of the HMAC-SHA256 of the raw request
body, keyed with the webhook's secret (WC_Webhook::generate_signature)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

SIGNATURE_HEADER = "X-WC-Webhook-Signature"


def sign(raw: bytes, secret: str) -> str:
    """The signature WooCommerce sends with a delivery of `raw` for a webhook with this secret."""
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def verify(raw: bytes, headers: Mapping[str, str], secret: str | None) -> bool:
    """Whether the delivery carries the signature of `raw` with `secret`, compared in constant time.
    `headers` is looked up case-insensitively when it is Starlette's Headers (as the route passes it)."""
    signature = headers.get(SIGNATURE_HEADER) or headers.get(SIGNATURE_HEADER.lower())
    if not signature or not secret:
        return False
    return hmac.compare_digest(sign(raw, secret).encode(), signature.strip().encode())
