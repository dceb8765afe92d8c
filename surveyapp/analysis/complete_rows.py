"""The complete responses of a driver analysis, kept between its two passes over the rows.

The first pass accumulates the moments (:class:`~surveyapp.analysis.moments.MomentAccumulator`);
HC3 standard errors and the bootstrap need the rows once more. Up to ``memory_rows`` rows are
kept in memory; beyond that they go to an anonymous temporary file, so a file of millions of
responses is analysed in memory that does not grow with its length.
"""

from __future__ import annotations

import tempfile

import numpy as np

#: Rows kept in memory before the rows move to a temporary file (56 MiB for 5 drivers, the outcome
#: and the weight): a million-row file is analysed without writing and reading back its rows.
MEMORY_ROWS = 1 << 20
#: Rows per block when reading them back (the HC3 pass was fastest with blocks of this size: their
#: temporaries stay in the CPU cache).
BLOCK_ROWS = 16_384


class CompleteRows:
    """Rows of ``k`` values (drivers then the outcome) with an optional weight each."""

    def __init__(self, k: int, *, memory_rows: int | None = None):
        self.k = k
        self.n = 0
        self.weighted = False
        self._memory_rows = MEMORY_ROWS if memory_rows is None else memory_rows
        self._blocks: list[np.ndarray] = []
        self._file = None

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
        """Keep ``block`` (from :meth:`new_block`; it is not copied while in memory)."""
        if len(block) == 0:
            return
        self.weighted = weighted
        self.n += len(block)
        if self._file is None and self.n > self._memory_rows:
            self._file = tempfile.TemporaryFile()
            for earlier in self._blocks:
                self._file.write(np.ascontiguousarray(earlier))  # rows one after the other
            self._blocks = []
        if self._file is None:
            self._blocks.append(block)
        else:
            self._file.write(np.ascontiguousarray(block))

    def blocks(self, rows: int = BLOCK_ROWS):
        """``(values, weights or None)`` for every block of rows, in order."""
        if self._file is None:
            for block in self._blocks:
                for start in range(0, len(block), rows):
                    part = block[start:start + rows]
                    yield part[:, : self.k], part[:, self.k] if self.weighted else None
            return
        self._file.flush()
        self._file.seek(0)
        buffer = np.empty((rows, self.k + 1))
        while True:
            read = self._file.readinto(memoryview(buffer).cast("B"))
            if not read:
                return
            part = buffer[: read // (8 * (self.k + 1))]
            yield part[:, : self.k], part[:, self.k] if self.weighted else None

    def array(self) -> tuple[np.ndarray, np.ndarray | None]:
        """All rows at once (for the bootstrap, which resamples them)."""
        parts = list(self.blocks(rows=max(self.n, 1)))
        values = np.concatenate([v for v, _ in parts]) if parts else np.empty((0, self.k))
        weights = np.concatenate([w for _, w in parts]) if parts and self.weighted else None
        return values, weights

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._blocks = []
