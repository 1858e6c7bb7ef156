"""Tiles (c2sp.org/tlog-tiles): paths, which tiles a tree has, and reading subtree hashes from them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ledger.support import load
from zhengyi.ledger import merkle, tiles
from zhengyi.ledger.merkle import NodeRef
from zhengyi.ledger.tiles import ENTRIES, Tile, TileDataError, TilePathError

TLOG = load("golang_mod_sumdb_tlog.json")
C2SP = load("c2sp_examples.json")


def c2sp_path(go_path: str, go_height: int) -> str:
    """Go's tile/<H>/<L>/<N>[.p/<W>] → C2SP's tile/<L>/<N>[.p/<W>] ('data' → 'entries')."""
    prefix, height, rest = go_path.split("/", 2)
    assert (prefix, int(height)) == ("tile", go_height)
    if rest.startswith("data/"):
        rest = "entries/" + rest.removeprefix("data/")
    return "tile/" + rest


def test_go_tile_paths() -> None:
    for row in TLOG["tile_paths"]:
        go = row["tile"]
        if go is None:
            path = "tile/" + row["path"].split("/", 2)[2]  # drop Go's height element
            with pytest.raises(TilePathError):
                tiles.parse_tile_path(path)
            continue
        path = c2sp_path(row["path"], go["H"])
        full = go["W"] == 1 << go["H"]
        tile = Tile(go["L"], go["N"], tiles.TILE_WIDTH if full else go["W"])
        assert tiles.parse_tile_path(path) == tile
        assert tile.path == path


def test_c2sp_examples() -> None:
    example = C2SP["tiles"]
    assert tiles.format_index(example["index_encoding"]["index"]) == example["index_encoding"]["path"]
    size_70000 = tiles.tiles_for_size(70_000)
    want = C2SP["tiles"]["size_70000"]
    assert sum(1 for t in size_70000 if t.level == 0 and not t.is_partial) == want["level0_full"]
    assert [t.width for t in size_70000 if t.is_partial] == [
        want["level0_partial_width"],
        want["level1_partial_width"],
        want["level2_partial_width"],
    ]
    assert sum(1 for t in size_70000 if t.level == 1 and not t.is_partial) == want["level1_full"]
    assert tiles.tiles_for_size(256) == [Tile(0, 0), Tile(1, 0, 1)]


@pytest.mark.parametrize(
    ("index", "path"),
    [
        (0, "000"),
        (1, "001"),
        (999, "999"),
        (1000, "x001/000"),
        (1234067, "x001/x234/067"),
        (10**9, "x001/x000/x000/000"),
    ],
)
def test_index_encoding(index: int, path: str) -> None:
    assert tiles.format_index(index) == path
    assert tiles.parse_tile_path(f"tile/0/{path}") == Tile(0, index)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "tile",
        "tile/",
        "tile/0",
        "tile/0/",
        "tiles/0/000",
        "/tile/0/000",
        "tile/64/000",  # levels stop at 63
        "tile/00/000",  # no leading zeros in the level
        "tile/-1/000",
        "tile/data/000",  # Go's name; C2SP says entries
        "tile/0/00",
        "tile/0/0000",
        "tile/0/x001",  # the last element has no x
        "tile/0/001/002",  # the others must
        "tile/0/x000/001",  # no leading zero groups
        "tile/0/x001/x02/003",
        "tile/0/001.p/0",
        "tile/0/001.p/256",  # a 256-wide tile is full: no .p
        "tile/0/001.p/05",
        "tile/0/001.p/",
        "tile/0/001.p/5/6",
        "tile/0/001.p/x",
        "tile/0/abc",
        "tile/0/001/",
        "tile/entries/x001",
    ],
)
def test_malformed_paths(path: str) -> None:
    with pytest.raises(TilePathError, match=r"tile path starts|tile index|level|element|leading zero|width"):
        tiles.parse_tile_path(path)


@settings(max_examples=200, deadline=None, database=None)
@given(level=st.integers(ENTRIES, 63), index=st.integers(0, 2**63), width=st.integers(1, 256))
def test_path_round_trip(level: int, index: int, width: int) -> None:
    tile = Tile(level, index, width)
    assert tiles.parse_tile_path(tile.path) == tile


def test_go_new_tiles_counts() -> None:
    # Go's NewTiles at tile height 10, through the same arithmetic new_tiles uses at height 8.
    height = TLOG["new_tiles"]["height"]
    for case in TLOG["new_tiles"]["cases"]:
        changed = list(tiles._changed_tiles(case["old"], case["new"], height))
        assert len(changed) == case["want"], case


def test_new_tiles_is_what_changed() -> None:
    # Growing from old to new publishes exactly the tiles whose content differs.
    for old, new in [
        (0, 1),
        (255, 256),
        (256, 257),
        (1, 70_000),
        (65_535, 65_536),
        (65_536, 65_537),
        (300, 300),
    ]:
        before, after = set(tiles.tiles_for_size(old)), set(tiles.tiles_for_size(new))
        assert set(tiles.new_tiles(old, new)) == after - before, (old, new)
    with pytest.raises(ValueError):
        tiles.new_tiles(5, 4)


def test_entry_bundles_for_size() -> None:
    assert tiles.entry_bundles_for_size(0) == []
    assert tiles.entry_bundles_for_size(513) == [Tile(ENTRIES, 0), Tile(ENTRIES, 1), Tile(ENTRIES, 2, 1)]
    assert Tile(ENTRIES, 2, 1).path == "tile/entries/002.p/1"


def test_tile_for_node() -> None:
    assert tiles.tile_for_node(NodeRef(0, 0)) == (Tile(0, 0, 1), 0, 1)
    assert tiles.tile_for_node(NodeRef(3, 33)) == (Tile(0, 1, 16), 8, 16)  # leaves 264..271
    assert tiles.tile_for_node(NodeRef(8, 5)) == (Tile(1, 0, 6), 5, 6)  # level 8 is tile level 1
    assert tiles.tile_for_node(NodeRef(8, 5), size=70_000) == (Tile(1, 0, 256), 5, 6)
    assert tiles.tile_for_node(NodeRef(0, 69_999), size=70_000) == (Tile(0, 273, 112), 111, 112)
    with pytest.raises(ValueError, match="beyond tree size"):
        tiles.tile_for_node(NodeRef(1, 34_999), size=69_999)


def test_hashes_read_from_tiles_equal_stored_hashes() -> None:
    size = 4_200  # two tile levels (level 1 starts at 256 leaves), and quick
    leaves = [merkle.leaf_hash(b"%d" % i) for i in range(size)]
    store: dict[NodeRef, bytes] = {}
    for i, h in enumerate(leaves):
        store.update(merkle.hashes_for_append(i, h, store))
    published = {t: tiles.build_tile(t, store) for t in tiles.tiles_for_size(size)}
    reads: list[Tile] = []

    def read_tile(tile: Tile) -> bytes:
        reads.append(tile)
        return published[tile]

    for node, want in store.items():
        assert tiles.read_node(node, size, read_tile) == want, node
    # A proof costs one tile read per element node, and is the direct proof.
    reads.clear()
    nodes = merkle.inclusion_proof_nodes(1234, size)
    proof = merkle.proof_from_hashes(nodes, lambda n: tiles.read_node(n, size, read_tile))
    assert proof == merkle.inclusion_proof(1234, size, leaves)
    assert len(reads) == sum(len(e) for e in nodes)
    assert merkle.root_from_hashes(size, lambda n: tiles.read_node(n, size, read_tile)) == merkle.root(leaves)


def test_hash_from_the_wrong_tile() -> None:
    data = tiles.tile_data([merkle.leaf_hash(b"x")] * 4)
    with pytest.raises(ValueError, match="does not hold node"):
        tiles.hash_from_tile(Tile(0, 1, 4), data, NodeRef(0, 2))
    with pytest.raises(ValueError, match="does not hold node"):
        tiles.hash_from_tile(Tile(0, 0, 4), data, NodeRef(0, 5))
    with pytest.raises(TileDataError, match="width is 5"):
        tiles.hash_from_tile(Tile(0, 0, 5), data, NodeRef(0, 2))


def test_tile_data() -> None:
    hashes = [merkle.leaf_hash(bytes([i])) for i in range(3)]
    data = tiles.tile_data(hashes)
    assert data == b"".join(hashes) and len(data) == 96
    assert tiles.parse_tile_data(data, 3) == hashes
    for bad in (b"", data[:-1], data * 86):
        with pytest.raises(TileDataError):
            tiles.parse_tile_data(bad)
    with pytest.raises(ValueError):
        tiles.tile_data([b"short"])
    with pytest.raises(ValueError):
        tiles.build_tile(Tile(ENTRIES, 0), {})


def test_entry_bundles() -> None:
    entries = [b"", b"a", "倒查跟踪".encode(), bytes(65_535)]
    bundle = tiles.encode_entry_bundle(entries)
    assert bundle[:5] == b"\x00\x00\x00\x01a"
    assert tiles.parse_entry_bundle(bundle, 4) == entries
    with pytest.raises(TileDataError, match="width is 5"):
        tiles.parse_entry_bundle(bundle, 5)
    for bad, reason in [(b"", "empty"), (b"\x00", "inside the length"), (b"\x00\x05abc", "claims 5 bytes")]:
        with pytest.raises(TileDataError, match=reason):
            tiles.parse_entry_bundle(bad)
    with pytest.raises(TileDataError, match="more than 256"):
        tiles.parse_entry_bundle(b"\x00\x00" * 257)
    with pytest.raises(ValueError, match="at most 65535"):
        tiles.encode_entry_bundle([bytes(65_536)])
    with pytest.raises(ValueError):
        tiles.encode_entry_bundle([])


def test_tile_validation() -> None:
    for args in [(64, 0), (-2, 0), (0, -1), (0, 0, 0), (0, 0, 257)]:
        with pytest.raises(ValueError):
            Tile(*args)
    assert Tile(0, 3).nodes()[0] == NodeRef(0, 768)
    assert Tile(2, 1, 2).nodes() == [NodeRef(16, 256), NodeRef(16, 257)]
