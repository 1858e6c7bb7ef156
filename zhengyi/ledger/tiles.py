"""C2SP tlog-tiles (c2sp.org/tlog-tiles): the static files a tiled log serves, as pure helpers.

Pure, no Django. A tiled log serves its Merkle tree as *tiles* — 256 consecutive hashes from one
level of the tree, 8 levels apart — and its entries as *entry bundles*:

* ``tile/<L>/<N>[.p/<W>]``: tile level L holds tree level 8·L. Its N-th tile holds the hashes of
  nodes ``(8L, 256N … 256N + 255)``; a full tile is 256 hashes (8,192 bytes), a *partial* one
  (``.p/W``) its first W. The tree levels between are recomputed by hashing within a tile.
* ``tile/entries/<N>[.p/<W>]``: the entries matching level-0 tile N, each prefixed by its
  length as a big-endian uint16.

N is written in 3-digit groups, all but the last prefixed ``x`` (1234067 → ``x001/x234/067``).
A :class:`Tile` uses level ``ENTRIES`` (-1) for an entry bundle, as Go's ``sumdb/tlog`` does.

Subtree hashes map onto tiles as Go's ``tlog.TileForIndex`` / ``tlog.HashFromTile`` map stored
hashes: node ``(level, index)`` is read from tile level ``level // 8`` — directly when ``level``
is a multiple of 8, else as the root of the ``2 ** (level % 8)`` hashes below it in that tile.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from zhengyi.ledger import merkle
from zhengyi.ledger.merkle import HASH_SIZE, HashSource, NodeRef

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes in a full tile
MAX_LEVEL = 63
ENTRIES = -1  # the "level" of an entry bundle
MAX_ENTRY_SIZE = 0xFFFF  # the uint16 length prefix
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_GROUP = re.compile(r"[0-9]{3}")


class TilePathError(ValueError):
    """A path that is not a canonical tlog-tiles tile or entry-bundle path."""


class TileDataError(ValueError):
    """Tile or entry-bundle bytes that do not have the shape their path promises."""


@dataclass(frozen=True, order=True)
class Tile:
    """One tile (``level`` 0–63) or entry bundle (``level`` :data:`ENTRIES`), ``width`` 1–256."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not ENTRIES <= self.level <= MAX_LEVEL:
            raise ValueError(f"tile level {self.level} is outside 0..{MAX_LEVEL} (or {ENTRIES} for entries)")
        if self.index < 0:
            raise ValueError(f"tile index {self.index} is negative")
        if not 1 <= self.width <= TILE_WIDTH:
            raise ValueError(f"tile width {self.width} is outside 1..{TILE_WIDTH}")

    @property
    def is_entries(self) -> bool:
        return self.level == ENTRIES

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        level = "entries" if self.is_entries else str(self.level)
        suffix = f".p/{self.width}" if self.is_partial else ""
        return f"tile/{level}/{format_index(self.index)}{suffix}"

    def nodes(self) -> list[NodeRef]:
        """The subtrees whose hashes this tile holds (for a bundle, the leaves of its entries)."""
        tree_level = TILE_HEIGHT * max(self.level, 0)
        first = self.index * TILE_WIDTH
        return [NodeRef(tree_level, first + j) for j in range(self.width)]


def format_index(index: int) -> str:
    """N in 3-digit groups, all but the last prefixed ``x``: 1234067 → ``x001/x234/067``."""
    if index < 0:
        raise ValueError(f"tile index {index} is negative")
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def parse_tile_path(path: str) -> Tile:
    """Parse ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``, accepting only the canonical form."""
    if not path.startswith("tile/"):
        raise TilePathError(f"{path!r}: a tile path starts with 'tile/'")
    level_text, sep, rest = path[len("tile/") :].partition("/")
    if not sep or not rest:
        raise TilePathError(f"{path!r}: no tile index after the level")
    level = ENTRIES if level_text == "entries" else _decimal(path, level_text, "level", 0, MAX_LEVEL)
    width = TILE_WIDTH
    index_text, partial, width_text = rest.partition(".p/")
    if partial:
        width = _decimal(path, width_text, "partial width", 1, TILE_WIDTH - 1)
    groups = index_text.split("/")
    for position, group in enumerate(groups):
        last = position == len(groups) - 1
        digits = group if last else group.removeprefix("x")
        if (not last and not group.startswith("x")) or not _GROUP.fullmatch(digits):
            want = "3 digits" if last else "'x' and 3 digits"
            raise TilePathError(f"{path!r}: index element {group!r} must be {want}")
    index = int("".join(g.removeprefix("x") for g in groups))
    if format_index(index) != index_text:
        raise TilePathError(
            f"{path!r}: index {index} is written {format_index(index)!r}, with no leading zero groups"
        )
    return Tile(level, index, width)


def _decimal(path: str, text: str, what: str, low: int, high: int) -> int:
    if not _DECIMAL.fullmatch(text):
        raise TilePathError(f"{path!r}: {what} {text!r} is not a decimal number without leading zeros")
    value = int(text)
    if not low <= value <= high:
        raise TilePathError(f"{path!r}: {what} {value} is outside {low}..{high}")
    return value


# ---------------------------------------------------------------------------------------------
# Which tiles a tree has


def _row_tiles(hashes_in_row: int, level: int) -> Iterator[Tile]:
    full, rest = divmod(hashes_in_row, TILE_WIDTH)
    for n in range(full):
        yield Tile(level, n)
    if rest:
        yield Tile(level, full, rest)


def tiles_for_size(size: int) -> list[Tile]:
    """Every hash tile of the tree of ``size``, full and partial, by level.

    E.g. size 70,000: 273 full level-0 tiles and one of width 112, one full level-1 tile and
    one of width 17, and a level-2 tile of width 1 (the spec's own example).
    """
    if size < 0:
        raise ValueError(f"tree size {size} is negative")
    tiles: list[Tile] = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        tiles.extend(_row_tiles(size >> (TILE_HEIGHT * level), level))
        level += 1
    return tiles


def entry_bundles_for_size(size: int) -> list[Tile]:
    """Every entry bundle of the tree of ``size``: one per level-0 tile."""
    if size < 0:
        raise ValueError(f"tree size {size} is negative")
    return [Tile(ENTRIES, t.index, t.width) for t in _row_tiles(size, ENTRIES)]


def _changed_tiles(old_size: int, new_size: int, height: int) -> Iterator[tuple[int, int, int]]:
    # (level, index, width) of every tile that differs between the two sizes; `height` is a
    # parameter only so Go's own NewTiles test vectors (height 10) can check the arithmetic.
    width_full = 1 << height
    level = 0
    while True:
        old_row, new_row = old_size >> (height * level), new_size >> (height * level)
        if new_row == old_row:
            return
        # Every tile from the one the old row ended in to the new row's last has grown.
        for n in range(old_row >> height, ((new_row - 1) >> height) + 1):
            yield level, n, min(width_full, new_row - n * width_full)
        level += 1


def new_tiles(old_size: int, new_size: int) -> list[Tile]:
    """The hash tiles to publish when the tree grows from ``old_size`` to ``new_size``."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"a tree cannot grow from size {old_size} to {new_size}")
    return [Tile(level, n, w) for level, n, w in _changed_tiles(old_size, new_size, TILE_HEIGHT)]


# ---------------------------------------------------------------------------------------------
# Reading subtree hashes out of tiles


def tile_for_node(node: NodeRef, size: int | None = None) -> tuple[Tile, int, int]:
    """The tile holding subtree ``node``, and the range ``[start, end)`` of its hashes that it spans.

    Without ``size`` the tile is the narrowest one containing the node (Go's TileForIndex);
    with it, the tile as published for a tree of that size, which must contain the node.
    """
    tile_level, within = divmod(node.level, TILE_HEIGHT)
    if tile_level > MAX_LEVEL or node.index < 0:
        raise ValueError(f"no tile holds node {node}")
    first = node.index << within
    index, start = divmod(first, TILE_WIDTH)
    end = start + (1 << within)
    width = end
    if size is not None:
        if node.end > size:
            raise ValueError(f"node {node} covers leaves up to {node.end}, beyond tree size {size}")
        width = min(TILE_WIDTH, (size >> (TILE_HEIGHT * tile_level)) - index * TILE_WIDTH)
    return Tile(tile_level, index, width), start, end


def hash_from_tile(tile: Tile, data: bytes, node: NodeRef) -> bytes:
    """The hash of subtree ``node`` from the bytes of ``tile`` (Go's HashFromTile)."""
    want, start, end = tile_for_node(node)
    if tile.is_entries or (tile.level, tile.index) != (want.level, want.index) or tile.width < end:
        raise ValueError(f"tile {tile.path} does not hold node {node} (it is in {want.path})")
    hashes = parse_tile_data(data, tile.width)
    return merkle.root(hashes[start:end])


def read_node(node: NodeRef, size: int, read_tile: Callable[[Tile], bytes]) -> bytes:
    """The hash of ``node`` in the tree of ``size``, reading the one tile it lives in."""
    tile, _, _ = tile_for_node(node, size)
    return hash_from_tile(tile, read_tile(tile), node)


# ---------------------------------------------------------------------------------------------
# Tile data and entry bundles


def tile_data(hashes: Sequence[bytes]) -> bytes:
    """A tile's bytes: its hashes, concatenated."""
    if not 1 <= len(hashes) <= TILE_WIDTH:
        raise ValueError(f"a tile holds 1..{TILE_WIDTH} hashes, not {len(hashes)}")
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise ValueError(f"a tile hash is {HASH_SIZE} bytes, got {len(h)}")
    return b"".join(hashes)


def build_tile(tile: Tile, hashes: HashSource) -> bytes:
    """A hash tile's bytes from stored subtree hashes (a mapping or a reader function)."""
    if tile.is_entries:
        raise ValueError("an entry bundle is built from entries, with encode_entry_bundle")
    read = hashes.__getitem__ if isinstance(hashes, Mapping) else hashes
    return tile_data([read(node) for node in tile.nodes()])


def parse_tile_data(data: bytes, width: int | None = None) -> list[bytes]:
    """Split tile bytes into hashes; ``width``, if given, is how many there must be."""
    count, extra = divmod(len(data), HASH_SIZE)
    if extra or not 1 <= count <= TILE_WIDTH:
        raise TileDataError(
            f"tile data is {len(data)} bytes, not 1..{TILE_WIDTH} whole {HASH_SIZE}-byte hashes"
        )
    if width is not None and count != width:
        raise TileDataError(f"tile data holds {count} hashes, the tile's width is {width}")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def encode_entry_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry prefixed by its length as a big-endian uint16."""
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise ValueError(f"an entry bundle holds 1..{TILE_WIDTH} entries, not {len(entries)}")
    parts: list[bytes] = []
    for i, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise ValueError(f"entry {i} is {len(entry)} bytes; a bundle allows at most {MAX_ENTRY_SIZE}")
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(entry)
    return b"".join(parts)


def parse_entry_bundle(data: bytes, width: int | None = None) -> list[bytes]:
    """Split an entry bundle into its entries, rejecting truncation and trailing bytes."""
    entries: list[bytes] = []
    offset = 0
    while offset < len(data):
        if len(entries) == TILE_WIDTH:
            raise TileDataError(f"entry bundle has more than {TILE_WIDTH} entries")
        if offset + 2 > len(data):
            raise TileDataError(f"entry bundle ends inside the length of entry {len(entries)}")
        length = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + length > len(data):
            raise TileDataError(
                f"entry {len(entries)} claims {length} bytes, only {len(data) - offset} remain"
            )
        entries.append(data[offset : offset + length])
        offset += length
    if not entries:
        raise TileDataError("entry bundle is empty")
    if width is not None and len(entries) != width:
        raise TileDataError(f"entry bundle holds {len(entries)} entries, its width is {width}")
    return entries
