"""Merkle tree hashing, proofs and proof verification, as RFC 6962 §2.1 and RFC 9162 §2.1 define them.

Pure: only :mod:`hashlib`. Every function here is about *one* log whose leaves are numbered
0, 1, 2, … in append order; a tree of ``size`` n is the tree over leaves ``[0, n)``.

Three layers, from the definitions outwards:

* **Hashing** — :func:`leaf_hash`, :func:`node_hash` and :func:`root` (the Merkle Tree Hash, MTH).
* **Proofs from the leaves** — :func:`inclusion_proof` (the RFC's PATH) and
  :func:`consistency_proof` (PROOF). They rehash the leaves under each proof element, O(n), so
  they suit tests and small in-memory trees (the tests hold them to the RFC's own recursive
  definitions).
* **Proofs from stored subtrees** — a log that stores the hash of every *perfect* subtree (a
  :class:`NodeRef`, ``2**level`` leaves starting at ``index * 2**level``) can answer any proof in
  O(log n) reads. :func:`inclusion_proof_nodes`, :func:`consistency_proof_nodes` and
  :func:`root_nodes` say which stored subtrees are needed, and :func:`proof_from_hashes` assembles
  the proof from them. A proof element that is the hash of an *incomplete* right-hand subtree
  (the "ephemeral" node of transparency-dev/merkle) is given as several perfect subtrees whose
  right fold is that hash — see :func:`fold`.

Verification (:func:`verify_inclusion`, :func:`verify_consistency`) follows RFC 9162 §2.1.3.2
and §2.1.4.2 and the edge cases of transparency-dev/merkle's ``proof/verify.go``; on failure it
raises :class:`ProofError` saying plainly what did not hold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NamedTuple

HASH_SIZE = 32
#: MTH({}) — the root of the empty tree is the SHA-256 of nothing (RFC 6962 §2.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_sha256 = hashlib.sha256


class ProofError(ValueError):
    """A proof did not verify; the message says which check failed."""


class NodeRef(NamedTuple):
    """A perfect subtree: ``2**level`` leaves from leaf ``index * 2**level`` on.

    Level 0 nodes are leaf hashes; node ``(level, index)`` is the hash of its children
    ``(level - 1, 2 * index)`` and ``(level - 1, 2 * index + 1)``. This is the only kind of node
    a log ever stores: it never changes once its last leaf is appended.
    """

    level: int
    # Shadows tuple.index(), which nothing uses; a NamedTuple builds and hashes as cheaply as a
    # plain tuple, and every proof builds and looks up dozens of these.
    index: int  # type: ignore[assignment]

    @property
    def begin(self) -> int:
        """The first leaf this subtree covers."""
        return self.index << self.level

    @property
    def end(self) -> int:
        """One past the last leaf this subtree covers."""
        return (self.index + 1) << self.level


#: One proof element: the perfect subtrees (left to right) whose right fold is its hash. Almost
#: always a single node; several only for an incomplete subtree on the tree's right border.
ProofNode = tuple[NodeRef, ...]
#: Where stored subtree hashes come from: a mapping, or a function that reads one.
HashSource = Mapping[NodeRef, bytes] | Callable[[NodeRef], bytes]


# ---------------------------------------------------------------------------------------------
# Hashing


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d): the hash of one log entry."""
    return _sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node.

    The distinct 0x00 / 0x01 prefixes stop a leaf from passing for an interior node (the
    second-preimage attack RFC 6962 §2.1 guards against).
    """
    return _sha256(_NODE_PREFIX + left + right).digest()


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]): the root hash of the tree whose leaf hashes are given, in O(n) time.

    Built bottom-up a level at a time, carrying an unpaired last node up unchanged. That gives
    exactly the RFC's recursive definition (split at the largest power of two below n): the
    RFC tree's left subtrees are always perfect, so pairing from the left never straddles a
    split. A level at a time keeps the hot loop in one list comprehension — benches call this
    on millions of hashes.
    """
    level: Sequence[bytes] = leaf_hashes
    if not level:
        return EMPTY_ROOT
    sha256, prefix = _sha256, _NODE_PREFIX
    while len(level) > 1:
        carry = level[-1] if len(level) & 1 else None
        pairs = iter(level)  # zip(pairs, pairs) takes two at a time; the odd one is `carry`
        level = [sha256(prefix + left + right).digest() for left, right in zip(pairs, pairs, strict=False)]
        if carry is not None:
            level.append(carry)
    return level[0]


def fold(hashes: Sequence[bytes]) -> bytes:
    """Right fold of subtree hashes, left to right: ``H(h0, H(h1, … H(h[-2], h[-1])))``.

    This is how the RFC tree joins perfect subtrees of decreasing size into the hash of the
    incomplete subtree they make up (and into the root itself: :func:`root_nodes`).
    """
    if not hashes:
        raise ValueError("nothing to fold")
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


# ---------------------------------------------------------------------------------------------
# Proofs from the leaves (RFC 6962 §2.1.1 PATH and §2.1.2 PROOF)


def inclusion_proof(index: int, size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[size]): the audit path proving leaf ``index`` is in the tree of ``size``.

    Ordered from the leaf upwards, as RFC 9162 verification expects. Each element is the MTH of
    the leaves it covers, so the whole proof hashes every leaf once: O(n).
    """
    _check_leaves(size, leaf_hashes)
    return [root(leaf_hashes[e[0].begin : e[-1].end]) for e in inclusion_proof_nodes(index, size)]


def consistency_proof(size1: int, size2: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(size1, D[size2]): proves the tree of ``size1`` is a prefix of the tree of ``size2``.

    Empty when the sizes are equal or ``size1`` is 0 — there is nothing to prove, and that is
    what :func:`verify_consistency` accepts.
    """
    _check_leaves(size2, leaf_hashes)
    return [root(leaf_hashes[e[0].begin : e[-1].end]) for e in consistency_proof_nodes(size1, size2)]


def _check_leaves(size: int, leaf_hashes: Sequence[bytes]) -> None:
    if not 0 <= size <= len(leaf_hashes):
        raise ValueError(f"tree size {size} needs {size} leaf hashes, have {len(leaf_hashes)}")


# ---------------------------------------------------------------------------------------------
# Proofs from stored perfect subtrees


def subtree_nodes(begin: int, end: int) -> ProofNode:
    """The perfect subtrees, left to right, whose right fold is MTH(D[begin:end]).

    ``[begin, end)`` must be a subtree of the RFC tree: ``begin`` a multiple of a power of two
    at least ``end - begin``. Then the subtrees are the binary digits of ``end - begin``, largest
    first — a perfect subtree is one node, an incomplete one a few.
    """
    width = end - begin
    if width <= 0 or begin < 0 or (begin & ((1 << (width - 1).bit_length()) - 1)):
        raise ValueError(f"leaves [{begin}, {end}) are not a subtree of a Merkle tree")
    if not width & (width - 1):  # a perfect subtree: one node
        level = width.bit_length() - 1
        return (NodeRef(level, begin >> level),)
    nodes: list[NodeRef] = []
    while width:  # one node per set bit of the width, largest first
        level = width.bit_length() - 1
        nodes.append(NodeRef(level, begin >> level))
        begin += 1 << level
        width -= 1 << level
    return tuple(nodes)


def root_nodes(size: int) -> ProofNode:
    """The perfect subtrees whose right fold is the root of the tree of ``size`` (empty if 0)."""
    if size < 0:
        raise ValueError(f"tree size {size} is negative")
    return subtree_nodes(0, size) if size else ()


def inclusion_proof_nodes(index: int, size: int) -> list[ProofNode]:
    """Which stored subtrees make up :func:`inclusion_proof` ``(index, size)``, element by element."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    return _path_nodes(0, index, size)


def consistency_proof_nodes(size1: int, size2: int) -> list[ProofNode]:
    """Which stored subtrees make up :func:`consistency_proof` ``(size1, size2)``.

    The proof is the path, in the new tree, of the largest perfect subtree ending at ``size1``,
    preceded by that subtree itself — unless it is the whole old tree (``size1`` a power of
    two), whose hash the verifier already holds as the old root.
    """
    if not 0 <= size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    if size1 in (0, size2):
        return []
    level = (size1 & -size1).bit_length() - 1
    index = (size1 - 1) >> level
    path = _path_nodes(level, index, size2)
    return [(NodeRef(level, index),), *path] if index else path


def _path_nodes(level: int, index: int, size: int) -> list[ProofNode]:
    # The inclusion path of node (level, index) in the tree of `size`, bottom-up, without walking
    # the tree: the paths to this node and to the tree's last node part `inner` levels up.
    # Below that fork every sibling is a perfect subtree; at the fork the sibling holds the last
    # leaf and may be incomplete; above it the path runs along the right border, where a level
    # has a sibling only if the node's ancestor there is a right child.
    last = (size - 1) >> level
    inner = (index ^ last).bit_length()
    elements: list[ProofNode] = [(NodeRef(level + i, (index >> i) ^ 1),) for i in range(inner - 1)]
    if inner:
        fork = level + inner - 1
        elements.append(subtree_nodes(((index >> (inner - 1)) ^ 1) << fork, size))
    elements.extend(
        (NodeRef(level + i, (index >> i) ^ 1),) for i in range(inner, last.bit_length()) if index >> i & 1
    )
    return elements


def proof_from_hashes(elements: Sequence[ProofNode], hashes: HashSource) -> list[bytes]:
    """Assemble a proof from stored subtree hashes: each element is the fold of its nodes.

    ``hashes`` is a mapping from :class:`NodeRef` to hash, or a function reading one (from a
    database, or from tiles with :func:`zhengyi.ledger.tiles.hash_from_tile`).
    """
    read = hashes.__getitem__ if isinstance(hashes, Mapping) else hashes
    return [fold([read(node) for node in element]) for element in elements]


def root_from_hashes(size: int, hashes: HashSource) -> bytes:
    """The root of the tree of ``size`` from stored subtree hashes (O(log n) reads)."""
    nodes = root_nodes(size)
    if not nodes:
        return EMPTY_ROOT
    return proof_from_hashes([nodes], hashes)[0]


def completed_nodes(index: int) -> list[NodeRef]:
    """The perfect subtrees that appending leaf ``index`` completes, bottom-up.

    The leaf itself, and one parent for each trailing 1 bit of ``index``: after leaf 5 (0b101)
    the pair (4, 5) is complete; after leaf 7 (0b111) the pair, the four and the eight are.
    """
    if index < 0:
        raise ValueError(f"leaf index {index} is negative")
    levels = ((index + 1) & -(index + 1)).bit_length()
    return [NodeRef(level, index >> level) for level in range(levels)]


def hashes_for_append(index: int, entry_hash: bytes, hashes: HashSource) -> list[tuple[NodeRef, bytes]]:
    """The new subtree hashes to store when leaf ``index`` (already hashed) is appended.

    Reads one left sibling per completed level from ``hashes`` — the log's own storage.
    """
    read = hashes.__getitem__ if isinstance(hashes, Mapping) else hashes
    out: list[tuple[NodeRef, bytes]] = []
    h = entry_hash
    for node in completed_nodes(index):
        if node.level:
            h = node_hash(read(NodeRef(node.level - 1, 2 * node.index)), h)
        out.append((node, h))
    return out


# ---------------------------------------------------------------------------------------------
# Verification (RFC 9162 §2.1.3.2 and §2.1.4.2)


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``proof`` shows the leaf ``leaf_hash`` at ``index`` in the tree ``(size, root)``.

    Returns nothing; raises :class:`ProofError` naming the failed check. Note that what binds
    ``size`` to ``root`` is the signed checkpoint: the verifier trusts that pairing.
    """
    if index < 0 or size < 0:
        raise ProofError(f"index {index} and size {size} must not be negative")
    if index >= size:
        raise ProofError(f"leaf index {index} is out of range for tree size {size}")
    _check_hash("leaf hash", leaf_hash)
    _check_hash("root hash", root)
    _check_proof_hashes(proof)
    want = _inclusion_proof_len(index, size)
    if len(proof) != want:
        raise ProofError(
            f"inclusion proof has {len(proof)} hashes, but leaf {index} of a tree of size {size} needs {want}"
        )
    r = leaf_hash
    for p, on_left in _walk_up(index, size - 1, proof):
        r = node_hash(p, r) if on_left else node_hash(r, p)
    if r != root:
        raise ProofError(
            f"inclusion proof for leaf {index} gives root {r.hex()}, "
            f"but the tree of size {size} has root {root.hex()}"
        )


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Check that ``proof`` shows the tree ``(size1, root1)`` is a prefix of ``(size2, root2)``.

    Edge cases as transparency-dev/merkle's ``verify.go``: a log never shrinks (``size1 >
    size2`` fails); equal sizes need an empty proof and equal roots; from size 0 the only proof
    is the empty one, and it always holds — every tree extends the empty tree (``root1`` is not
    compared with :data:`EMPTY_ROOT`, as in ``verify.go``). Unlike ``verify.go``, every hash must
    be 32 bytes, so a truncated or empty "root" can never match itself.
    """
    if size1 < 0 or size2 < 0:
        raise ProofError(f"tree sizes {size1} and {size2} must not be negative")
    if size1 > size2:
        raise ProofError(f"tree size {size1} is larger than {size2}: a log never shrinks")
    _check_hash("root1 (older tree)", root1)
    _check_hash("root2 (newer tree)", root2)
    _check_proof_hashes(proof)
    if size1 == size2 or size1 == 0:
        if proof:
            raise ProofError(
                f"a consistency proof from size {size1} to {size2} must be empty, got {len(proof)} hashes"
            )
        if size1 == size2 and root1 != root2:
            raise ProofError(
                f"two different roots for the same tree size {size1}: {root1.hex()} and {root2.hex()}"
            )
        return
    want = _consistency_proof_len(size1, size2)
    if len(proof) != want:
        raise ProofError(
            f"consistency proof has {len(proof)} hashes, but size {size1} to {size2} needs {want}"
        )
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        # The old tree is one perfect subtree of the new: its root is the proof's first node.
        path.insert(0, root1)
    # Start at the largest perfect subtree ending at size1: drop its levels from both counters.
    fn = size1 - 1
    shift = (~fn & (fn + 1)).bit_length() - 1  # trailing 1 bits of fn
    fr = sr = path[0]
    for c, on_left in _walk_up(fn >> shift, (size2 - 1) >> shift, path[1:]):
        if on_left:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
        else:  # a node to the right of the old tree: part of the new tree only
            sr = node_hash(sr, c)
    if fr != root1:
        raise ProofError(
            f"consistency proof gives root {fr.hex()} for size {size1}, but the older tree has {root1.hex()}"
        )
    if sr != root2:
        raise ProofError(
            f"consistency proof gives root {sr.hex()} for size {size2}, but the newer tree has {root2.hex()}"
        )


def _walk_up(fn: int, sn: int, path: Sequence[bytes]) -> Iterator[tuple[bytes, bool]]:
    """RFC 9162's walk from a node to the root: each path hash, and whether it joins on the left.

    ``fn`` is the node's index and ``sn`` the last node's on the same level. A hash joins on the
    left when the node is a right child, or when it is the last node on its level (the right
    border), where the levels without a right sibling are skipped.
    """
    for p in path:
        if sn == 0:  # pragma: no cover - unreachable after the callers' length checks
            raise ProofError("proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            yield p, True
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            yield p, False
        fn >>= 1
        sn >>= 1
    if sn != 0:  # pragma: no cover - as above
        raise ProofError("proof is shorter than the path to the root")


def _inclusion_proof_len(index: int, size: int) -> int:
    # Below the level where the paths to `index` and to the last leaf part, every level has a
    # sibling ("inner"); above it, only levels where `index` is a right child do ("border").
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _consistency_proof_len(size1: int, size2: int) -> int:
    # The proof is the inclusion path, in the new tree, of the largest perfect subtree ending at
    # size1 — preceded by that subtree's hash unless it is the whole old tree (size1 a power of
    # two), which the verifier already has as root1.
    level = (size1 & -size1).bit_length() - 1
    index = (size1 - 1) >> level
    return _inclusion_proof_len(index, ((size2 - 1) >> level) + 1) + (1 if index else 0)


def _check_hash(what: str, h: bytes) -> None:
    if not isinstance(h, bytes | bytearray) or len(h) != HASH_SIZE:
        size = len(h) if isinstance(h, bytes | bytearray) else type(h).__name__
        raise ProofError(f"{what} must be a {HASH_SIZE}-byte hash, got {size}")


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for i, h in enumerate(proof):
        _check_hash(f"proof[{i}]", h)
