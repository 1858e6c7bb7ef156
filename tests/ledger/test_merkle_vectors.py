"""The Merkle core against transparency-dev/merkle's published vectors (see tests/ledger/vectors/).

Three sources: ``testonly/constants.go`` (leaves, every subtree hash, every root up to size 8),
``proof/verify_test.go`` (proofs, plus the corruptions every proof must fail under, and the
edge-case tables), ``proof/proof_test.go`` (which stored nodes make up each proof) and the JSON
probes of ``testdata/`` that the current ``verify_test.go`` reads.
"""

from __future__ import annotations

import hashlib

import pytest

from tests.ledger.support import b64s, fails, hexes, load
from zhengyi.ledger import merkle
from zhengyi.ledger.merkle import NodeRef, ProofError

CONSTANTS = load("transparency_dev_merkle_constants.json")
VERIFY = load("transparency_dev_merkle_verify_test.json")
NODES = load("transparency_dev_merkle_proof_nodes.json")
PROBES = load("transparency_dev_merkle_probes.json")

LEAVES = hexes(CONSTANTS["leaf_inputs"])
LEAF_HASHES = [merkle.leaf_hash(x) for x in LEAVES]
ROOTS = hexes(CONSTANTS["root_hashes"])  # by size, from 0
SOME_HASH = bytes.fromhex(VERIFY["sha256_some_hash"])
EMPTY_TREE_HASH = bytes.fromhex(VERIFY["sha256_empty_tree_hash"])
U64 = 2**64  # Go's index arithmetic wraps: leafIndex - 1 of 0 is 2**64 - 1


def test_roots_for_every_size() -> None:
    assert hexes(VERIFY["roots"]) == ROOTS[1:]
    assert hexes(VERIFY["leaves"]) == LEAVES
    assert merkle.EMPTY_ROOT == ROOTS[0] == bytes.fromhex(CONSTANTS["empty_root_hash"]) == EMPTY_TREE_HASH
    for size, want in enumerate(ROOTS):
        assert merkle.root(LEAF_HASHES[:size]) == want, f"size {size}"


def test_every_subtree_hash() -> None:
    node_hashes = [hexes(level) for level in CONSTANTS["node_hashes"]]
    for level, row in enumerate(node_hashes):
        for index, want in enumerate(row):
            node = NodeRef(level, index)
            assert merkle.root(LEAF_HASHES[node.begin : node.end]) == want, node


def test_compact_trees_are_root_nodes() -> None:
    for size, refs in enumerate(CONSTANTS["compact_trees"]):
        assert merkle.root_nodes(size) == tuple(NodeRef(level, index) for level, index in refs)


# ---------------------------------------------------------------------------------------------
# verify_test.go: proofs and their corruptions


def inclusion_corruptions(index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes) -> list[tuple]:
    """Go's corruptInclusionProof: (index, size, root, leaf, proof, description)."""
    probes = [
        ((index - 1) % U64, size, root, leaf, proof, "leafIndex - 1"),
        (index + 1, size, root, leaf, proof, "leafIndex + 1"),
        (index ^ 2, size, root, leaf, proof, "leafIndex ^ 2"),
        (index, size * 2, root, leaf, proof, "treeSize * 2"),
        (index, size // 2, root, leaf, proof, "treeSize / 2"),
        (index, size, root, b"WrongLeaf", proof, "wrong leaf"),
        (index, size, EMPTY_TREE_HASH, leaf, proof, "empty root"),
        (index, size, SOME_HASH, leaf, proof, "random root"),
        (index, size, root, leaf, [*proof, b""], "trailing garbage"),
        (index, size, root, leaf, [*proof, root], "trailing root"),
        (index, size, root, leaf, [b"", *proof], "preceding garbage"),
        (index, size, root, leaf, [root, *proof], "preceding root"),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
        probes.append((index, size, root, leaf, wrong, f"modified proof[{i}] bit 3"))
    if proof:
        probes.append((index, size, root, leaf, proof[:-1], "removed component"))
    if len(proof) > 1:
        probes.append((index, size, root, leaf, [proof[0], SOME_HASH, *proof[1:]], "inserted component"))
    return probes


def consistency_corruptions(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> list[tuple]:
    """Go's corruptConsistencyProof: (size1, size2, root1, root2, proof, description)."""
    probes = [
        ((size1 - 1) % U64, size2, root1, root2, proof, "size1 - 1"),
        (size1 + 1, size2, root1, root2, proof, "size1 + 1"),
        (size1 ^ 2, size2, root1, root2, proof, "size1 ^ 2"),
        (size1, size2 * 2, root1, root2, proof, "size2 * 2"),
        (size1, size2 // 2, root1, root2, proof, "size2 / 2"),
        (size1, size2, b"WrongRoot", root2, proof, "wrong root1"),
        (size1, size2, root1, b"WrongRoot", proof, "wrong root2"),
        (size1, size2, root2, root1, proof, "swapped roots"),
        (size1, size2, root1, root2, [], "empty proof"),
        (size1, size2, root1, root2, [*proof, b""], "trailing garbage"),
        (size1, size2, root1, root2, [*proof, root1], "trailing root1"),
        (size1, size2, root1, root2, [*proof, root2], "trailing root2"),
        (size1, size2, root1, root2, [b"", *proof], "preceding garbage"),
        (size1, size2, root1, root2, [root1, *proof], "preceding root1"),
        (size1, size2, root1, root2, [root2, *proof], "preceding root2"),
        (size1, size2, root1, root2, [proof[0], *proof], "preceding proof[0]"),
        (size1, size2, root1, root2, proof[:-1], "truncated proof"),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = bytes([wrong[i][0] ^ 16]) + wrong[i][1:]
        probes.append((size1, size2, root1, root2, wrong, f"modified proof[{i}] bit 4"))
    return probes


@pytest.mark.parametrize(
    "vector", VERIFY["inclusion_proofs"][1:], ids=lambda v: f"{v['leaf']}-of-{v['size']}"
)
def test_published_inclusion_proofs(vector: dict) -> None:
    index, size, proof = vector["leaf"] - 1, vector["size"], hexes(vector["proof"])
    leaf, root = LEAF_HASHES[index], ROOTS[size]
    assert merkle.inclusion_proof(index, size, LEAF_HASHES) == proof
    merkle.verify_inclusion(leaf, index, size, proof, root)
    accepted = [
        desc
        for i, s, r, lf, p, desc in inclusion_corruptions(index, size, proof, root, leaf)
        if not fails(merkle.verify_inclusion, lf, i, s, p, r)
    ]
    assert accepted == []


@pytest.mark.parametrize(
    "vector", VERIFY["consistency_proofs"], ids=lambda v: f"{v['size1']}-to-{v['size2']}"
)
def test_published_consistency_proofs(vector: dict) -> None:
    size1, size2, proof = vector["size1"], vector["size2"], hexes(vector["proof"])
    root1, root2 = ROOTS[size1], ROOTS[size2]
    assert merkle.consistency_proof(size1, size2, LEAF_HASHES) == proof
    merkle.verify_consistency(size1, size2, proof, root1, root2)
    if not proof:  # Go corrupts only the non-trivial proofs
        return
    accepted = [
        desc
        for s1, s2, r1, r2, p, desc in consistency_corruptions(size1, size2, root1, root2, proof)
        if not fails(merkle.verify_consistency, s1, s2, p, r1, r2)
    ]
    assert accepted == []


def test_invalid_inclusion_vector_is_rejected() -> None:
    # Go's inclusionProofs[0] is {0, 0, nil}: no leaf is in the empty tree.
    with pytest.raises(ValueError, match="not in a tree of size 0"):
        merkle.inclusion_proof(0, 0, LEAF_HASHES)


def test_verify_inclusion_single_entry() -> None:
    named = {"hash": merkle.leaf_hash(b"data"), "empty": b""}
    for row in VERIFY["verify_inclusion_single_entry"]:
        leaf, root = named[row["leaf"]], named[row["root"]]
        assert fails(merkle.verify_inclusion, leaf, 0, 1, [], root) == row["wantErr"]


def test_verify_inclusion_bad_probes() -> None:
    for probe in VERIFY["verify_inclusion_bad_probes"]["probes"]:
        index, size = probe["index"], probe["size"]
        for leaf, root in ((SOME_HASH, b""), (b"", EMPTY_TREE_HASH), (SOME_HASH, EMPTY_TREE_HASH)):
            with pytest.raises(ProofError):
                merkle.verify_inclusion(leaf, index, size, [], root)


def test_verify_consistency_edge_table() -> None:
    # Go's table uses 12-byte stand-in roots ("don't care 1"); this verifier wants 32-byte hashes
    # everywhere, so first: the short ones are always refused…
    short = {"root1": b"don't care 1", "root2": b"don't care 2"}
    # …then the table holds as Go states it with 32-byte stand-ins.
    full = {
        "root1": hashlib.sha256(b"don't care 1").digest(),
        "root2": hashlib.sha256(b"don't care 2").digest(),
    }
    proofs = {"proof1": [], "proof2": [EMPTY_TREE_HASH]}
    for row in VERIFY["verify_consistency"]:
        s1, s2, proof = row["size1"], row["size2"], proofs[row["proof"]]
        for stand_ins in (short, full):
            named = {**stand_ins, "empty_tree_hash": EMPTY_TREE_HASH}
            r1, r2 = named[row["root1"]], named[row["root2"]]
            uses_short = stand_ins is short and {row["root1"], row["root2"]} & {"root1", "root2"}
            got = fails(merkle.verify_consistency, s1, s2, proof, r1, r2)
            assert got == (True if uses_short else row["wantErr"]), row


# ---------------------------------------------------------------------------------------------
# testdata/*.json probes, as published


@pytest.mark.parametrize("entry", PROBES["files"], ids=lambda e: e["path"].removeprefix("testdata/"))
def test_published_probe_files(entry: dict) -> None:
    p = entry["probe"]
    if "leafIdx" in p:
        leaf, root = b64s([p["leafHash"], p["root"]])
        failed = fails(merkle.verify_inclusion, leaf, p["leafIdx"], p["treeSize"], b64s(p["proof"]), root)
    else:
        root1, root2 = b64s([p["root1"], p["root2"]])
        failed = fails(merkle.verify_consistency, p["size1"], p["size2"], b64s(p["proof"]), root1, root2)
    assert failed == p["wantErr"], p["desc"]


# ---------------------------------------------------------------------------------------------
# proof_test.go: which stored nodes make up a proof


def go_elements(row: dict) -> list[tuple[NodeRef, ...]]:
    """Go's flat ID list with its rehash range → one tuple of nodes per proof element.

    Go lists an ephemeral node's parts lowest level first and hashes them right to left; our
    elements list them left to right (highest level first), so the range is reversed.
    """
    ids = [NodeRef(level, index) for level, index in row["ids"]]
    begin, end = row.get("rehash", [0, 0])
    if begin == end:
        return [(node,) for node in ids]
    return [(n,) for n in ids[:begin]] + [tuple(reversed(ids[begin:end]))] + [(n,) for n in ids[end:]]


NODE_CASES = [("inclusion", (row["index"], row["size"]), row) for row in NODES["inclusion"]] + [
    ("consistency", (row["size1"], row["size2"]), row) for row in NODES["consistency"]
]


@pytest.mark.parametrize(
    ("kind", "args", "row"), NODE_CASES, ids=lambda x: str(x) if isinstance(x, str) else ""
)
def test_proof_nodes_match_go(kind: str, args: tuple[int, int], row: dict) -> None:
    nodes_for = merkle.inclusion_proof_nodes if kind == "inclusion" else merkle.consistency_proof_nodes
    if row.get("error"):
        with pytest.raises(ValueError):
            nodes_for(*args)
        return
    assert nodes_for(*args) == go_elements(row)
