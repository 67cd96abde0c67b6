"""The WAL-index header of a SQLite database, read from memory: a change stamp without a query.

In WAL mode every commit, by any connection of any process, rewrites the header at the start
of the ``-shm`` file (https://sqlite.org/walformat.html): its change counter, frame count,
salts and checksum. SQLite maps that file shared, so a read-only mapping of it here sees each
commit as soon as it is made. ``PRAGMA data_version`` tells the same thing, but as a statement
on the loop's connection it cost a tenth of a customer read, on every request.

The file descriptor stays open until the database's connections are closed: closing any
descriptor of a file drops every POSIX lock the process holds on it, SQLite's on ``-shm``
included, and without them another process could take the WAL index for its own and rebuild
it under our connections.
"""

from __future__ import annotations

import mmap
import os
import sys
from pathlib import Path

# The header's first copy: version, change counter, init flag, page size, frame count,
# page count, frame checksum, salts, header checksum.
HEADER_SIZE = 48
WAL_INDEX_VERSION = 3007000
# The last frame written (in the header), and the frames a checkpoint has copied back into
# the database (``nBackfill``, first field of the checkpoint information after the header's
# two copies). The WAL index is in the machine's own byte order.
MAX_FRAME = slice(16, 20)
BACKFILLED = slice(96, 100)
MAPPED_SIZE = 100


class WalIndexHeader:
    def __init__(self, fd: int, mapping: mmap.mmap) -> None:
        self._fd = fd
        self._mapping: mmap.mmap | None = mapping

    @classmethod
    def open(cls, database: Path) -> WalIndexHeader | None:
        """The header of ``database``'s WAL index, once one of this process's connections has
        read the database in WAL mode; ``None`` when there is none to map (another journal
        mode, a memory VFS, a file SQLite has not set up), so the caller asks SQLite instead."""
        try:
            fd = os.open(f"{database}-shm", os.O_RDONLY)
        except OSError:
            return None
        try:
            if os.fstat(fd).st_size < MAPPED_SIZE:
                raise OSError("WAL index too short")
            mapping = mmap.mmap(fd, MAPPED_SIZE, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            # Closing drops our connections' locks on the file (see above): keep it open,
            # unused, until close() says the connections are gone.
            return _Unmapped(fd)
        header = cls(fd, mapping)
        version = int.from_bytes(mapping[0:4], "little")
        if version != WAL_INDEX_VERSION or mapping[12] != 1:  # a layout not known, or not set up
            header.unmap()
            return _Unmapped(fd)
        return header

    def stamp(self) -> int | None:
        """The header as a number: different after every commit; ``None`` once unmapped."""
        if self._mapping is None:
            return None
        return int.from_bytes(self._mapping[0:HEADER_SIZE], "little")

    def frames_to_copy(self) -> int | None:
        """Frames in the WAL that no checkpoint has copied back yet (read without a lock:
        an estimate, good for deciding when to checkpoint); ``None`` once unmapped."""
        if self._mapping is None:
            return None
        written = int.from_bytes(self._mapping[MAX_FRAME], sys.byteorder)
        copied = int.from_bytes(self._mapping[BACKFILLED], sys.byteorder)
        return max(written - copied, 0)

    def unmap(self) -> None:
        if self._mapping is not None:
            self._mapping.close()
            self._mapping = None

    def close(self) -> None:
        """Only after this process's SQLite connections to the database are closed."""
        self.unmap()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class _Unmapped(WalIndexHeader):
    """A descriptor kept open without a mapping: it gives no stamp."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._mapping = None
