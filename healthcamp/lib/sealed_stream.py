"""A stream sealed in authenticated chunks: any size in bounded memory.

After a header line (which the caller writes, and which every chunk authenticates), the
stream is a sequence of frames::

    4 bytes  big-endian length of the sealed chunk; its top bit set on the last chunk
    n bytes  AES-256-GCM of at most `chunk` bytes of plaintext, with its 16-byte tag

Chunk i is sealed with the nonce i (11 bytes, big-endian) + the last-chunk flag (1 byte),
and with the associated data SHA-256(header line) + i (8 bytes) + the flag, in the manner
of the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015). So a chunk
changed, moved, dropped, repeated or taken from another stream (another header, or
another key: each file's key comes from its own salt) fails its tag; a stream cut short
lacks its last chunk; bytes after the last chunk are refused. A chunk is at most
MAX_CHUNK bytes, far below AES-GCM's 2^31-byte limit in `cryptography` (its
OverflowError cannot happen), and a counter nonce never repeats under one key.

Pure: no Django, no database; the backup service composes it with its snapshots.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TAG = 16
MAX_CHUNK = 64 << 20  # a chunk is held in memory whole, once as plaintext, once sealed
_LAST = 0x8000_0000


class StreamError(Exception):
    """The sealed stream is damaged, cut short, reordered or not this one; one line."""


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _aad(header_digest: bytes, index: int, last: bool) -> bytes:
    return header_digest + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


def rechunk(pieces: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The bytes of pieces (any sizes) again, in pieces of exactly size bytes but the last
    (which may be empty only when there is nothing at all)."""
    held: list[bytes] = []
    count, given = 0, False
    for piece in pieces:
        held.append(piece)
        count += len(piece)
        if count < size:
            continue
        data = b"".join(held)  # one copy, then slices: never a buffer shifted chunk by chunk
        start = 0
        while count - start >= size:
            yield data[start : start + size]
            start += size
            given = True
        held, count = [data[start:]], count - start
    if count or not given:
        yield b"".join(held)


def seal(out: IO[bytes], *, key: bytes, header: bytes, pieces: Iterable[bytes], chunk: int) -> int:
    """Write pieces to out as sealed frames of at most chunk bytes each; returns how many.
    The caller has written header (one line, without its newline) before."""
    if not 1 <= chunk <= MAX_CHUNK:
        raise ValueError(f"A chunk is 1 to {MAX_CHUNK} bytes, not {chunk}.")
    aead, digest = AESGCM(key), hashlib.sha256(header).digest()
    held: bytes | None = None
    index = 0
    # One chunk of look-ahead: a chunk is known to be the last only when the next is not.
    for piece in rechunk(pieces, chunk):
        if held is not None:
            _write_frame(out, aead, digest, index, held, last=False)
            index += 1
        held = piece
    _write_frame(out, aead, digest, index, held or b"", last=True)
    return index + 1


def _write_frame(
    out: IO[bytes], aead: AESGCM, digest: bytes, index: int, plain: bytes, *, last: bool
) -> None:
    sealed = aead.encrypt(_nonce(index, last), plain, _aad(digest, index, last))
    out.write((len(sealed) | (_LAST if last else 0)).to_bytes(4, "big"))
    out.write(sealed)


def _read_exactly(source: IO[bytes], size: int) -> bytes:
    data = source.read(size)
    while len(data) < size:
        more = source.read(size - len(data))
        if not more:
            break
        data += more
    return data


def unseal(source: IO[bytes], *, key: bytes, header: bytes, chunk: int) -> Iterator[bytes]:
    """The plaintext chunks of the frames in source (positioned after the header line),
    each authenticated before it is given out. Raises StreamError, naming the chunk, on
    the first one that is damaged, out of place, missing or extra."""
    if not 1 <= chunk <= MAX_CHUNK:
        raise StreamError(f"its chunk size {chunk} is not 1 to {MAX_CHUNK} bytes")
    aead, digest = AESGCM(key), hashlib.sha256(header).digest()
    index = 0
    while True:
        prefix = _read_exactly(source, 4)
        if not prefix:
            raise StreamError(f"it is cut short: it ends after chunk {index}, before its last")
        if len(prefix) < 4:
            raise StreamError(f"it is cut short inside chunk {index + 1}")
        word = int.from_bytes(prefix, "big")
        last, size = bool(word & _LAST), word & ~_LAST
        if not TAG <= size <= chunk + TAG:
            raise StreamError(f"chunk {index + 1} has an impossible length ({size} bytes)")
        sealed = _read_exactly(source, size)
        if len(sealed) < size:
            raise StreamError(f"it is cut short inside chunk {index + 1}")
        try:
            plain = aead.decrypt(_nonce(index, last), sealed, _aad(digest, index, last))
        except InvalidTag:
            raise StreamError(
                f"chunk {index + 1} does not authenticate: it was altered, moved, or comes "
                "from another backup"
            ) from None
        yield plain
        index += 1
        if last:
            if source.read(1):
                raise StreamError(f"it has bytes after its last chunk ({index})")
            return
