"""Random values for every page, drawn from the system's random source in one read each.

Django draws a CSRF secret or mask one character at a time (`get_random_string`, one call
into `SystemRandom` a character): 49 µs for 32 characters, so a first visit's token cost
a quarter of an anonymous lesson page. `uuid.uuid4()` is 5 µs, and an empty lesson needs
nine of them. Here each value is one `os.urandom` read turned into text by C-level byte
tables: the same source and the same uniform characters, a tenth of the time.
"""

from __future__ import annotations

import operator
import os

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_ALPHABET = CSRF_ALLOWED_CHARS.encode()
# Bytes at or above the largest multiple of 62 are dropped, so every character is as likely
# as every other (taking every byte modulo 62 would favour the first eight).
_KEPT = 256 - 256 % len(_ALPHABET)
_DROPPED = bytes(range(_KEPT, 256))
_BYTE_TO_CHAR = bytes(_ALPHABET[b % len(_ALPHABET)] for b in range(256))
_CHAR_TO_INDEX = bytes(_ALPHABET.index(b) if b in _ALPHABET else 0 for b in range(256))
_INDEX_SUM_TO_CHAR = bytes(_ALPHABET[s % len(_ALPHABET)] for s in range(256))


def random_chars(length: int) -> bytes:
    """`length` characters drawn uniformly from CSRF_ALLOWED_CHARS (letters and digits)."""
    chars = b""
    while len(chars) < length:
        # A few bytes more than needed, since about one in 32 is dropped.
        chars += os.urandom(length + 16).translate(_BYTE_TO_CHAR, _DROPPED)
    return chars[:length]


def csrf_token(request: HttpRequest) -> str:
    """What `django.middleware.csrf.get_token` returns, and with the same side effects (a new
    secret for the cookie if the request brought none, the cookie renewed in the response):
    the secret masked by a fresh random mask, so no two pages carry the same token (BREACH)."""
    secret = request.META.get("CSRF_COOKIE")
    if not (secret and len(secret) == CSRF_SECRET_LENGTH and secret.isascii() and secret.isalnum()):
        # None, or (never after CsrfViewMiddleware, which replaces a malformed cookie) not a
        # secret at all: a new one, as the middleware makes for a missing or malformed cookie.
        secret = random_chars(CSRF_SECRET_LENGTH).decode()
        request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = random_chars(CSRF_SECRET_LENGTH)
    # Django's cipher: each character of the secret moved along the alphabet by its mask's.
    moved = map(
        operator.add,
        secret.encode().translate(_CHAR_TO_INDEX),
        mask.translate(_CHAR_TO_INDEX),
    )
    return (mask + bytes(moved).translate(_INDEX_SUM_TO_CHAR)).decode()


def random_uuid() -> str:
    """`str(uuid.uuid4())`: 122 random bits, version 4, variant RFC 4122."""
    return random_uuids(1)[0]


def random_uuids(count: int) -> list[str]:
    """`count` of `random_uuid()` from one read of the random source."""
    raw = bytearray(os.urandom(16 * count))
    made = []
    for start in range(0, len(raw), 16):
        raw[start + 6] = (raw[start + 6] & 0x0F) | 0x40  # version 4
        raw[start + 8] = (raw[start + 8] & 0x3F) | 0x80  # variant RFC 4122
        h = raw[start : start + 16].hex()
        made.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return made


def random_hex() -> str:
    """32 random hex digits, like `uuid.uuid4().hex` but with all 128 bits random."""
    return os.urandom(16).hex()
