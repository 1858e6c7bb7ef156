"""C2SP tlog-cosignature v1 (c2sp.org/tlog-cosignature): witnesses countersigning checkpoints.

Pure, no Django. A witness (a procuratorate, a newspaper) that has checked a checkpoint is
consistent with every earlier one it saw adds a note signature line to it:

    — <witness name> base64(key id || u64 timestamp, big-endian || Ed25519 signature)

The Ed25519 signature covers ``"cosignature/v1\\ntime <timestamp>\\n"`` followed by the whole
checkpoint body, and the key id is SHA-256(name || "\\n" || 0x04 || public key)[:4] — the 0x04
separates it from the same key used for plain 0x01 note signatures.

:class:`CosignatureSigner` and :class:`CosignatureVerifier` speak the note protocols, so they go
straight into :func:`zhengyi.ledger.note.sign` and :func:`zhengyi.ledger.note.open`;
:func:`check_policy` then asks whether enough of the configured witnesses vouched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from zhengyi.ledger import note

ALG_COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1"
_TIMESTAMP_SIZE = 8
_SIGNATURE_SIZE = 64
Clock = Callable[[], int]


class PolicyError(ValueError):
    """Fewer witnesses cosigned a checkpoint than the policy requires."""


def signed_message(body: bytes, timestamp: int) -> bytes:
    """What the witness's Ed25519 key signs: the header line, the time line, the checkpoint body."""
    return f"{HEADER}\ntime {timestamp}\n".encode() + body


def _looks_like_checkpoint(body: bytes) -> bool:
    # The spec signs checkpoints only; like transparency-dev/formats, refuse anything with
    # fewer than three newline-terminated lines rather than cosign arbitrary text.
    return body.endswith(b"\n") and body.count(b"\n") >= 3


class CosignatureSigner(note.Ed25519Key):
    """A witness's signer. ``clock`` gives the Unix time to stamp (tests pass a fixed one)."""

    ALG = ALG_COSIGNATURE_V1

    def __init__(self, name: str, private_key: Ed25519PrivateKey, clock: Clock | None = None) -> None:
        super().__init__(name, private_key.public_key().public_bytes_raw())
        self._key = private_key
        self._clock: Clock = clock or (lambda: int(time.time()))

    @classmethod
    def from_skey(cls, skey: str, clock: Clock | None = None) -> CosignatureSigner:
        """From a standard Ed25519 note signer key (``PRIVATE+KEY+…``, alg 0x01).

        Witness keys are ordinary note keys; only the key id used on the cosignature line
        differs (computed with 0x04), as transparency-dev/formats' NewSignerForCosignatureV1.
        """
        note.Signer.from_skey(skey)  # the checks of any note signer key, its id included
        name, _, key = note.split_skey(skey)
        return cls(name, Ed25519PrivateKey.from_private_bytes(key[1:]), clock)

    def sign(self, msg: bytes) -> bytes:
        """Timestamp (8 bytes, big-endian) followed by the signature; the note adds the key id."""
        if not _looks_like_checkpoint(msg):
            raise ValueError("a cosignature is only made over a checkpoint body")
        timestamp = self._clock()
        if not 0 <= timestamp < 2**64:
            raise ValueError(f"timestamp {timestamp} does not fit in a u64")
        return timestamp.to_bytes(_TIMESTAMP_SIZE, "big") + self._key.sign(signed_message(msg, timestamp))

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self._name, self._public)


class CosignatureVerifier(note.Ed25519Key):
    """Checks a witness's cosignatures; usable wherever a :class:`note.NoteVerifier` is.

    Its ``vkey`` is the spec's encoding, ``name+id+base64(0x04 || public key)``.
    """

    ALG = ALG_COSIGNATURE_V1

    def __init__(self, name: str, public_key: bytes) -> None:
        super().__init__(name, public_key)
        self._ed25519 = note.Verifier(name, public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        """From a witness vkey: alg 0x04 (the spec's encoding) or a plain 0x01 note vkey.

        Either way the key id in the string must match what it claims to identify.
        """
        name, claimed, key = note.split_vkey(vkey)
        if key[0] not in (ALG_COSIGNATURE_V1, note.ALG_ED25519):
            raise note.MalformedKeyError(f"unknown witness key algorithm {key[0]:#04x}")
        if note.key_hash(name, key) != claimed:
            raise note.MalformedKeyError(f"invalid witness key id {claimed:08x} for key {name}")
        if len(key) != 33:
            raise note.MalformedKeyError(
                f"malformed witness key: Ed25519 key is {len(key) - 1} bytes, want 32"
            )
        return cls(name, key[1:])

    def verify(self, msg: bytes, sig: bytes) -> bool:
        if len(sig) != _TIMESTAMP_SIZE + _SIGNATURE_SIZE or not _looks_like_checkpoint(msg):
            return False
        timestamp = int.from_bytes(sig[:_TIMESTAMP_SIZE], "big")
        return self._ed25519.verify(signed_message(msg, timestamp), sig[_TIMESTAMP_SIZE:])


def cosignature_timestamp(signature: note.Signature) -> int:
    """The Unix time a witness put in its cosignature (the signature need not be verified)."""
    try:
        raw = note.b64decode_strict(signature.base64)
    except ValueError:
        raise ValueError(f"cosignature by {signature.name} is not base64") from None
    if len(raw) != 4 + _TIMESTAMP_SIZE + _SIGNATURE_SIZE:
        raise ValueError(f"cosignature by {signature.name} is {len(raw)} bytes, not a cosignature/v1")
    return int.from_bytes(raw[4 : 4 + _TIMESTAMP_SIZE], "big")


def check_policy(
    opened: note.Note, witnesses: Sequence[note.NoteVerifier], k: int
) -> list[note.NoteVerifier]:
    """Require valid cosignatures from at least ``k`` of ``witnesses`` on an opened checkpoint.

    Only signatures :func:`note.open` verified count, so open the checkpoint with the witnesses
    among its verifiers. Returns the witnesses that cosigned; raises :class:`PolicyError` naming
    those that did not.
    """
    distinct = list({(w.name, w.key_hash): w for w in witnesses}.values())
    if not 0 <= k <= len(distinct):
        raise ValueError(f"a {k}-of-{len(distinct)} policy cannot be met")
    verified = {(s.name, s.key_hash) for s in opened.sigs}
    present = [w for w in distinct if (w.name, w.key_hash) in verified]
    if len(present) < k:
        missing = [w for w in distinct if (w.name, w.key_hash) not in verified]
        raise PolicyError(
            f"checkpoint has {len(present)} of the {k} witness cosignatures required "
            f"({k} of {len(distinct)}); missing: {', '.join(note.verifier_names(missing))}"
        )
    return present
