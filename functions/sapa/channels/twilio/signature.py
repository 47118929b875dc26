"""Twilio's request signature (X-Twilio-Signature): base64 HMAC-SHA1, keyed with the account's auth token,
of the full URL Twilio requested followed by every POST parameter, sorted by name, as name + value.
https://www.twilio.com/docs/usage/webhooks/webhooks-security"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit

SIGNATURE_HEADER = "X-Twilio-Signature"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def sign(url: str, params: Mapping[str, str], auth_token: str) -> str:
    """The signature Twilio sends for a POST of `params` to `url`."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify(url: str, params: Mapping[str, str], signature: str | None, auth_token: str) -> bool:
    """Whether `signature` is Twilio's for this request, compared in constant time. Twilio may or may not
    spell out the port of the URL it requested, so, as Twilio's own SDKs do, the URL is tried without its
    port and with it (the scheme's default port when it has none)."""
    if not signature or not auth_token:
        return False
    given = signature.encode()
    return any(
        hmac.compare_digest(sign(candidate, params, auth_token).encode(), given)
        for candidate in _port_spellings(url)
    )


def _port_spellings(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    try:
        given_port = parts.port
    except ValueError:  # not a number: no other spelling to try
        return url, url
    host = parts.netloc.rsplit(":", 1)[0] if given_port is not None else parts.netloc
    port = given_port or _DEFAULT_PORTS.get(parts.scheme)
    with_port = f"{host}:{port}" if port is not None else host
    return parts._replace(netloc=host).geturl(), parts._replace(netloc=with_port).geturl()
