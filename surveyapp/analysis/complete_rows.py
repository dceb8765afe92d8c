"""The complete responses of a driver analysis, kept between its two passes over the rows.

The first pass accumulates the moments (:class:`~surveyapp.analysis.moments.MomentAccumulator`);
HC3 standard errors and the bootstrap need the rows once more. The first ``memory_rows`` rows are
kept in memory; the rows after them go to an anonymous temporary file, so a file of millions of
responses is analysed in memory that does not grow with its length.
"""

from __future__ import annotations

import tempfile

import numpy as np

#: Rows kept in memory; later rows go to a temporary file (56 MiB for 5 drivers, the outcome and
#: the weight): a million-row file is analysed without writing and reading back its rows.
MEMORY_ROWS = 1 << 20
#: Rows per block when reading them back (the HC3 pass was fastest with blocks of this size: their
#: temporaries stay in the CPU cache).
BLOCK_ROWS = 16_384


class CompleteRows:
    """Rows of ``k`` values (drivers then the outcome) with an optional weight each.

    Blocks are column-major (each column one contiguous run) in memory and in the file, where each
    block is written column after column, without the weights when there are none.
    """

    def __init__(self, k: int, *, memory_rows: int | None = None):
        self.k = k
        self.n = 0
        self.weighted = False
        self._memory_rows = MEMORY_ROWS if memory_rows is None else memory_rows
        self._blocks: list[np.ndarray] = []
        self._file = None
        self._file_blocks: list[int] = []  # rows of each block in the file, in order

    def new_block(self, rows: int) -> np.ndarray:
        """An empty block of ``rows`` rows for :meth:`append_block`: ``k`` values, then the weight.
        Column-major, so that every column is one contiguous run (sums over it are pairwise, as
        accurate as NumPy's sums go)."""
        return np.empty((self.k + 1, rows)).T

    def append(self, data: np.ndarray, weights: np.ndarray | None) -> None:
        block = self.new_block(len(data))
        block[:, : self.k] = data
        block[:, self.k] = 1.0 if weights is None else weights
        self.append_block(block, weights is not None)

    def append_block(self, block: np.ndarray, weighted: bool) -> None:
        """Keep ``block`` (column-major, as from :meth:`new_block`; not copied while in memory)."""
        if len(block) == 0:
            return
        self.weighted = weighted
        self.n += len(block)
        if self.n <= self._memory_rows:
            self._blocks.append(block)
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile()
        for column in range(self.k + 1 if weighted else self.k):
            self._file.write(np.ascontiguousarray(block[:, column]))
        self._file_blocks.append(len(block))

    def blocks(self, rows: int = BLOCK_ROWS):
        """``(values, weights or None)`` for every block of at most ``rows`` rows, in order. A block
        read back from the file is only valid until the next one is asked for."""
        for block in self._blocks:
            yield from self._parts(block, rows)
        if self._file is None:
            return
        self._file.flush()
        self._file.seek(0)
        width = self.k + 1 if self.weighted else self.k
        buffer = np.empty(width * max(self._file_blocks))
        for length in self._file_blocks:
            columns = buffer[: width * length].reshape(width, length)
            if self._file.readinto(memoryview(columns).cast("B")) != columns.nbytes:
                raise OSError("the temporary file of the complete rows was cut short")
            yield from self._parts(columns.T, rows)

    def _parts(self, block, rows):
        for start in range(0, len(block), rows):
            part = block[start:start + rows]
            yield part[:, : self.k], part[:, self.k] if self.weighted else None

    def array(self) -> tuple[np.ndarray, np.ndarray | None]:
        """All rows at once (for the bootstrap, which resamples them)."""
        values = np.empty((self.n, self.k))
        weights = np.empty(self.n) if self.weighted else None
        start = 0
        for part, w in self.blocks():
            values[start:start + len(part)] = part
            if weights is not None:
                weights[start:start + len(part)] = w
            start += len(part)
        return values, weights

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._blocks = []
        self._file_blocks = []
