"""RFC 9162 (RFC 6962) Merkle tree hashing, proofs and their verification.

Pure Python, no Django: the log's storage is behind `HashReader`, which the caller
implements over whatever it keeps. The unit of storage is the *perfect* node: the
node at level L with index i is MTH(D[i*2^L : (i+1)*2^L]), level 0 being the leaf
hashes. Every hash a proof needs is either a perfect node or the root of a right
edge subtree [a, n), and the latter is folded here from the perfect nodes of the
binary decomposition of n - a. So a caller may store:

- rows: every perfect node at every level (`completed_nodes` gives the new ones
  after each append; about 2n rows in all), or
- C2SP tlog-tiles (https://c2sp.org/tlog-tiles, height 8, 256 hashes a tile):
  only levels 0, 8, 16, ... are stored, in tiles; `TiledReader` turns a tile
  source into a `HashReader` by hashing the levels in between from one tile.
  `tile_path`, `tile_of` and `tiles_for_size` give tile names and shapes.

Each proof function works out all the perfect nodes it needs first (O(log n) of
them), then asks for them in one batch: one `hashes_batch` call when the reader
offers it (`BatchHashReader`, e.g. one SQL query), else one `hashes` call per
contiguous run at each level. Verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2
literally, and refuse every malformed input with False rather than an exception.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT

Node = tuple[int, int]  # (level, index) of a perfect subtree


@runtime_checkable
class HashReader(Protocol):
    def hashes(self, level: int, start: int, end: int) -> list[bytes]:
        """The perfect nodes at `level` with indexes start..end-1, in order."""
        ...


@runtime_checkable
class BatchHashReader(HashReader, Protocol):
    def hashes_batch(self, ranges: Sequence[tuple[int, int, int]]) -> list[list[bytes]]:
        """`hashes(level, start, end)` for each (level, start, end), in one round trip."""
        ...


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


# --- planning: which perfect nodes a hash is made of ---------------------------------


def _split(size: int) -> int:
    """The largest power of two smaller than size (size > 1): RFC 9162's k."""
    return 1 << ((size - 1).bit_length() - 1)


def _range_nodes(start: int, end: int) -> list[Node]:
    """The perfect nodes whose fold is MTH(D[start:end]), left to right.

    Valid for the ranges RFC 9162's recursion produces: start is a multiple of a
    power of two at least end - start, so the binary decomposition of end - start,
    largest first, lines up with perfect nodes.
    """
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def _fold(hashes: list[bytes]) -> bytes:
    """MTH of a range from its perfect nodes: the smaller ones sit at the right edge."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _runs(indexes: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted distinct indexes as [start, end) runs, so adjacent reads merge."""
    runs: list[tuple[int, int]] = []
    for index in sorted(set(indexes)):
        if runs and runs[-1][1] == index:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    return runs


def _read(reader: HashReader, nodes: Iterable[Node]) -> dict[Node, bytes]:
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, index in nodes:
        by_level[level].append(index)
    ranges = [(lvl, s, e) for lvl in sorted(by_level) for s, e in _runs(by_level[lvl])]
    if not ranges:
        return {}
    if isinstance(reader, BatchHashReader):
        results = reader.hashes_batch(ranges)
    else:
        results = [reader.hashes(level, start, end) for level, start, end in ranges]
    found: dict[Node, bytes] = {}
    for (level, start, end), got in zip(ranges, results, strict=True):
        if len(got) != end - start:
            raise LookupError(f"Merkle level {level} nodes {start}..{end - 1} are not stored.")
        for offset, value in enumerate(got):
            found[(level, start + offset)] = bytes(value)
    return found


def _resolve(reader: HashReader, plan: list[list[Node]]) -> list[bytes]:
    """Each element of the plan (a list of perfect nodes) folded into one hash."""
    found = _read(reader, (node for element in plan for node in element))
    return [_fold([found[node] for node in element]) for element in plan]


# --- producing --------------------------------------------------------------------


def root(*, size: int, reader: HashReader) -> bytes:
    if size < 0:
        raise ValueError("A tree size cannot be negative.")
    if size == 0:
        return EMPTY_ROOT
    return _resolve(reader, [_range_nodes(0, size)])[0]


def _inclusion_plan(index: int, size: int) -> list[list[Node]]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) unrolled: one sibling range per split, bottom-up."""
    low, high = 0, size
    siblings = []
    while high - low > 1:
        k = _split(high - low)
        if index < low + k:
            siblings.append(_range_nodes(low + k, high))
            high = low + k
        else:
            siblings.append(_range_nodes(low, low + k))
            low += k
    return siblings[::-1]


def inclusion_proof(*, index: int, size: int, reader: HashReader) -> list[bytes]:
    if not 0 <= index < size:
        raise ValueError(f"Leaf index {index} is not in a tree of size {size}.")
    return _resolve(reader, _inclusion_plan(index, size))


def _consistency_plan(old_size: int, new_size: int) -> list[list[Node]]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], true) unrolled, bottom-up.

    `whole` is the RFC's b: true while the old tree is still the left part of the
    current range, whose root the verifier already has, so it is left out.
    """
    low, high, whole = 0, new_size, True
    parts = []
    while old_size != high:
        k = _split(high - low)
        if old_size <= low + k:
            parts.append(_range_nodes(low + k, high))
            high = low + k
        else:
            parts.append(_range_nodes(low, low + k))
            low += k
            whole = False
    if not whole:
        parts.append(_range_nodes(low, high))
    return parts[::-1]


def consistency_proof(*, old_size: int, new_size: int, reader: HashReader) -> list[bytes]:
    if old_size == 0:
        # Every tree extends the empty one; a proof of it proves nothing (and RFC 9162
        # defines none), so asking for one is a caller's mistake, said plainly.
        raise ValueError("A consistency proof from the empty tree proves nothing.")
    if not 0 < old_size <= new_size:
        raise ValueError(f"No consistency proof from size {old_size} to size {new_size}.")
    return _resolve(reader, _consistency_plan(old_size, new_size))


# --- verifying ----------------------------------------------------------------------


def _well_formed(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def _shift_while_even(fn: int, sn: int) -> tuple[int, int]:
    while fn & 1 == 0 and fn != 0:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(
    *, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size or not _well_formed(leaf_hash, root, *proof):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False  # proof too long
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            fn, sn = _shift_while_even(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root  # sn > 0: proof too short


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2, with its unstated edges decided as transparency-dev/merkle does:
    equal sizes need an empty proof and equal roots; old size 0 is refused."""
    if not 0 < old_size <= new_size or not _well_formed(old_root, new_root, *proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False  # proof too long
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            fn, sn = _shift_while_even(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


# --- storing incrementally ----------------------------------------------------------


def completed_nodes(
    *, old_size: int, new_leaves: Sequence[bytes], reader: HashReader
) -> dict[Node, bytes]:
    """Every perfect node that appending these leaf hashes completes, level 0 included.

    Reads only the old tree's right border (one perfect node per set bit of
    old_size); after storing the result, the reader can serve the new size.
    """
    if old_size < 0:
        raise ValueError("A tree size cannot be negative.")
    border = _range_nodes(0, old_size)
    found = _read(reader, border)
    # A stack of perfect nodes, like a binary counter: a new node merges with the top
    # while they are siblings (same level), each merge completing the parent.
    stack = [(level, index, found[(level, index)]) for level, index in border]
    completed: dict[Node, bytes] = {}
    for offset, value in enumerate(new_leaves):
        if not _well_formed(value):
            raise ValueError("A leaf hash is 32 bytes.")
        level, index, digest = 0, old_size + offset, value
        completed[(level, index)] = digest
        while stack and stack[-1][0] == level:
            digest = node_hash(stack.pop()[2], digest)
            level, index = level + 1, index >> 1
            completed[(level, index)] = digest
        stack.append((level, index, digest))
    return completed


class MemoryReader:
    """Every perfect node of a tree held in memory: tests, exports, and small tools."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        self.calls = 0
        self.append(list(leaf_hashes))

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf_hashes: Sequence[bytes]) -> None:
        new = completed_nodes(old_size=self.size, new_leaves=leaf_hashes, reader=self)
        for (level, index), value in sorted(new.items()):
            while len(self.levels) <= level:
                self.levels.append([])
            if len(self.levels[level]) != index:  # nodes complete left to right, always
                raise RuntimeError(f"Merkle node {level}/{index} completed out of order.")
            self.levels[level].append(value)
        self.calls = 0

    def hashes(self, level: int, start: int, end: int) -> list[bytes]:
        self.calls += 1
        row = self.levels[level] if level < len(self.levels) else []
        if not 0 <= start <= end <= len(row):
            raise LookupError(f"Merkle level {level} nodes {start}..{end - 1} are not stored.")
        return row[start:end]


# --- C2SP tlog-tiles ----------------------------------------------------------------


def tile_path(*, level: int, index: int, width: int = TILE_WIDTH) -> str:
    """The C2SP tlog-tiles name of a tile: tile/<L>/<N>[.p/<W>], N as x001/x234/067.

    `level` is the tile level (storing Merkle level 8*level); entries bundles use
    the level name "entries"; a partial tile (width < 256) gets the .p/<W> suffix.
    """
    if not 0 <= level <= 63 or index < 0 or not 1 <= width <= TILE_WIDTH:
        raise ValueError("No such tile.")
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    name = "/".join([*("x" + g for g in groups[:-1]), groups[-1]])
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{name}{suffix}"


def tile_of(*, level: int, index: int) -> tuple[int, int, int]:
    """Where a stored perfect node lives: (tile level, tile index, offset in tile).

    Only Merkle levels that are multiples of 8 are stored in tiles.
    """
    if level % TILE_HEIGHT:
        raise ValueError(f"Merkle level {level} is not stored in tiles; it is hashed from them.")
    return level // TILE_HEIGHT, index // TILE_WIDTH, index % TILE_WIDTH


def tiles_for_size(*, size: int) -> list[tuple[int, int, int]]:
    """(tile level, tile index, width) of every tile a tree of this size has."""
    tiles = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        count = size >> (TILE_HEIGHT * level)  # stored hashes at this tile level
        tiles += [(level, n, TILE_WIDTH) for n in range(count // TILE_WIDTH)]
        if count % TILE_WIDTH:
            tiles.append((level, count // TILE_WIDTH, count % TILE_WIDTH))
        level += 1
    return tiles


class TileSource(Protocol):
    def tiles(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The widest stored version of each (tile level, tile index): concatenated hashes."""
        ...


class TiledReader:
    """A `BatchHashReader` over C2SP tiles: one `tiles` call per batch of reads."""

    def __init__(self, source: TileSource) -> None:
        self.source = source

    def hashes(self, level: int, start: int, end: int) -> list[bytes]:
        return self.hashes_batch([(level, start, end)])[0]

    def hashes_batch(self, ranges: Sequence[tuple[int, int, int]]) -> list[list[bytes]]:
        wanted = {key for r in ranges for key in self._tiles_for(*r)}
        tiles = self.source.tiles(sorted(wanted))
        return [self._from_tiles(tiles, *r) for r in ranges]

    @staticmethod
    def _tiles_for(level: int, start: int, end: int) -> list[tuple[int, int]]:
        if start >= end:
            return []
        shift = level % TILE_HEIGHT  # levels between stored ones
        first, last = (start << shift) // TILE_WIDTH, ((end << shift) - 1) // TILE_WIDTH
        return [(level // TILE_HEIGHT, n) for n in range(first, last + 1)]

    @staticmethod
    def _from_tiles(
        tiles: dict[tuple[int, int], bytes], level: int, start: int, end: int
    ) -> list[bytes]:
        shift, tile_level = level % TILE_HEIGHT, level // TILE_HEIGHT
        result = []
        for index in range(start, end):
            base = index << shift  # first stored node under this one
            tile = tiles.get((tile_level, base // TILE_WIDTH), b"")
            offset = base % TILE_WIDTH * HASH_SIZE
            chunk = tile[offset : offset + (HASH_SIZE << shift)]
            if len(chunk) != HASH_SIZE << shift:
                raise LookupError(f"Merkle level {level} node {index} is not in a stored tile.")
            row = [chunk[i : i + HASH_SIZE] for i in range(0, len(chunk), HASH_SIZE)]
            while len(row) > 1:  # hash up the levels a tile keeps implicitly
                row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
            result.append(row[0])
        return result
