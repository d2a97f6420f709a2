"""Reads an etcd snapshot file without etcd: its SHA-256, its bbolt pages, its revision and key count.

`etcdctl snapshot save` (etcd 3.6.6) writes the server's bbolt database followed by the SHA-256 of that
database (32 bytes; the file size is then 32 more than a multiple of 512, which is how etcdutl tells a
snapshot with a hash from a bare data file). `etcdutl snapshot restore` recomputes the hash and refuses a
mismatch; `etcdutl snapshot status` opens the bbolt file and counts the keys of the MVCC ``key`` bucket.
This module does the same reads in Python, so a drill can check a snapshot where no etcd binary is:

* the trailing SHA-256 matches the database;
* both bbolt meta pages (go.etcd.io/bbolt v1.4: magic 0xED0CDAED, version 2, FNV-1a 64 checksum) and the
  newest valid one;
* every page reachable from the root bucket: its id, type (branch or leaf) and bounds below the high-water
  mark, each visited once;
* the ``key`` bucket: MVCC revisions (8-byte big-endian main revision, ``_``, sub revision, ``t`` for a
  tombstone) and each value's key (field 1 of mvccpb.KeyValue), giving the last revision and the number of
  live keys exactly as etcdutl counts them;
* the ``meta`` bucket's ``storageVersion`` when there is one.

It does not run bbolt's free-list consistency check (etcdutl's `tx.Check()`): the restore Jobs still run
etcdutl, which does.
"""

from __future__ import annotations

import hashlib
import mmap
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HASH_SIZE = 32
SECTOR = 512
MAGIC = 0xED0CDAED
VERSION = 2
PAGE_HEADER = struct.Struct("<QHHI")  # id, flags, count, overflow
META = struct.Struct("<IIIIQQQQQQ")  # magic, version, pageSize, flags, root, sequence, freelist, pgid, txid, checksum
META_CHECKSUMMED = META.size - 8
BRANCH_ELEMENT = struct.Struct("<IIQ")  # pos, ksize, pgid
LEAF_ELEMENT = struct.Struct("<IIII")  # flags, pos, ksize, vsize
BUCKET_HEADER = struct.Struct("<QQ")  # root pgid (0: inline), sequence
BRANCH, LEAF, META_PAGE = 0x01, 0x02, 0x04
BUCKET_LEAF = 0x01
REVISION_BYTES = 17  # 8-byte main, '_', 8-byte sub
TOMBSTONE = ord("t")


class SnapshotError(ValueError):
    """The file is not a readable etcd snapshot; the message says what is wrong with it."""


@dataclass(frozen=True)
class SnapshotStatus:
    """What the checks read from a snapshot."""

    size: int
    """Bytes in the file, the trailing hash included."""
    sha256: str
    """The hex SHA-256 of the database, which the file's last 32 bytes repeat."""
    page_size: int
    txid: int
    pages: int
    """Pages reachable from the root bucket (branch, leaf and overflow pages)."""
    revision: int
    total_keys: int
    storage_version: str = ""


def _fnv1a64(data: bytes) -> int:
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


@dataclass(frozen=True)
class _Meta:
    page_size: int
    root: int
    high_water: int
    txid: int


class _Database:
    """Read-only view of a bbolt file's pages (``data`` is the database without the hash)."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.meta = self._newest_meta()
        self.visited: set[int] = set()

    def _read_meta(self, offset: int) -> _Meta | str:
        if offset + PAGE_HEADER.size + META.size > len(self.data):
            return "the file is shorter than its meta pages"
        _, flags, _, _ = PAGE_HEADER.unpack_from(self.data, offset)
        fields = META.unpack_from(self.data, offset + PAGE_HEADER.size)
        magic, version, page_size, _, root, _, _, high_water, txid, checksum = fields
        if flags != META_PAGE or magic != MAGIC:
            return "no bbolt meta page (magic 0xED0CDAED)"
        if version != VERSION:
            return f"bbolt file format {version}, not {VERSION}"
        start = offset + PAGE_HEADER.size
        if _fnv1a64(bytes(self.data[start:start + META_CHECKSUMMED])) != checksum:
            return "the meta page checksum does not match"
        if page_size < 512 or page_size & (page_size - 1):
            return f"page size {page_size} is not a power of two"
        return _Meta(page_size, root, high_water, txid)

    def _newest_meta(self) -> _Meta:
        first = self._read_meta(0)
        if isinstance(first, str):
            # bbolt falls back to the second meta page; find it at the page size the file claims, or 4 KiB.
            size = 4096
            if len(self.data) >= PAGE_HEADER.size + 12:
                size = struct.unpack_from("<I", self.data, PAGE_HEADER.size + 8)[0] or 4096
            second = self._read_meta(size) if 512 <= size <= len(self.data) else first
            if isinstance(second, str):
                raise SnapshotError(f"not a bbolt database: {first}")
            return second
        second = self._read_meta(first.page_size)
        if isinstance(second, str) or second.txid < first.txid:
            return first
        return second

    def page(self, pgid: int) -> tuple[int, int, int]:
        """(offset, flags, count) of a tree page, after checking it is where and what it should be."""
        meta = self.meta
        if pgid < 2 or pgid >= meta.high_water:
            raise SnapshotError(f"page {pgid} is outside the database (high-water mark {meta.high_water})")
        if pgid in self.visited:
            raise SnapshotError(f"page {pgid} is reachable twice (a loop or a shared page)")
        offset = pgid * meta.page_size
        if offset + PAGE_HEADER.size > len(self.data):
            raise SnapshotError(f"page {pgid} lies past the end of the file (truncated?)")
        own_id, flags, count, overflow = PAGE_HEADER.unpack_from(self.data, offset)
        if own_id != pgid:
            raise SnapshotError(f"page {pgid} says it is page {own_id}")
        if flags not in (BRANCH, LEAF):
            raise SnapshotError(f"page {pgid} is of type {flags:#04x}, not a branch or leaf page")
        if offset + (overflow + 1) * meta.page_size > len(self.data):
            raise SnapshotError(f"page {pgid} and its {overflow} overflow pages run past the end of the file")
        self.visited.update(range(pgid, pgid + overflow + 1))
        return offset, flags, count

    def items(self, root: int, inline: memoryview | None = None) -> Iterator[tuple[bytes, bytes, int]]:
        """(key, value, flags) of a bucket's tree in key order; ``inline`` is an inline bucket's page."""
        if inline is not None:
            yield from self._leaf(inline, 0, PAGE_HEADER.unpack_from(inline, 0)[2])
            return
        offset, flags, count = self.page(root)
        if flags == LEAF:
            yield from self._leaf(self.data, offset, count)
            return
        for index in range(count):
            element = offset + PAGE_HEADER.size + index * BRANCH_ELEMENT.size
            _, _, child = BRANCH_ELEMENT.unpack_from(self.data, element)
            yield from self.items(child)

    @staticmethod
    def _leaf(data: memoryview, offset: int, count: int) -> Iterator[tuple[bytes, bytes, int]]:
        for index in range(count):
            element = offset + PAGE_HEADER.size + index * LEAF_ELEMENT.size
            flags, pos, ksize, vsize = LEAF_ELEMENT.unpack_from(data, element)
            start = element + pos
            if start + ksize + vsize > len(data):
                raise SnapshotError("a leaf element points past the end of its page")
            yield bytes(data[start:start + ksize]), bytes(data[start + ksize:start + ksize + vsize]), flags

    def buckets(self) -> dict[bytes, Iterator[tuple[bytes, bytes, int]]]:
        """Each top-level bucket's items, by name (the root is walked once, here)."""
        found = {}
        for key, value, flags in list(self.items(self.meta.root)):
            if flags & BUCKET_LEAF:
                root, _ = BUCKET_HEADER.unpack_from(value, 0)
                inline = memoryview(value)[BUCKET_HEADER.size:] if root == 0 else None
                found[key] = self.items(root, inline)
        return found


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if offset >= len(data) or shift > 63:
            raise SnapshotError("a key's value is not an mvccpb.KeyValue (bad varint)")
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, offset
        shift += 7


def kv_key(value: bytes) -> bytes:
    """Field 1 (``key``) of a protobuf mvccpb.KeyValue."""
    offset = 0
    while offset < len(value):
        tag, offset = _varint(value, offset)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            _, offset = _varint(value, offset)
        elif wire == 2:
            length, offset = _varint(value, offset)
            if field == 1:
                return value[offset:offset + length]
            offset += length
        else:
            raise SnapshotError(f"a key's value is not an mvccpb.KeyValue (wire type {wire})")
    raise SnapshotError("a key's value has no key field")


def _hash(view: memoryview) -> str:
    digest = hashlib.sha256()
    chunk = 1 << 20
    for start in range(0, len(view), chunk):
        digest.update(view[start:start + chunk])
    return digest.hexdigest()


def check_bytes(data: bytes | memoryview | mmap.mmap) -> SnapshotStatus:
    """Check a snapshot held in memory (or mapped); raise SnapshotError naming the first problem."""
    view = memoryview(data)
    size = len(view)
    if size % SECTOR != HASH_SIZE:
        raise SnapshotError(f"no SHA-256 after the database ({size} bytes is not 32 more than a multiple of 512): "
                            "not written by `etcdctl snapshot save`, or truncated")
    database = view[:size - HASH_SIZE]
    digest = _hash(database)
    if bytes.fromhex(digest) != bytes(view[size - HASH_SIZE:]):
        raise SnapshotError("the SHA-256 at the end does not match the database: the file is corrupted")
    db = _Database(database)
    revision, live, storage_version = 0, set(), ""
    for name, items in db.buckets().items():
        # Every bucket is walked, so every reachable page is checked, not only the two read here.
        for key, value, _ in items:
            if name == b"key":
                if len(key) < REVISION_BYTES:
                    raise SnapshotError(f"key bucket entry {key!r} is not an MVCC revision")
                revision = struct.unpack_from(">Q", key, 0)[0]
                if len(key) > REVISION_BYTES and key[REVISION_BYTES] == TOMBSTONE:
                    live.discard(kv_key(value))
                else:
                    live.add(kv_key(value))
            elif name == b"meta" and key == b"storageVersion":
                storage_version = value.decode("ascii", "replace")
    if not db.visited:
        raise SnapshotError("the database has no root bucket pages")
    return SnapshotStatus(size=size, sha256=digest, page_size=db.meta.page_size, txid=db.meta.txid,
                          pages=len(db.visited), revision=revision, total_keys=len(live),
                          storage_version=storage_version)


def check_file(path: Path) -> SnapshotStatus:
    """Check a snapshot file (memory-mapped: a snapshot can be gigabytes)."""
    if path.stat().st_size == 0:
        raise SnapshotError("the file is empty")
    problem = ""
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        # The views into the map must be gone before it closes: keep only the message of a failure.
        try:
            return check_bytes(mapped)
        except SnapshotError as err:
            problem = str(err)
        except struct.error as err:
            problem = f"a page is cut short ({err}): the file is truncated or not bbolt"
    raise SnapshotError(problem)
