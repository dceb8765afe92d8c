"""Internal consistency of constructs: Cronbach's alpha and item analysis.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
*Psychometrika*, 16(3), 297-334.
Nunnally, J. C. (1978). *Psychometric Theory* (2nd ed.). McGraw-Hill. (alpha >= 0.7)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .scoring import reverse_coded_items

ALPHA_THRESHOLD = 0.7


def cronbach_alpha(items):
    r"""Cronbach's alpha of a set of items (rows with any missing item are left out).

    .. math::

        \alpha = \frac{k}{k - 1}\left(1 - \frac{\sum_j s^2_j}{s^2_T}\right)

    with :math:`k` items, :math:`s^2_j` the variance of item j and :math:`s^2_T` the variance
    of the sum score (Cronbach 1951). Same as ``pingouin.cronbach_alpha(..., nan_policy="listwise")``.

    Returns NaN with fewer than 2 items or 2 complete rows, or a constant sum score.
    """
    items = pd.DataFrame(items).dropna().astype(float)
    k = items.shape[1]
    if k < 2 or len(items) < 2:
        return float("nan")
    item_var = items.var(axis=0, ddof=1).sum()
    total_var = items.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / total_var))


def item_analysis(items):
    r"""Per item: alpha if the item is deleted and the corrected item-total correlation.

    The corrected item-total correlation of item j is the Pearson correlation of item j with the
    sum of the *other* items, :math:`r(x_j, T - x_j)`; a negative value usually means the item is
    worded in the opposite direction and was not reverse-coded. Rows with a missing item are left
    out.

    Returns
    -------
    DataFrame
        Index: items; columns ``alpha_if_deleted``, ``item_total_r``, ``mean``, ``sd``.
    """
    items = pd.DataFrame(items).dropna().astype(float)
    total = items.sum(axis=1)
    rows = {}
    for column in items.columns:
        rest = total - items[column]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.corrcoef(items[column], rest)[0, 1] if len(items) > 1 else np.nan
        rows[column] = {
            "alpha_if_deleted": cronbach_alpha(items.drop(columns=column)),
            "item_total_r": float(r),
            "mean": float(items[column].mean()),
            "sd": float(items[column].std(ddof=1)),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclass
class ReliabilityReport:
    """Result of :func:`construct_reliability`.

    ``constructs``: per construct ``alpha``, ``n`` (complete rows) and ``k`` (items).
    ``items``: per construct and item ``alpha_if_deleted``, ``item_total_r``, ``mean``, ``sd``.
    ``warnings``: human-readable findings (alpha below the threshold, negative item-total r).
    """

    constructs: pd.DataFrame
    items: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def construct_reliability(df, constructs, scale_points=None, alpha_threshold=ALPHA_THRESHOLD):
    """Cronbach's alpha and item analysis of every construct, after reverse coding.

    Parameters
    ----------
    df : DataFrame
        Item answers; "don't know" as NaN.
    constructs : mapping
        Definitions as for :func:`surveyapp.analysis.scoring.construct_scores`.
    scale_points : int, optional
        Scale for constructs that do not give their own.
    alpha_threshold : float, default 0.7
        Alpha below this is reported (Nunnally 1978's usual minimum for research use).

    Returns
    -------
    ReliabilityReport
    """
    summary, item_frames, warnings = {}, [], []
    for name, definition in constructs.items():
        values = reverse_coded_items(df, definition, scale_points, name)
        complete = values.dropna()
        alpha = cronbach_alpha(complete)
        summary[name] = {"alpha": alpha, "n": len(complete), "k": values.shape[1]}
        if values.shape[1] >= 2:
            analysis = item_analysis(complete)
            analysis.insert(0, "construct", name)
            item_frames.append(analysis)
            for item, r in analysis["item_total_r"].items():
                if r < 0:
                    warnings.append(
                        f"{name}: item '{item}' has a negative corrected item-total correlation "
                        f"({r:.2f}); is it reverse-coded correctly?"
                    )
        if np.isfinite(alpha) and alpha < alpha_threshold:
            warnings.append(f"{name}: Cronbach's alpha is {alpha:.2f}, below {alpha_threshold:g}.")
    items = pd.concat(item_frames) if item_frames else pd.DataFrame()
    if not items.empty:
        items.index.name = "item"
        items = items.reset_index().set_index(["construct", "item"])
    return ReliabilityReport(
        constructs=pd.DataFrame.from_dict(summary, orient="index"), items=items, warnings=warnings
    )
