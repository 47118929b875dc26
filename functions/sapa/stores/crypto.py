"""Shop credentials at rest (WooCommerce REST keys): Fernet (AES-128-CBC + HMAC-SHA256, from the
`cryptography` package) with the credentials_encryption_key setting, so a database dump alone does not
give anyone a shop's keys."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from sapa.settings import Settings


class CredentialsKeyMissing(RuntimeError):
    """The server has no credentials_encryption_key: it cannot keep shop keys."""


class CredentialsUnreadable(RuntimeError):
    """A stored credential was encrypted with another key (the setting changed)."""


class CredentialsCipher:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    @classmethod
    def from_settings(cls, settings: Settings) -> CredentialsCipher:
        if settings.credentials_encryption_key is None:
            raise CredentialsKeyMissing("CREDENTIALS_ENCRYPTION_KEY is not set on this Sapa server")
        return cls(settings.credentials_encryption_key.get_secret_value())

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise CredentialsUnreadable(
                "a stored credential cannot be decrypted with the current key"
            ) from error
