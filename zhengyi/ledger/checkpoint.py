"""C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the signed statement of a log's size and root.

Pure, no Django. A checkpoint body is the text of a signed note (:mod:`zhengyi.ledger.note`)::

    zhengyi.example/futian/ledger          <- origin: which log
    20852163                               <- tree size, decimal, no leading zeros
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=   <- RFC 6962 root hash, base64
    (optional extension lines, each non-empty)

Parsing is strict — a checkpoint is what witnesses, mirrors and our own verifier compare byte
for byte, so anything that does not re-encode to the same text is rejected with the reason.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass

from zhengyi.ledger import note
from zhengyi.ledger.merkle import HASH_SIZE

#: Tree sizes are uint64 in every implementation we interoperate with (Go's ``formats/log``).
MAX_SIZE = 2**64 - 1
_SIZE = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(ValueError):
    """A checkpoint body that does not follow c2sp.org/tlog-checkpoint, or the wrong log's."""


@dataclass(frozen=True)
class Checkpoint:
    """A log's origin, tree size and root hash, plus any opaque extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("the origin must be one non-empty line")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 0 <= self.size <= MAX_SIZE:
            raise CheckpointError(f"tree size {self.size!r} is not an integer in [0, 2**64)")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"the root hash must be {HASH_SIZE} bytes")
        for line in self.extensions:
            if not line or "\n" in line:
                raise CheckpointError(f"extension line {line!r} must be one non-empty line")

    def body(self) -> str:
        """The note text to sign: origin, size, base64 root and extensions, each ending in \\n."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode(), *self.extensions]
        return "".join(line + "\n" for line in lines)


def parse(text: str) -> Checkpoint:
    """Parse a checkpoint body (the note text, without signatures) strictly."""
    if not text.endswith("\n"):
        raise CheckpointError("a checkpoint body must end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError(
            f"a checkpoint has at least 3 lines (origin, size, root hash), got {len(lines)}"
        )
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise CheckpointError("the origin line is empty")
    if not _SIZE.fullmatch(size_text):
        raise CheckpointError(f"tree size {size_text!r} is not a decimal number without leading zeros")
    size = int(size_text)
    if size > MAX_SIZE:
        raise CheckpointError(f"tree size {size_text} does not fit in 64 bits")
    try:
        root_hash = note.b64decode_strict(root_text)
    except (ValueError, binascii.Error):
        raise CheckpointError(f"root hash {root_text!r} is not base64") from None
    if len(root_hash) != HASH_SIZE:
        raise CheckpointError(f"root hash is {len(root_hash)} bytes, want {HASH_SIZE}")
    if base64.b64encode(root_hash).decode() != root_text:
        raise CheckpointError(f"root hash {root_text!r} is not canonical base64")
    for number, line in enumerate(extensions, 4):
        if not line:
            raise CheckpointError(f"line {number} is empty; extension lines must not be")
    return Checkpoint(origin, size, root_hash, tuple(extensions))


def sign(checkpoint: Checkpoint, *signers: note.NoteSigner) -> str:
    """The signed checkpoint note (what ``/ledger/checkpoint`` serves)."""
    return note.sign(checkpoint.body(), *signers)


def open_checkpoint(
    message: str | bytes,
    log_verifier: note.NoteVerifier,
    *,
    origin: str | None = None,
    others: Iterable[note.NoteVerifier] = (),
) -> tuple[Checkpoint, note.Note]:
    """Verify a signed checkpoint from a log: the log's own signature must be there and valid.

    ``others`` (witnesses, say) are checked too when they signed; whether enough of them did is
    :func:`zhengyi.ledger.cosignature.check_policy`'s question. ``origin``, if given, must match
    (it defaults to the log key's name, which c2sp.org/tlog-checkpoint says it SHOULD be).
    """
    opened = note.open(message, [log_verifier, *others])
    if not any(s.name == log_verifier.name and s.key_hash == log_verifier.key_hash for s in opened.sigs):
        key = f"{log_verifier.name}+{log_verifier.key_hash:08x}"
        raise CheckpointError(f"checkpoint carries no signature by the log key {key}")
    checkpoint = parse(opened.text)
    expected = log_verifier.name if origin is None else origin
    if checkpoint.origin != expected:
        raise CheckpointError(f"checkpoint is for log {checkpoint.origin!r}, expected {expected!r}")
    return checkpoint, opened
