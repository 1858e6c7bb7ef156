"""C2SP signed notes (c2sp.org/signed-note), written and read as Go's golang.org/x/mod/sumdb/note does.

Pure: :mod:`cryptography` for Ed25519, no Django. A signed note is UTF-8 text ending in a
newline, a blank line, then one or more signature lines ``— <key name> base64(key id || sig)``.
The key id is the first four bytes, big-endian, of SHA-256(name || "\\n" || alg byte || public
key); Ed25519 keys use alg byte 0x01. Keys travel as text:

* verifier key (public): ``<name>+<key id, 8 hex>+base64(0x01 || 32-byte public key)``;
* signer key (secret): ``PRIVATE+KEY+<name>+<key id>+base64(0x01 || 32-byte seed)``.

Given the same key and text, :func:`sign` produces the same bytes as Go's ``note.Sign`` (Ed25519
is deterministic), and :func:`open` accepts and rejects what Go's ``note.Open`` does, with two
deliberate refusals Go does not make: :func:`sign` will not write a note that :func:`open`
could not read back (control characters, more than 100 signatures), and a *repeated* signature
line from a known key is verified too, so an invalid copy is an error rather than skipped.

Anything that signs or verifies plugs in through the :class:`NoteSigner` / :class:`NoteVerifier`
protocols (name, key hash, sign/verify); :mod:`zhengyi.ledger.cosignature` does, for witnesses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
#: Open refuses notes with more signatures than this (Go's limit; the spec asks for at least 16).
MAX_SIGNATURES = 100
SIGNATURE_PREFIX = "— "  # em dash U+2014, space

# Go's unicode.IsSpace: the Unicode White_Space property. Spelled out because Python's
# str.isspace also counts U+001C–U+001F, which Go allows in a name.
_GO_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


# ---------------------------------------------------------------------------------------------
# Errors (their messages match Go's where Go has one, so logs read the same on both sides)


class NoteError(ValueError):
    """Base class of everything :func:`open` and :func:`sign` reject."""


class MalformedNoteError(NoteError):
    """The message is not a well-formed signed note (Go: "malformed note")."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"malformed note: {reason}")
        self.reason = reason


class MalformedKeyError(NoteError):
    """A signer or verifier key string is not well formed, or its key id does not match."""


class UnknownVerifierError(NoteError):
    """No verifier is known for this name and key id (signatures by it stay unverified)."""

    def __init__(self, name: str, key_hash: int) -> None:
        super().__init__(f"unknown key {name}+{key_hash:08x}")
        self.name, self.key_hash = name, key_hash


class AmbiguousVerifierError(NoteError):
    """Several known verifiers share this name and key id — the verifier list is suspect."""

    def __init__(self, name: str, key_hash: int) -> None:
        super().__init__(f"ambiguous key {name}+{key_hash:08x}")
        self.name, self.key_hash = name, key_hash


class InvalidSignatureError(NoteError):
    """A known key's signature on the note does not verify."""

    def __init__(self, name: str, key_hash: int) -> None:
        super().__init__(f"invalid signature for key {name}+{key_hash:08x}")
        self.name, self.key_hash = name, key_hash


class MismatchedVerifierError(NoteError):
    """A verifier lookup returned a verifier for another name or key id."""

    def __init__(self) -> None:
        super().__init__("verifier name or hash doesn't match signature")


class InvalidSignerError(NoteError):
    """A signer has a name that cannot appear in a note."""

    def __init__(self, name: str) -> None:
        super().__init__(f"invalid signer: name {name!r} is empty or has a space or '+'")


class UnverifiedNoteError(NoteError):
    """The note parsed but no known key signed it; the parsed note is in ``.note``."""

    def __init__(self, note: Note) -> None:
        super().__init__("note has no verifiable signatures")
        self.note = note


# ---------------------------------------------------------------------------------------------
# Protocols (Go's Signer, Verifier and Verifiers interfaces)


@runtime_checkable
class NamedKey(Protocol):
    """A key as a note names it: the key name and the 32-bit key id."""

    @property
    def name(self) -> str: ...

    @property
    def key_hash(self) -> int: ...


@runtime_checkable
class NoteSigner(NamedKey, Protocol):
    def sign(self, msg: bytes) -> bytes:
        """The signature bytes over ``msg`` (the note text), without the key id."""
        ...


@runtime_checkable
class NoteVerifier(NamedKey, Protocol):
    def verify(self, msg: bytes, sig: bytes) -> bool: ...


@runtime_checkable
class Verifiers(Protocol):
    def lookup(self, name: str, key_hash: int) -> NoteVerifier:
        """The verifier for this key; raise :class:`UnknownVerifierError` if there is none."""
        ...


# ---------------------------------------------------------------------------------------------
# Keys


def is_valid_name(name: str) -> bool:
    """A key name is non-empty UTF-8 with no Unicode space and no '+' (Go's isValidName)."""
    if not name or "+" in name or any(c in _GO_SPACES for c in name):
        return False
    try:
        name.encode()
    except UnicodeEncodeError:  # a lone surrogate: not valid UTF-8
        return False
    return True


def key_hash(name: str, key: bytes) -> int:
    """The key id: SHA-256(name || "\\n" || key)[:4] as a big-endian integer; key has its alg byte."""
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + key).digest()[:4], "big")


def b64decode_strict(text: str) -> bytes:
    """Standard padded base64 and nothing else (no whitespace, no missing or extra padding)."""
    if not _BASE64.fullmatch(text):
        raise ValueError("not standard padded base64")
    return base64.b64decode(text)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def split_vkey(vkey: str) -> tuple[str, int, bytes]:
    """``name+hash+key`` → (name, key id, key bytes with their alg byte), the id not yet checked."""
    name, _, rest = vkey.partition("+")
    hash16, _, key64 = rest.partition("+")
    return _split_key(name, hash16, key64, "verifier")


def split_skey(skey: str) -> tuple[str, int, bytes]:
    """``PRIVATE+KEY+name+hash+key`` → (name, key id, secret key bytes with their alg byte)."""
    priv, _, rest = skey.partition("+")
    key_word, _, rest = rest.partition("+")
    if priv != "PRIVATE" or key_word != "KEY":
        raise MalformedKeyError("malformed signer key: it must start with PRIVATE+KEY+")
    name, _, rest = rest.partition("+")
    hash16, _, key64 = rest.partition("+")
    return _split_key(name, hash16, key64, "signer")


def _split_key(name: str, hash16: str, key64: str, kind: str) -> tuple[str, int, bytes]:
    if not is_valid_name(name):
        raise MalformedKeyError(f"malformed {kind} key: bad name {name!r}")
    if not _HEX8.fullmatch(hash16):
        raise MalformedKeyError(f"malformed {kind} key: key id {hash16!r} is not 8 hex digits")
    try:
        key = b64decode_strict(key64)
    except (ValueError, binascii.Error):
        raise MalformedKeyError(f"malformed {kind} key: key is not base64") from None
    if not key:
        raise MalformedKeyError(f"malformed {kind} key: key is empty")
    return name, int(hash16, 16), key


def vkey_string(name: str, key: bytes) -> str:
    """Encode a verifier key; ``key`` is alg byte || public key."""
    return f"{name}+{key_hash(name, key):08x}+{_b64(key)}"


def ed25519_vkey(name: str, public_key: bytes) -> str:
    """Go's NewEd25519VerifierKey: the verifier key for a raw 32-byte Ed25519 public key."""
    return Ed25519Key(name, public_key).vkey


def generate_key(name: str) -> tuple[str, str]:
    """A new Ed25519 key pair for ``name``: (signer key — keep it secret — and verifier key)."""
    signer = Signer(name, Ed25519PrivateKey.generate())
    return signer.skey, signer.vkey


class Ed25519Key:
    """What every signer and verifier here shares: a key name, an Ed25519 public key, and the
    key id that an algorithm byte (0x01 for notes, 0x04 for cosignatures) gives them."""

    ALG = ALG_ED25519

    def __init__(self, name: str, public_key: bytes) -> None:
        if not is_valid_name(name):
            raise ValueError(f"invalid key name {name!r}: empty, or has a space or '+'")
        if len(public_key) != 32:
            raise ValueError(f"an Ed25519 public key is 32 bytes, got {len(public_key)}")
        self._name = name
        self._public = bytes(public_key)
        self._hash = key_hash(name, bytes([self.ALG]) + self._public)

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_hash(self) -> int:
        return self._hash

    @property
    def public_key(self) -> bytes:
        return self._public

    @property
    def vkey(self) -> str:
        """The verifier key: ``name+id+base64(alg || public key)``."""
        return vkey_string(self._name, bytes([self.ALG]) + self._public)

    def __repr__(self) -> str:  # never a secret
        return f"{type(self).__name__}({self._name}+{self._hash:08x})"


class Signer(Ed25519Key):
    """An Ed25519 note signer (Go's ``note.NewSigner``)."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        super().__init__(name, private_key.public_key().public_bytes_raw())
        self._key = private_key

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        """Parse ``PRIVATE+KEY+name+hash+base64(0x01 || seed)``; the key id must match the key."""
        name, claimed, key = split_skey(skey)
        if key[0] != ALG_ED25519:
            raise MalformedKeyError(f"unknown signer algorithm {key[0]:#04x}")
        if len(key) != 33:
            raise MalformedKeyError(f"malformed signer key: Ed25519 seed is {len(key) - 1} bytes, want 32")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(key[1:]))
        if signer.key_hash != claimed:
            raise MalformedKeyError(
                f"invalid signer key id {claimed:08x}: the key's id is {signer.key_hash:08x}"
            )
        return signer

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def skey(self) -> str:
        seed = self._key.private_bytes_raw()
        return f"PRIVATE+KEY+{self._name}+{self._hash:08x}+{_b64(bytes([ALG_ED25519]) + seed)}"

    def sign(self, msg: bytes) -> bytes:
        return self._key.sign(msg)

    def verifier(self) -> Verifier:
        return Verifier(self._name, self._public)


class Verifier(Ed25519Key):
    """An Ed25519 note verifier (Go's ``note.NewVerifier``)."""

    def __init__(self, name: str, public_key: bytes) -> None:
        super().__init__(name, public_key)
        self._key = Ed25519PublicKey.from_public_bytes(self._public)

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        """Parse ``name+hash+base64(0x01 || public key)``; the key id must match the key."""
        name, claimed, key = split_vkey(vkey)
        # Go checks the id before the algorithm: the id covers the alg byte too.
        if key_hash(name, key) != claimed:
            raise MalformedKeyError(f"invalid verifier key id {claimed:08x} for key {name}")
        if key[0] != ALG_ED25519:
            raise MalformedKeyError(f"unknown verifier algorithm {key[0]:#04x}")
        if len(key) != 33:
            raise MalformedKeyError(f"malformed verifier key: Ed25519 key is {len(key) - 1} bytes, want 32")
        return cls(name, key[1:])

    def verify(self, msg: bytes, sig: bytes) -> bool:
        try:
            self._key.verify(sig, msg)
        except InvalidSignature:
            return False
        return True


class VerifierList:
    """Go's ``note.VerifierList``: look verifiers up by (name, key id)."""

    def __init__(self, *verifiers: NoteVerifier) -> None:
        self._by_key: dict[tuple[str, int], list[NoteVerifier]] = {}
        for v in verifiers:
            self._by_key.setdefault((v.name, v.key_hash), []).append(v)

    def lookup(self, name: str, key_hash: int) -> NoteVerifier:
        found = self._by_key.get((name, key_hash))
        if not found:
            raise UnknownVerifierError(name, key_hash)
        if len(found) > 1:
            raise AmbiguousVerifierError(name, key_hash)
        return found[0]


# ---------------------------------------------------------------------------------------------
# Notes


@dataclass(frozen=True)
class Signature:
    """One signature line: the key's name and id, and the base64 of (key id || signature)."""

    name: str
    key_hash: int
    base64: str

    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {self.base64}\n"


@dataclass(frozen=True)
class Note:
    """A note's text with its verified signatures and the ones no known key could check."""

    text: str
    sigs: tuple[Signature, ...] = ()
    unverified_sigs: tuple[Signature, ...] = ()


def sign(note: str | Note, *signers: NoteSigner) -> str:
    """The signed note: the text, a blank line, then its signature lines.

    Given a :class:`Note`, its existing signatures come first, except those by a key that signs
    again here (Go's ``note.Sign`` replaces those).
    """
    text = note if isinstance(note, str) else note.text
    existing = () if isinstance(note, str) else note.sigs + note.unverified_sigs
    _check_text(text)
    data = text.encode()
    new_lines: list[str] = []
    signing_keys: set[tuple[str, int]] = set()
    for signer in signers:
        name, hash_ = signer.name, signer.key_hash
        signing_keys.add((name, hash_))
        if not is_valid_name(name):
            raise InvalidSignerError(name)
        payload = hash_.to_bytes(4, "big") + signer.sign(data)
        new_lines.append(Signature(name, hash_, _b64(payload)).line())
    kept: list[str] = []
    for sig in existing:
        if not is_valid_name(sig.name):
            raise MalformedNoteError(f"existing signature has an invalid key name {sig.name!r}")
        if (sig.name, sig.key_hash) in signing_keys:
            continue
        try:
            raw = b64decode_strict(sig.base64)
        except (ValueError, binascii.Error):
            raise MalformedNoteError(f"existing signature by {sig.name} is not base64") from None
        if len(raw) < 4 or int.from_bytes(raw[:4], "big") != sig.key_hash:
            raise MalformedNoteError(
                f"existing signature by {sig.name} does not carry key id {sig.key_hash:08x}"
            )
        kept.append(sig.line())
    if not kept and not new_lines:
        raise MalformedNoteError("a signed note needs at least one signature")
    if len(kept) + len(new_lines) > MAX_SIGNATURES:
        raise MalformedNoteError(f"more than {MAX_SIGNATURES} signatures")
    return text + "\n" + "".join(kept) + "".join(new_lines)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise MalformedNoteError("the text must end in a newline")
    _check_chars(text)


def _check_chars(message: str) -> None:
    try:
        message.encode()
    except UnicodeEncodeError:
        raise MalformedNoteError("not valid UTF-8") from None
    bad = _CONTROL.search(message)
    if bad:
        raise MalformedNoteError(f"control character {bad.group()!r} at offset {bad.start()}")


def open(message: str | bytes, verifiers: Verifiers | Iterable[NoteVerifier] | None) -> Note:
    """Parse a signed note and verify its signatures by the known keys (Go's ``note.Open``).

    ``verifiers`` is a :class:`Verifiers` (anything with ``lookup(name, key_hash)``) or a list of
    verifiers. Signatures by unknown keys are kept, unchecked, in ``unverified_sigs``. Raises
    :class:`MalformedNoteError`, :class:`InvalidSignatureError` (a known key's signature is
    bad), :class:`UnverifiedNoteError` (no known key signed it) or a lookup error.
    """
    known = _as_verifiers(verifiers)
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNoteError("not valid UTF-8") from None
    _check_chars(message)
    split = message.rfind("\n\n")
    if split < 0:
        raise MalformedNoteError("no blank line before the signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise MalformedNoteError("the signature block must end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNoteError(f"more than {MAX_SIGNATURES} signatures")
    data = text.encode()
    sigs: list[Signature] = []
    unverified: list[Signature] = []
    verified_keys: set[tuple[str, int]] = set()
    unverified_lines: set[str] = set()
    for number, line in enumerate(lines, 1):
        sig, raw = _parse_signature_line(number, line)
        try:
            verifier = known.lookup(sig.name, sig.key_hash)
        except UnknownVerifierError:
            if line not in unverified_lines:  # identical repeats are dropped, as in Go
                unverified_lines.add(line)
                unverified.append(sig)
            continue
        if verifier.name != sig.name or verifier.key_hash != sig.key_hash:
            raise MismatchedVerifierError()
        # Go skips a known key's repeated signature unchecked; checking it costs little and
        # turns a forged copy into an error instead of something silently carried along.
        if not verifier.verify(data, raw):
            raise InvalidSignatureError(sig.name, sig.key_hash)
        if (sig.name, sig.key_hash) not in verified_keys:
            verified_keys.add((sig.name, sig.key_hash))
            sigs.append(sig)
    note = Note(text, tuple(sigs), tuple(unverified))
    if not sigs:
        raise UnverifiedNoteError(note)
    return note


def _parse_signature_line(number: int, line: str) -> tuple[Signature, bytes]:
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNoteError(f"signature line {number} does not start with an em dash and a space")
    name, _, b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not is_valid_name(name):
        raise MalformedNoteError(f"signature line {number} has an invalid key name {name!r}")
    try:
        raw = b64decode_strict(b64)
    except (ValueError, binascii.Error):
        raise MalformedNoteError(f"signature line {number} is not base64") from None
    if len(raw) < 5:
        raise MalformedNoteError(f"signature line {number} is too short to hold a key id and a signature")
    return Signature(name, int.from_bytes(raw[:4], "big"), b64), raw[4:]


def _as_verifiers(verifiers: Verifiers | Iterable[NoteVerifier] | None) -> Verifiers:
    if verifiers is None:
        return VerifierList()
    if isinstance(verifiers, Verifiers):
        return verifiers
    return VerifierList(*verifiers)


def verifier_names(verifiers: Sequence[NoteVerifier]) -> list[str]:
    """``name+keyid`` for each verifier — how errors and policy messages name keys."""
    return [f"{v.name}+{v.key_hash:08x}" for v in verifiers]
