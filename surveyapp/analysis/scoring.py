"""Construct scores: the mean of a construct's items after reverse-coded items are flipped.

A construct (e.g. one of Zineldin's five quality dimensions) is measured by several Likert items.
Definitions are plain dicts so any questionnaire format can be adapted to them::

    constructs = {
        "Q1_object": {"items": ["q1a", "q1b", "q1c"], "reverse": ["q1c"], "scale_min": 1, "scale_max": 5},
        "Q2_processes": {"items": ["q2a", "q2b"], "points": 7},
    }

"Don't know" answers must already be NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def scale_range(definition, scale_points=None, name="construct"):
    """(min, max) of a construct's answer scale, or None when it is not given.

    ``scale_min``/``scale_max`` win; else ``points`` (or the global ``scale_points``) means a
    scale 1..points.
    """
    if "scale_max" in definition:
        return float(definition.get("scale_min", 1)), float(definition["scale_max"])
    points = definition.get("points", scale_points)
    if points is None:
        return None
    if int(points) < 2:
        raise ValueError(f"{name}: a scale needs at least 2 points, not {points}")
    return 1.0, float(points)


def reverse_coded_items(df, definition, scale_points=None, name="construct"):
    """The construct's item columns as floats, reverse-coded items flipped to :math:`min + max - x`.

    Raises ValueError when an item is missing from ``df``, a reverse-coded item is not one of the
    items, the scale is unknown while items must be flipped, or an answer lies outside the scale.
    """
    items = list(definition.get("items", []))
    reverse = list(definition.get("reverse", []))
    if not items:
        raise ValueError(f"{name}: no items")
    missing = [i for i in items if i not in df.columns]
    if missing:
        raise ValueError(f"{name}: item column(s) {', '.join(missing)} not in the data")
    stray = [i for i in reverse if i not in items]
    if stray:
        raise ValueError(f"{name}: reverse-coded item(s) {', '.join(stray)} are not among its items")
    values = df[items].apply(pd.to_numeric, errors="raise").astype(float)
    scale = scale_range(definition, scale_points, name)
    if scale is None:
        if reverse:
            raise ValueError(f"{name}: reverse-coded items need the scale (scale_min/scale_max or points)")
        return values
    low, high = scale
    outside = ((values < low) | (values > high)).sum()
    if outside.any():
        bad = ", ".join(f"{c} ({k})" for c, k in outside[outside > 0].items())
        raise ValueError(f"{name}: answers outside the scale {low:g}..{high:g} in {bad}")
    if reverse:
        values[reverse] = low + high - values[reverse]
    return values


def construct_scores(df, constructs, min_share=0.5, scale_points=None):
    r"""Score each construct as the mean of its answered items.

    Parameters
    ----------
    df : DataFrame
        One row per response, one column per item; "don't know" and unanswered are NaN.
    constructs : mapping
        ``name -> {"items": [...], "reverse": [...], "scale_min": 1, "scale_max": 5}``; instead
        of ``scale_min``/``scale_max`` a ``"points": k`` entry means 1..k.
    min_share : float, default 0.5
        A construct is scored only when at least this share of its items is answered, else NaN
        (with the default, at least half: 2 of 4, 2 of 3).
    scale_points : int, optional
        Scale 1..scale_points for constructs that do not give their own.

    Returns
    -------
    DataFrame
        One column per construct, same index as ``df``.

    Notes
    -----
    With :math:`A_i` the answered items of response i, after flipping reverse-coded items
    (:math:`x' = \min + \max - x`),

    .. math::

        s_i = \frac{1}{|A_i|} \sum_{j \in A_i} x'_{ij}
        \quad \text{if } |A_i| \ge \text{min\_share} \cdot k, \text{ else missing.}

    Averaging the available items ("person-mean" or prorated scale score) is the usual treatment
    of a few missing Likert items (Schafer & Graham 2002, *Psychological Methods* 7(2), 147-177).
    """
    if not 0 < min_share <= 1:
        raise ValueError("min_share must be in (0, 1]")
    scores = {}
    for name, definition in constructs.items():
        values = reverse_coded_items(df, definition, scale_points, name)
        answered = values.notna().sum(axis=1)
        k = values.shape[1]
        enough = answered >= min_share * k - 1e-9
        scores[name] = values.mean(axis=1).where(enough, np.nan)
    return pd.DataFrame(scores, index=df.index)
