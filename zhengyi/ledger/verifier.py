"""The outside verifier: checks a log from its HTTP endpoints or an exported bundle.

Pure (no Django; ``urllib`` for HTTP) so that it runs anywhere a sceptic runs it, and so that
it can be read in one sitting. It trusts nothing the log says about itself except what the
log's key signed:

1. **Keys.** The log keys it knows (``--key``, or remembered in its state file). A log that
   rotated its key publishes a *transition checkpoint* signed by the old and the new key; a
   new key is learnt only through one of those, signed by a key already known. With no key at
   all it trusts the log's published key on first use, and says so.
2. **The checkpoint** is opened with those keys (c2sp.org/signed-note); its origin must be the
   key's name. With a witness policy (k of the given witness keys), k valid cosignatures.
3. **Consistency** with the checkpoint it saw last time (its state): a log never shrinks, an
   equal size must have an equal root, and a larger tree must prove it extends the old one.
4. **Inclusion** of each entry asked for, with a proof computed from the log's tiles.

Then it remembers the new checkpoint. Any failure is a :class:`VerifyError` saying what failed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from zhengyi.ledger import checkpoint as cpmod
from zhengyi.ledger import cosignature, merkle, note, tiles
from zhengyi.ledger.merkle import NodeRef

USER_AGENT = "zhengyi-ledger-verifier/1"


class VerifyError(Exception):
    """Verification failed; the message says what, in words an operator can act on."""


def open_log_checkpoint(
    text: str, log_keys: Sequence[note.NoteVerifier], witnesses: Sequence[note.NoteVerifier] = ()
) -> tuple[cpmod.Checkpoint, note.Note]:
    """Open a checkpoint signed by any of ``log_keys``; its origin must be that key's name."""
    try:
        opened = note.open(text, [*log_keys, *witnesses])
    except note.UnverifiedNoteError as exc:
        names = ", ".join(f"{s.name}+{s.key_hash:08x}" for s in exc.note.unverified_sigs) or "none"
        raise VerifyError(
            f"检查点没有已知日志密钥的签名 / the checkpoint is not signed by a known log key "
            f"(signed by: {names}; known: {', '.join(note.verifier_names(list(log_keys)))})"
        ) from None
    except note.NoteError as exc:
        raise VerifyError(f"检查点签名无效 / checkpoint signature check failed: {exc}") from None
    log_ids = {(k.name, k.key_hash) for k in log_keys}
    by_log = [s for s in opened.sigs if (s.name, s.key_hash) in log_ids]
    if not by_log:
        raise VerifyError("检查点只有见证人签名，没有日志签名 / the checkpoint carries no log signature")
    try:
        body = cpmod.parse(opened.text)
    except cpmod.CheckpointError as exc:
        raise VerifyError(f"检查点格式错误 / malformed checkpoint: {exc}") from None
    if any(s.name != body.origin for s in by_log):
        raise VerifyError(f"checkpoint origin {body.origin!r} is not the name of the key that signed it")
    return body, opened


# ---------------------------------------------------------------------------------------------
# Sources


class Source(Protocol):
    description: str

    def checkpoint(self) -> str: ...

    def witnessed_checkpoint(self) -> str | None: ...

    def published_keys(self) -> list[dict[str, Any]]: ...

    def node(self, ref: NodeRef, size: int) -> bytes: ...

    def entry(self, index: int, size: int) -> bytes: ...


Fetch = Callable[[str], bytes]


def http_fetch(url: str, timeout: float = 30.0) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        raise LookupError(f"GET {url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise VerifyError(f"GET {url}: {exc}") from None


class HttpSource:
    """A log served over HTTP: ``/ledger/checkpoint``, ``/ledger/keys`` and c2sp.org/tlog-tiles."""

    def __init__(self, base_url: str, fetch: Fetch | None = None) -> None:
        self.base = base_url.rstrip("/")
        if not self.base.endswith("/ledger"):
            self.base += "/ledger"
        # Looked up at call time, so a test can route the requests to its test client.
        self.fetch: Fetch = fetch or (lambda url: http_fetch(url))
        self.description = self.base
        self._tiles: dict[tiles.Tile, bytes] = {}

    def _get(self, path: str) -> bytes:
        return self.fetch(f"{self.base}/{path}")

    def checkpoint(self) -> str:
        return self._get("checkpoint").decode("utf-8", errors="replace")

    def witnessed_checkpoint(self) -> str | None:
        try:
            return self._get("checkpoint/witnessed").decode("utf-8", errors="replace")
        except LookupError:
            return None

    def published_keys(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self._get("keys"))
        except (LookupError, ValueError):
            return []
        return [k for k in data.get("keys", []) if isinstance(k, dict)]

    def _tile(self, tile: tiles.Tile) -> bytes:
        if tile not in self._tiles:
            try:
                self._tiles[tile] = self._get(tile.path)
            except LookupError as exc:
                raise VerifyError(f"the log does not serve {tile.path}: {exc}") from None
        return self._tiles[tile]

    def node(self, ref: NodeRef, size: int) -> bytes:
        try:
            return tiles.read_node(ref, size, self._tile)
        except tiles.TileDataError as exc:
            raise VerifyError(f"a tile has the wrong shape: {exc}") from None

    def entry(self, index: int, size: int) -> bytes:
        n = index >> tiles.TILE_HEIGHT
        width = min(tiles.TILE_WIDTH, size - (n << tiles.TILE_HEIGHT))
        bundle = tiles.Tile(tiles.ENTRIES, n, width)
        try:
            found = tiles.parse_entry_bundle(self._tile(bundle), width)
        except tiles.TileDataError as exc:
            raise VerifyError(f"{bundle.path} is malformed: {exc}") from None
        return found[index & (tiles.TILE_WIDTH - 1)]


@dataclass
class Bundle:
    """An export bundle (docs/ledger.md, "Bundles"), read whole into memory."""

    header: dict[str, Any]
    entries: list[bytes]

    @property
    def since(self) -> int:
        return int(self.header["since"])

    @property
    def size(self) -> int:
        return int(self.header["size"])

    @property
    def left(self) -> list[bytes]:
        return [note.b64decode_strict(h) for h in self.header.get("left", [])]


BUNDLE_FORMAT = "zhengyi-ledger-bundle"


def read_bundle(path: Path, progress: Callable[[int, int], None] | None = None) -> Bundle:
    """Parse a bundle file, checking its shape: header, entries ``since…size-1`` in order, end."""
    import base64
    import binascii

    try:
        with path.open("rb") as f:
            header = json.loads(f.readline())
            if not isinstance(header, dict) or header.get("format") != BUNDLE_FORMAT:
                raise VerifyError(f"{path} is not a ledger bundle")
            if header.get("version") != 1:
                raise VerifyError(f"bundle format version {header.get('version')!r} is not supported")
            since, size = int(header["since"]), int(header["size"])
            out: list[bytes] = []
            ended = False
            for line in f:
                record = json.loads(line)
                if "end" in record:
                    ended = record["end"] == size
                    break
                if record.get("i") != since + len(out):
                    raise VerifyError(
                        f"bundle entry {record.get('i')} is out of order (expected {since + len(out)})"
                    )
                out.append(base64.b64decode(record["e"], validate=True))
                if progress is not None and len(out) % 10000 == 0:
                    progress(len(out), size - since)
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise VerifyError(f"cannot read bundle {path}: {exc}") from None
    if not ended or len(out) != size - since:
        raise VerifyError(f"bundle {path} is truncated: {len(out)} of {size - since} entries and no end mark")
    return Bundle(header, out)


class BundleSource:
    """A bundle as a source: entries ``[since, size)`` and the subtree hashes left of ``since``."""

    def __init__(self, bundle: Bundle, description: str = "bundle") -> None:
        self.bundle = bundle
        self.description = description
        self._leaves = [merkle.leaf_hash(e) for e in bundle.entries]
        self._left = dict(zip(merkle.root_nodes(bundle.since), bundle.left, strict=False))
        self._memo: dict[NodeRef, bytes] = {}

    def checkpoint(self) -> str:
        return str(self.bundle.header["checkpoint"])

    def witnessed_checkpoint(self) -> str | None:
        return None

    def published_keys(self) -> list[dict[str, Any]]:
        return [k for k in self.bundle.header.get("keys", []) if isinstance(k, dict)]

    def node(self, ref: NodeRef, size: int) -> bytes:
        since = self.bundle.since
        if ref in self._left:
            return self._left[ref]
        if ref.end <= since:
            raise VerifyError(
                f"this bundle starts at entry {since}; it holds no hash for entries "
                f"{ref.begin}…{ref.end - 1} (ask for a bundle exported --since an older size)"
            )
        if ref.end > self.bundle.size:
            raise VerifyError(f"entries {ref.begin}…{ref.end - 1} are not all in this bundle")
        found = self._memo.get(ref)
        if found is None:
            if ref.level == 0:
                found = self._leaves[ref.index - since]
            else:
                # Wholly new, or straddling `since` (then its old part is made of the `left`
                # subtrees, which the recursion reaches): hash the two halves.
                found = merkle.node_hash(
                    self.node(NodeRef(ref.level - 1, 2 * ref.index), size),
                    self.node(NodeRef(ref.level - 1, 2 * ref.index + 1), size),
                )
            self._memo[ref] = found
        return found

    def entry(self, index: int, size: int) -> bytes:
        since = self.bundle.since
        if not since <= index < self.bundle.size:
            raise VerifyError(
                f"entry {index} is not in this bundle (it holds {since}…{self.bundle.size - 1})"
            )
        return self.bundle.entries[index - since]

    def root(self) -> bytes:
        """The root of the bundle's tree, from the hashes left of ``since`` and its entries."""
        compact = list(self.bundle.left)
        size = self.bundle.since
        for h in self._leaves:
            s = size
            while s & 1:
                h = merkle.node_hash(compact.pop(), h)
                s >>= 1
            compact.append(h)
            size += 1
        return merkle.fold(compact) if compact else merkle.EMPTY_ROOT


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass
class LogState:
    """What a verifier remembers about one log (its state file holds one per origin)."""

    keys: list[str] = field(default_factory=list)
    checkpoint: str = ""
    witnesses: list[str] = field(default_factory=list)
    witnesses_required: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LogState:
        return cls(
            keys=list(data.get("keys", [])),
            checkpoint=str(data.get("checkpoint", "")),
            witnesses=list(data.get("witnesses", [])),
            witnesses_required=int(data.get("witnesses_required", 0)),
        )


def load_states(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"logs": {}}
    except (OSError, ValueError) as exc:
        raise VerifyError(f"verifier state {path} is unreadable: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("logs"), dict):
        raise VerifyError(f"{path} is not a verifier state file")
    return data


def save_states(path: Path, data: dict[str, Any]) -> None:
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


@dataclass
class Outcome:
    checkpoint: cpmod.Checkpoint
    note_text: str
    lines: list[str]
    state: LogState


def _verifiers(vkeys: Iterable[str], what: str) -> list[note.Verifier]:
    out = []
    for vkey in vkeys:
        try:
            out.append(note.Verifier.from_vkey(vkey))
        except note.NoteError as exc:
            raise VerifyError(f"{what} {vkey!r} is not a verifier key: {exc}") from None
    return out


def learn_keys(known: list[str], published: list[dict[str, Any]], lines: list[str]) -> list[str]:
    """Add keys the log rotated to, each vouched for by a transition checkpoint a known key signed."""
    known = list(dict.fromkeys(known))
    grew = True
    while grew:
        grew = False
        for item in published:
            vkey, transition = str(item.get("vkey", "")), str(item.get("transition") or "")
            if vkey in known or not transition:
                continue
            try:
                candidate = note.Verifier.from_vkey(vkey)
                opened = note.open(transition, [*_verifiers(known, "key"), candidate])
            except (note.NoteError, VerifyError):
                continue
            ids = {(s.name, s.key_hash) for s in opened.sigs}
            if (candidate.name, candidate.key_hash) in ids and len(ids) > 1:
                known.append(vkey)
                lines.append(
                    f"✓ 日志换用新密钥 / learnt the log's new key {candidate.name}+{candidate.key_hash:08x} (transition signed by a known key)"
                )
                grew = True
    return known


def verify(
    source: Source,
    state: LogState,
    *,
    entries: Sequence[int] = (),
    trust_keys: Sequence[str] = (),
    witnesses: Sequence[str] = (),
    witnesses_required: int | None = None,
) -> Outcome:
    """Run checks 1–4 of the module docstring; raise :class:`VerifyError` on the first failure."""
    lines: list[str] = []
    known = list(dict.fromkeys([*state.keys, *trust_keys]))
    published = source.published_keys()
    if not known:
        current = [k["vkey"] for k in published if k.get("status") == "current"]
        if not current:
            raise VerifyError(
                "不知道该信任哪个日志公钥 / no log key known: pass --key with the station's published key"
            )
        known = [current[-1]]
        lines.append(
            f"! 首次使用，信任日志公布的公钥 / trusting the log's published key on first use: {known[0]}"
        )
    known = learn_keys(known, published, lines)
    log_keys = _verifiers(known, "log key")
    witness_keys = list(dict.fromkeys([*state.witnesses, *witnesses]))
    witness_verifiers = [cosignature.CosignatureVerifier.from_vkey(w) for w in witness_keys]
    k = state.witnesses_required if witnesses_required is None else witnesses_required
    if k > len(witness_verifiers):
        raise VerifyError(
            f"策略要求 {k} 个见证人，但只知道 {len(witness_verifiers)} 个 / a {k}-of-{len(witness_verifiers)} policy cannot be met"
        )

    text = source.checkpoint()
    body, opened = open_log_checkpoint(text, log_keys, witness_verifiers)
    if k:
        try:
            present = cosignature.check_policy(opened, witness_verifiers, k)
        except cosignature.PolicyError as exc:
            fallback = source.witnessed_checkpoint()
            if fallback is None:
                raise VerifyError(f"见证不足 / witness policy not met: {exc}") from None
            text = fallback
            body, opened = open_log_checkpoint(text, log_keys, witness_verifiers)
            try:
                present = cosignature.check_policy(opened, witness_verifiers, k)
            except cosignature.PolicyError as exc2:
                raise VerifyError(f"见证不足 / witness policy not met: {exc2}") from None
            lines.append(
                f"! 最新检查点见证不足，改用已见证的检查点 / newest checkpoint lacks cosignatures; using the newest witnessed one (size {body.size})"
            )
        lines.append(
            f"✓ 见证 / witnesses: {', '.join(note.verifier_names(present))} ({len(present)} of {len(witness_verifiers)}, policy {k})"
        )
    signers = [s for s in opened.sigs if (s.name, s.key_hash) in {(v.name, v.key_hash) for v in log_keys}]
    lines.append(
        f"✓ 检查点签名有效 / checkpoint signed by {', '.join(f'{s.name}+{s.key_hash:08x}' for s in signers)}: "
        f"size {body.size}, root {body.root_hash.hex()}"
    )
    if isinstance(source, BundleSource) and source.root() != body.root_hash:
        raise VerifyError(
            f"捆绑包条目与检查点不符 / the bundle's entries hash to root {source.root().hex()}, "
            f"its checkpoint says {body.root_hash.hex()}"
        )

    def node(ref: NodeRef) -> bytes:
        return source.node(ref, body.size)

    if state.checkpoint:
        old, _ = open_log_checkpoint(state.checkpoint, log_keys)
        if old.origin != body.origin:
            raise VerifyError(f"state is for log {old.origin!r}, this is {body.origin!r}")
        if old.size > body.size:
            raise VerifyError(
                f"日志回滚 / the log shrank: you saw {old.size} entries before, now it claims {body.size} — "
                "a log must never roll back"
            )
        proof = merkle.proof_from_hashes(merkle.consistency_proof_nodes(old.size, body.size), node)
        try:
            merkle.verify_consistency(old.size, body.size, proof, old.root_hash, body.root_hash)
        except merkle.ProofError as exc:
            raise VerifyError(
                f"日志分叉 / the log is not consistent with the checkpoint you saw before (size {old.size}): {exc}"
            ) from None
        lines.append(
            f"✓ 与上次所见一致 / consistent with the checkpoint seen before (size {old.size} → {body.size})"
        )
    else:
        lines.append(
            "! 首次验证此日志，无从比较 / first verification of this log: nothing earlier to compare with"
        )

    for index in entries:
        if not 0 <= index < body.size:
            raise VerifyError(
                f"条目 {index} 不在检查点内 / entry {index} is not in the tree of size {body.size}"
            )
        data = source.entry(index, body.size)
        leaf = merkle.leaf_hash(data)
        proof = merkle.proof_from_hashes(merkle.inclusion_proof_nodes(index, body.size), node)
        try:
            merkle.verify_inclusion(leaf, index, body.size, proof, body.root_hash)
        except merkle.ProofError as exc:
            raise VerifyError(f"条目 {index} 未被包含 / entry {index} is not included: {exc}") from None
        lines.append(
            f"✓ 条目 {index} 已包含 / entry {index} is included: {data[:120].decode('utf-8', errors='replace')}"
        )

    new_state = LogState(keys=known, checkpoint=text, witnesses=witness_keys, witnesses_required=k)
    return Outcome(body, text, lines, new_state)
