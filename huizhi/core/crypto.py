"""Personal data at rest: Fernet encryption under rotatable keys, and keyed lookup hashes.

Keys come from settings (HUIZHI_DATA_KEYS, newest first). Every value is written under the newest
key and read under any listed key, so a key is rotated by adding a new one in front, re-saving
(the `reencrypt` command), then removing the old one. Lookups never use the plain value: they use
an HMAC keyed by HUIZHI_LOOKUP_KEY, so a stolen database cannot be searched by ID number.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.HUIZHI_DATA_KEYS))


def encrypt(plain: str) -> str:
    return _current().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The plain value; raises ValueError when no configured key opens it."""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("personal data cannot be decrypted with the configured keys") from exc


def encrypt_bytes(plain: bytes) -> bytes:
    return _current().encrypt(plain)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _current().decrypt(bytes(token))
    except InvalidToken as exc:
        raise ValueError("data cannot be decrypted with the configured keys") from exc


def rotate_bytes(token: bytes) -> bytes:
    return _current().rotate(bytes(token))


def rotate(token: str) -> str:
    """The same value re-encrypted under the newest key."""
    return _current().rotate(token.encode()).decode()


def lookup_hash(purpose: str, value: str) -> str:
    """A keyed hash of `value`; `purpose` keeps hashes of different kinds of data apart."""
    message = f"{purpose}:{value}".encode()
    return hmac.new(settings.HUIZHI_LOOKUP_KEY.encode(), message, hashlib.sha256).hexdigest()
