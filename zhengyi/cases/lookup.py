"""受案回执 lookup codes. Pure: no Django.

A code is 16 characters from a 30-letter alphabet without look-alikes (no 0/O, 1/I/L, U),
about 78 bits from :mod:`secrets`, printed in four groups (``ZYJX-FTAB-DEMQ-CASE``). Only a
salted SHA-256 is stored (``sha256$<salt hex>$<digest hex>``): guessing is hopeless at that
entropy, and the public side rate-limits lookups as well.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # 30 letters: ~4.9 bits each
LENGTH = 16
SALT_BYTES = 16
SCHEME = "sha256"
# Compared against when there is no case, so an unknown number costs the same as a wrong code.
_DUMMY = f"{SCHEME}${'00' * SALT_BYTES}${'00' * 32}"


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalize(code: object) -> str:
    """What a person typed → the canonical 16 letters, or ``""`` when it cannot be a code.

    Full-width letters, lower case, spaces and dashes are forgiven; look-alikes are mapped
    (O→0 is not in the alphabet, so it stays wrong rather than guessing).
    """
    if not isinstance(code, str) or len(code) > 64:
        return ""
    text = unicodedata.normalize("NFKC", code).upper()
    text = "".join(ch for ch in text if ch not in " -_\u2010\u2011\u2012\u2013\u2014\t")
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return ""
    return text


def hash_code(code: str, *, salt: bytes | None = None) -> str:
    canonical = normalize(code)
    if not canonical:
        raise ValueError("not a lookup code")
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.sha256(salt + canonical.encode("ascii")).hexdigest()
    return f"{SCHEME}${salt.hex()}${digest}"


def matches(stored: str | None, code: object) -> bool:
    """Whether ``code`` is the one ``stored`` was made from; the same work for any input."""
    parts = (stored or _DUMMY).split("$")
    if len(parts) != 3 or parts[0] != SCHEME:
        parts = _DUMMY.split("$")
    try:
        salt = bytes.fromhex(parts[1])
    except ValueError:
        salt = bytes(SALT_BYTES)
    canonical = normalize(code) or "X" * LENGTH
    digest = hashlib.sha256(salt + canonical.encode("ascii")).hexdigest()
    same = hmac.compare_digest(digest, parts[2])
    return same and bool(stored) and bool(normalize(code))


def normalize_number(number: object) -> str:
    """A case number as typed → its canonical form (upper case, ASCII dashes), or ``""``."""
    if not isinstance(number, str) or len(number) > 64:
        return ""
    text = unicodedata.normalize("NFKC", number).strip().upper()
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2212":
        text = text.replace(dash, "-")
    return text.replace(" ", "")
