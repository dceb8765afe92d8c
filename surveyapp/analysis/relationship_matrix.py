"""The customer-relationship matrix: contacts by current and potential value.

|                    | low potential                  | high potential             |
|--------------------|--------------------------------|----------------------------|
| high current value | retain ("behoudklanten")       | expand ("topklanten")      |
| low current value  | wind down ("gedoogklanten")    | develop ("kansklanten")    |
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# (high current value, high potential value) -> (English, Dutch)
CELLS = {
    (True, True): ("expand", "topklanten"),
    (True, False): ("retain", "behoudklanten"),
    (False, True): ("develop", "kansklanten"),
    (False, False): ("wind down", "gedoogklanten"),
}


@dataclass
class RelationshipMatrix:
    """Result of :func:`customer_relationship_matrix`.

    ``table``: one row per cell (expand, retain, develop, wind down) with ``segment``,
    ``segment_nl``, ``current_value`` and ``potential_value`` ("high"/"low"), ``n``, ``share``
    and the mean of each loyalty column. ``segments``: each contact's label, aligned with the
    input rows (NaN where a value is missing). ``current_cut``/``potential_cut``: cut points used.
    """

    table: pd.DataFrame
    segments: pd.Series
    current_cut: float
    potential_cut: float

    def to_dict(self):
        rows = self.table.replace({np.nan: None}).to_dict(orient="records")
        return {
            "current_cut": float(self.current_cut),
            "potential_cut": float(self.potential_cut),
            "cells": rows,
        }


def customer_relationship_matrix(
    df,
    current_value_col,
    potential_value_col,
    loyalty_cols=(),
    *,
    current_cut=None,
    potential_cut=None,
    labels="en",
):
    """Split contacts by current and potential value and describe each cell.

    Parameters
    ----------
    df : DataFrame
        One row per contact.
    current_value_col, potential_value_col : str
        Numeric current value (e.g. revenue, CLV to date) and potential value (e.g. share of
        wallet still to win, expected CLV).
    loyalty_cols : list of str
        Loyalty scores to average per cell (recommendation, intentions, a loyalty index).
    current_cut, potential_cut : float, optional
        Cut points; default the median of the contacts with a value. A contact is "high" when its
        value is strictly above the cut, so with the median split at most half are high.
    labels : {"en", "nl"}
        Language of the labels in ``segments`` and the ``segment`` column: retain / expand /
        wind down / develop, or behoudklanten / topklanten / gedoogklanten / kansklanten.

    Returns
    -------
    RelationshipMatrix
    """
    if labels not in ("en", "nl"):
        raise ValueError("labels must be 'en' or 'nl'")
    loyalty_cols = [loyalty_cols] if isinstance(loyalty_cols, str) else list(loyalty_cols)
    for column in [current_value_col, potential_value_col, *loyalty_cols]:
        if column not in df.columns:
            raise ValueError(f"Column '{column}' not found in the data.")
        if not pd.api.types.is_numeric_dtype(df[column]):
            raise ValueError(f"Column '{column}' is not numeric.")
    current = df[current_value_col].astype(float)
    potential = df[potential_value_col].astype(float)
    current_cut = float(current.median()) if current_cut is None else float(current_cut)
    potential_cut = float(potential.median()) if potential_cut is None else float(potential_cut)
    known = current.notna() & potential.notna()
    high_current = current > current_cut
    high_potential = potential > potential_cut
    which = 0 if labels == "en" else 1

    segments = pd.Series(np.nan, index=df.index, dtype=object, name="relationship_segment")
    rows = []
    total = int(known.sum())
    for (is_high_current, is_high_potential), names in CELLS.items():
        members = known & (high_current == is_high_current) & (high_potential == is_high_potential)
        segments[members] = names[which]
        row = {
            "segment": names[which],
            "segment_en": names[0],
            "segment_nl": names[1],
            "current_value": "high" if is_high_current else "low",
            "potential_value": "high" if is_high_potential else "low",
            "n": int(members.sum()),
            "share": float(members.sum() / total) if total else np.nan,
        }
        for column in loyalty_cols:
            row[column] = float(df.loc[members, column].mean()) if members.any() else np.nan
        rows.append(row)
    return RelationshipMatrix(
        table=pd.DataFrame(rows), segments=segments, current_cut=current_cut, potential_cut=potential_cut
    )
