"""The complete responses of a driver analysis, kept between its two passes over the rows.

The first pass accumulates the moments (:class:`~surveyapp.analysis.moments.MomentAccumulator`);
HC3 standard errors and the bootstrap need the rows once more. Up to ``memory_rows`` rows are
kept in memory; beyond that they go to an anonymous temporary file, so a file of millions of
responses is analysed in memory that does not grow with its length.
"""

from __future__ import annotations

import tempfile

import numpy as np

#: Rows kept in memory before the rows move to a temporary file (about 16 MB for 7 columns).
MEMORY_ROWS = 300_000
#: Rows per block when reading them back.
BLOCK_ROWS = 65_536


class CompleteRows:
    """Rows of ``k`` values (drivers then the outcome) with an optional weight each."""

    def __init__(self, k: int, *, memory_rows: int = MEMORY_ROWS):
        self.k = k
        self.n = 0
        self.weighted = False
        self._memory_rows = memory_rows
        self._blocks: list[np.ndarray] = []
        self._file = None

    def append(self, data: np.ndarray, weights: np.ndarray | None) -> None:
        if len(data) == 0:
            return
        self.weighted = weights is not None
        block = np.empty((len(data), self.k + 1))
        block[:, : self.k] = data
        block[:, self.k] = 1.0 if weights is None else weights
        self.n += len(block)
        if self._file is None and self.n > self._memory_rows:
            self._file = tempfile.TemporaryFile()
            for earlier in self._blocks:
                self._file.write(earlier.tobytes())
            self._blocks = []
        if self._file is None:
            self._blocks.append(block)
        else:
            self._file.write(block.tobytes())

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

    def centred_blocks(self, mean: np.ndarray):
        """:meth:`blocks` with ``mean`` subtracted from the values."""
        for values, weights in self.blocks():
            yield values - mean, weights

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
