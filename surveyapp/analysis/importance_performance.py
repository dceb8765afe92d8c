"""Importance-performance analysis: where do we score low on what matters most?

Martilla, J. A. & James, J. C. (1977). Importance-performance analysis. *Journal of Marketing*,
41(1), 77-79.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FIX_FIRST = "fix first"
KEEP_UP = "keep up"
POSSIBLE_OVERKILL = "possible overkill"
LOW_PRIORITY = "low priority"
QUADRANTS = (FIX_FIRST, KEEP_UP, POSSIBLE_OVERKILL, LOW_PRIORITY)


@dataclass
class ImportancePerformance:
    """Result of :func:`importance_performance`.

    ``table`` has one row per driver with ``importance``, ``performance`` and ``quadrant``;
    ``importance_cut`` and ``performance_cut`` are the cut points used.
    """

    table: pd.DataFrame
    importance_cut: float
    performance_cut: float

    def to_dict(self):
        return {
            "importance_cut": float(self.importance_cut),
            "performance_cut": float(self.performance_cut),
            "drivers": {
                str(name): {
                    "importance": float(row["importance"]),
                    "performance": float(row["performance"]),
                    "quadrant": row["quadrant"],
                }
                for name, row in self.table.iterrows()
            },
        }


def importance_performance(importance, performance, *, importance_cut=None, performance_cut=None):
    """Place each driver in an importance-performance quadrant.

    Parameters
    ----------
    importance : Series or mapping
        Driver name -> importance (e.g. LMG share, relative-weight share or standardized beta).
    performance : Series or mapping
        Driver name -> performance, normally the mean driver score.
    importance_cut, performance_cut : float, optional
        Where "important" and "high performance" begin. Default: the mean of the importances
        and the mean of the performances over the drivers given (the "data-centred" cross-hairs
        of Martilla & James 1977). With importances as shares of R² the default importance cut
        is 1/p, an equal share.

    Returns
    -------
    ImportancePerformance
        Quadrants: ``"fix first"`` (important, low performance), ``"keep up"`` (important,
        high), ``"possible overkill"`` (unimportant, high), ``"low priority"`` (unimportant,
        low). A value exactly at a cut point counts as important / high.
    """
    importance = pd.Series(importance, dtype=float)
    performance = pd.Series(performance, dtype=float)
    if set(importance.index) != set(performance.index):
        only = sorted(set(importance.index) ^ set(performance.index), key=str)
        raise ValueError(f"Importance and performance must name the same drivers; differ in: {only}")
    if importance.isna().any() or performance.isna().any():
        raise ValueError("Importance and performance must not be missing.")
    performance = performance.reindex(importance.index)
    importance_cut = float(importance.mean()) if importance_cut is None else float(importance_cut)
    performance_cut = float(performance.mean()) if performance_cut is None else float(performance_cut)
    important = importance.to_numpy() >= importance_cut
    high = performance.to_numpy() >= performance_cut
    quadrant = np.select(
        [important & ~high, important & high, ~important & high],
        [FIX_FIRST, KEEP_UP, POSSIBLE_OVERKILL],
        default=LOW_PRIORITY,
    )
    table = pd.DataFrame(
        {"importance": importance.to_numpy(), "performance": performance.to_numpy(), "quadrant": quadrant},
        index=importance.index,
    )
    return ImportancePerformance(table=table, importance_cut=importance_cut, performance_cut=performance_cut)
