"""The WordPress plugin's key to the store API: `sapa_sk_` + 256 random bits, shown once; Sapa keeps
only its sha256 (a key this random needs no slow hash: nothing can be guessed from the digest)."""

from __future__ import annotations

import hashlib
import secrets

API_KEY_PREFIX = "sapa_sk_"


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def key_prefix(api_key: str) -> str:
    """The first characters, to tell keys apart in logs and support without revealing them."""
    return api_key[: len(API_KEY_PREFIX) + 4]


def looks_like_api_key(value: str) -> bool:
    return value.startswith(API_KEY_PREFIX) and 20 <= len(value) <= 100
