"""Properties of the Merkle core: against the RFC's recursive definitions, and under mutation.

The recursive MTH / PATH / PROOF below are transcribed from RFC 6962 §2.1 as literally as
possible — slow and obviously right — and the fast iterative code must agree with them. Proofs
assembled from stored perfect subtrees must equal the direct ones. Then, for random trees up to
300 leaves: every proof verifies, and every single mutation of a proof, a root, the leaf, the
index or a size makes verification raise :class:`ProofError`.
"""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.ledger.support import fails
from zhengyi.ledger import merkle
from zhengyi.ledger.merkle import NodeRef, ProofError

PROPS = settings(max_examples=20, deadline=None, database=None)


def leaves(n: int, salt: int = 0) -> list[bytes]:
    return [merkle.leaf_hash(b"entry %d/%d" % (salt, i)) for i in range(n)]


# ---------------------------------------------------------------------------------------------
# RFC 6962 §2.1, literally


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]  # d holds leaf hashes already
    k = _k(len(d))
    return merkle.node_hash(mth(d[:k]), mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def rfc_proof(m: int, d: list[bytes]) -> list[bytes]:
    return subproof(m, d, True)


def store_for(hashes: list[bytes]) -> dict[NodeRef, bytes]:
    """What a log stores as it appends: every perfect subtree, via hashes_for_append."""
    store: dict[NodeRef, bytes] = {}
    for i, h in enumerate(hashes):
        store.update(merkle.hashes_for_append(i, h, store))
    return store


# ---------------------------------------------------------------------------------------------
# Exhaustive checks on small trees


def test_fast_code_equals_the_rfc_definitions() -> None:
    d = leaves(40)
    for n in range(0, 41):
        assert merkle.root(d[:n]) == mth(d[:n]), n
        for m in range(n):
            assert merkle.inclusion_proof(m, n, d) == path(m, d[:n]), (m, n)
        for m in range(1, n):
            assert merkle.consistency_proof(m, n, d) == rfc_proof(m, d[:n]), (m, n)


def test_roots_agree_with_pymerkle() -> None:
    # The benches race pymerkle on the same entries and assert equal roots; check that here.
    pymerkle = pytest.importorskip("pymerkle")
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    entries = [b"entry %d" % i for i in range(40)]
    for entry in entries:
        tree.append_entry(entry)
    hashes = [merkle.leaf_hash(e) for e in entries]
    for n in range(1, 41):
        assert tree.get_root(n) == merkle.root(hashes[:n]), n


def test_proofs_from_stored_subtrees_equal_direct_proofs() -> None:
    d = leaves(70)
    store = store_for(d)
    for n in range(0, 71):
        assert merkle.root_from_hashes(n, store) == merkle.root(d[:n])
        assert merkle.root_from_hashes(n, store.__getitem__) == merkle.root(d[:n])  # a reader works too
        for m in range(n):
            nodes = merkle.inclusion_proof_nodes(m, n)
            assert merkle.proof_from_hashes(nodes, store) == merkle.inclusion_proof(m, n, d), (m, n)
        for m in range(0, n + 1):
            nodes = merkle.consistency_proof_nodes(m, n)
            assert merkle.proof_from_hashes(nodes, store) == merkle.consistency_proof(m, n, d), (m, n)


def test_store_holds_exactly_the_perfect_subtrees() -> None:
    d = leaves(100)
    store = store_for(d)
    assert len(store) == 2 * 100 - (100).bit_count()
    for node, h in store.items():
        assert node.end <= 100
        assert h == merkle.root(d[node.begin : node.end]), node
    # Only perfect subtrees are ever read: every node a proof or root needs is stored.
    for n in range(1, 101):
        wanted = {node for element in merkle.consistency_proof_nodes(n // 3, n) for node in element}
        wanted |= set(merkle.root_nodes(n))
        assert wanted <= set(store)


def test_completed_nodes() -> None:
    assert merkle.completed_nodes(0) == [NodeRef(0, 0)]
    assert merkle.completed_nodes(5) == [NodeRef(0, 5), NodeRef(1, 2)]
    assert merkle.completed_nodes(7) == [NodeRef(0, 7), NodeRef(1, 3), NodeRef(2, 1), NodeRef(3, 0)]
    with pytest.raises(ValueError):
        merkle.completed_nodes(-1)


def test_subtree_nodes_refuses_a_range_that_is_no_subtree() -> None:
    assert merkle.subtree_nodes(4, 7) == (NodeRef(1, 2), NodeRef(0, 6))
    for begin, end in ((2, 6), (1, 3), (5, 5), (3, 2)):
        with pytest.raises(ValueError):
            merkle.subtree_nodes(begin, end)


def test_fold() -> None:
    a, b, c = leaves(3)
    assert merkle.fold([a]) == a
    assert merkle.fold([a, b, c]) == merkle.node_hash(a, merkle.node_hash(b, c))
    with pytest.raises(ValueError):
        merkle.fold([])


def test_bad_arguments_to_proof_generation() -> None:
    d = leaves(8)
    with pytest.raises(ValueError):
        merkle.inclusion_proof(8, 8, d)
    with pytest.raises(ValueError):
        merkle.inclusion_proof(0, 9, d)  # not enough leaves
    with pytest.raises(ValueError):
        merkle.consistency_proof(5, 4, d)
    with pytest.raises(ValueError):
        merkle.consistency_proof_nodes(-1, 4)
    with pytest.raises(ValueError):
        merkle.root_nodes(-1)


def test_size_is_bound_by_the_signed_root_not_by_the_proof() -> None:
    # A known property of RFC 9162 verification, pinned so nobody "relies" on the opposite: when
    # two sizes give the same hashing schedule, a proof checks against the *pairing* of size and
    # root it is given. Leaf 0 of the 3-leaf tree: [b, c] is also a well-formed path in a 4-leaf
    # tree, so (size 4, root of size 3) passes. What stops this is that only signed checkpoints
    # pair a size with a root; against the real 4-leaf root it fails.
    d = leaves(4)
    proof = merkle.inclusion_proof(0, 3, d)
    merkle.verify_inclusion(d[0], 0, 4, proof, merkle.root(d[:3]))
    with pytest.raises(ProofError):
        merkle.verify_inclusion(d[0], 0, 4, proof, merkle.root(d[:4]))
    proof = merkle.consistency_proof(2, 3, d)
    merkle.verify_consistency(2, 4, proof, merkle.root(d[:2]), merkle.root(d[:3]))
    with pytest.raises(ProofError):
        merkle.verify_consistency(2, 4, proof, merkle.root(d[:2]), merkle.root(d[:4]))


def test_error_messages_say_what_failed() -> None:
    d = leaves(5)
    r = merkle.root(d)
    proof = merkle.inclusion_proof(1, 5, d)
    with pytest.raises(ProofError, match="out of range"):
        merkle.verify_inclusion(d[1], 5, 5, proof, r)
    with pytest.raises(ProofError, match="needs 3"):
        merkle.verify_inclusion(d[1], 1, 5, proof[:2], r)
    with pytest.raises(ProofError, match="32-byte"):
        merkle.verify_inclusion(d[1][:31], 1, 5, proof, r)
    with pytest.raises(ProofError, match="has root"):
        merkle.verify_inclusion(d[2], 1, 5, proof, r)
    with pytest.raises(ProofError, match="never shrinks"):
        merkle.verify_consistency(5, 4, [], r, r)
    with pytest.raises(ProofError, match="different roots"):
        merkle.verify_consistency(5, 5, [], r, merkle.root(d[:4]))
    with pytest.raises(ProofError, match="must be empty"):
        merkle.verify_consistency(0, 5, [r], merkle.EMPTY_ROOT, r)
    cproof = merkle.consistency_proof(3, 5, d)
    with pytest.raises(ProofError, match="older tree"):
        merkle.verify_consistency(3, 5, cproof, merkle.root(d[:2]), r)
    with pytest.raises(ProofError, match="newer tree"):
        merkle.verify_consistency(3, 5, cproof, merkle.root(d[:3]), merkle.root(d[:4]))


# ---------------------------------------------------------------------------------------------
# Random trees, every proof, every mutation


def flip(h: bytes, bit: int) -> bytes:
    b = bytearray(h)
    b[bit // 8 % len(b)] ^= 1 << (bit % 8)
    return bytes(b)


def proof_mutations(proof: list[bytes], bit: int, extra: bytes) -> list[list[bytes]]:
    """One bit flipped in each element; each element dropped; an element inserted anywhere."""
    out = [[*proof[:i], flip(p, bit + i), *proof[i + 1 :]] for i, p in enumerate(proof)]
    out += [proof[:i] + proof[i + 1 :] for i in range(len(proof))]
    out += [[*proof[:i], extra, *proof[i:]] for i in range(len(proof) + 1)]
    return out


@PROPS
@example(size=300, salt=0, bit=0)
@example(size=256, salt=1, bit=255)
@given(size=st.integers(1, 300), salt=st.integers(0, 2**32), bit=st.integers(0, 255))
def test_every_inclusion_proof_verifies_and_every_mutation_fails(size: int, salt: int, bit: int) -> None:
    rng = random.Random(salt)  # per-index choices: cheaper than a Hypothesis draw each
    d = leaves(size + 40, salt)
    store = store_for(d)
    roots = [merkle.root_from_hashes(n, store) for n in range(size + 41)]
    root = roots[size]
    extra = merkle.leaf_hash(b"extra")
    for index in range(size):
        leaf = d[index]
        proof = merkle.proof_from_hashes(merkle.inclusion_proof_nodes(index, size), store)
        merkle.verify_inclusion(leaf, index, size, proof, root)

        assert fails(merkle.verify_inclusion, leaf, index, size, proof, flip(root, bit))
        assert fails(merkle.verify_inclusion, flip(leaf, bit), index, size, proof, root)
        for wrong in proof_mutations(proof, bit, extra):
            assert fails(merkle.verify_inclusion, leaf, index, size, wrong, root)
        other = rng.choice([i for i in (index - 1, index + 1, index ^ 2, rng.randrange(size + 40)) if i >= 0])
        if other != index:
            assert fails(merkle.verify_inclusion, leaf, other, size, proof, root)
        # Another size, with that size's true root: a proof for one tree is no proof for another.
        resized = rng.choice([n for n in range(index + 1, size + 41) if n != size])
        assert fails(merkle.verify_inclusion, leaf, index, resized, proof, roots[resized])


@PROPS
@example(size2=300, salt=0, bit=0)
@example(size2=257, salt=1, bit=255)
@given(size2=st.integers(1, 300), salt=st.integers(0, 2**32), bit=st.integers(0, 255))
def test_every_consistency_proof_verifies_and_every_mutation_fails(size2: int, salt: int, bit: int) -> None:
    rng = random.Random(salt)
    d = leaves(size2 + 40, salt)
    store = store_for(d)
    roots = [merkle.root_from_hashes(n, store) for n in range(size2 + 41)]
    root2 = roots[size2]
    extra = merkle.leaf_hash(b"extra")
    for size1 in range(size2 + 1):
        root1 = roots[size1]
        proof = merkle.proof_from_hashes(merkle.consistency_proof_nodes(size1, size2), store)
        merkle.verify_consistency(size1, size2, proof, root1, root2)
        if size1 == 0:
            continue  # nothing to prove: the empty proof holds for any later tree
        assert fails(merkle.verify_consistency, size1, size2, proof, flip(root1, bit), root2)
        assert fails(merkle.verify_consistency, size1, size2, proof, root1, flip(root2, bit))
        for wrong in proof_mutations(proof, bit, extra):
            assert fails(merkle.verify_consistency, size1, size2, wrong, root1, root2)
        # Other sizes, each with its true root.
        other1 = rng.randrange(1, size2 + 1)
        if other1 != size1:
            assert fails(merkle.verify_consistency, other1, size2, proof, roots[other1], root2)
        other2 = rng.choice([n for n in range(size1, size2 + 41) if n != size2])
        assert fails(merkle.verify_consistency, size1, other2, proof, root1, roots[other2])


def test_every_size_mutation_in_small_trees() -> None:
    # The random tests draw one other size each; here every other size, for trees up to 24.
    d = leaves(32)
    roots = [merkle.root(d[:n]) for n in range(33)]
    for size in range(1, 25):
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, d)
            for n in range(index + 1, 33):
                if n != size:
                    assert fails(merkle.verify_inclusion, d[index], index, n, proof, roots[n]), (
                        index,
                        size,
                        n,
                    )
        for size1 in range(1, size):
            proof = merkle.consistency_proof(size1, size, d)
            for n1 in range(1, size + 1):
                if n1 != size1:
                    assert fails(merkle.verify_consistency, n1, size, proof, roots[n1], roots[size])
            for n2 in range(size1, 33):
                if n2 != size:
                    assert fails(merkle.verify_consistency, size1, n2, proof, roots[size1], roots[n2])
