r"""Weighting respondents to known population shares by raking (iterative proportional fitting).

Raking adjusts a weight per respondent so that the weighted shares of each weighting variable
(segment, region, age group ...) match the population's, one variable at a time, until all match
(Deming & Stephan 1940). Only the margins of each variable are needed, not their joint
distribution. Weights are scaled to mean 1.

Optional trimming keeps every weight within ``[low, high]`` (relative to the mean weight of 1):
weights are capped, then raked again, and so on until both hold or the iterations run out
(Battaglia, Izrael, Hoaglin & Frankel 2009). Trimmed weights may match the margins less closely:
``max_margin_error`` says by how much.

Unequal weights cost precision. Kish's design effect
:math:`\mathrm{deff} = n \sum w_i^2 / (\sum w_i)^2` says by how much the variance grows; the
effective sample size is :math:`n / \mathrm{deff}` (Kish 1965).

References
----------
Deming, W. E. & Stephan, F. F. (1940). On a least squares adjustment of a sampled frequency table
when the expected marginal totals are known. *Annals of Mathematical Statistics*, 11(4), 427-444.
Battaglia, M. P., Izrael, D., Hoaglin, D. C. & Frankel, M. R. (2009). Practical considerations in
raking survey data. *Survey Practice*, 2(5).
Kish, L. (1965). *Survey Sampling*. Wiley.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .intervals import design_effect, effective_n

#: Convergence: every weighted share within this of its target.
TOLERANCE = 1e-10
#: The shares of a variable must sum to 1 within this.
SHARE_SUM_TOLERANCE = 1e-6
MAX_ITERATIONS = 1000


class RakingError(ValueError):
    """Margins that cannot be raked to: the message names the variable or category."""


@dataclass
class RakeResult:
    weights: pd.Series  # mean 1, same index as the data
    converged: bool
    iterations: int
    max_margin_error: float  # largest |weighted share - target share| over all categories
    design_effect: float
    effective_n: float
    trim: tuple[float, float] | None = None

    def summary(self) -> dict:
        return {
            "n": int(len(self.weights)),
            "design_effect": self.design_effect,
            "effective_n": self.effective_n,
            "converged": self.converged,
            "iterations": self.iterations,
            "max_margin_error": self.max_margin_error,
            "min_weight": float(self.weights.min()) if len(self.weights) else None,
            "max_weight": float(self.weights.max()) if len(self.weights) else None,
            "trim": list(self.trim) if self.trim else None,
        }


def category_key(value) -> str | None:
    """A category as text, so that 1, 1.0 and "1" in a CSV all match "1" in the margins."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def margins_from_frame(frame: pd.DataFrame, *, source: str = "margins") -> dict[str, dict[str, float]]:
    """Margins from a table with columns ``variable, category, share`` (one row per category).

    Raises :class:`RakingError` for missing columns, a share that is not a number in 0..1 (with its
    row number, counting the header as row 1), a category given twice, or shares of a variable
    that do not sum to 1.
    """
    columns = {str(c).strip().lower(): c for c in frame.columns}
    missing = [c for c in ("variable", "category", "share") if c not in columns]
    if missing:
        raise RakingError(f"{source} needs the columns variable,category,share (missing: {', '.join(missing)})")
    margins: dict[str, dict[str, float]] = {}
    for position, row in enumerate(frame.itertuples(index=False), start=2):
        record = dict(zip(frame.columns, row, strict=True))
        variable = category_key(record[columns["variable"]])
        category = category_key(record[columns["category"]])
        if not variable or category is None:
            raise RakingError(f"{source} row {position}: variable and category must not be empty")
        raw = record[columns["share"]]
        try:
            share = float(str(raw).replace(",", ".")) if not isinstance(raw, (int, float)) else float(raw)
        except ValueError:
            raise RakingError(f"{source} row {position}: share {raw!r} of {variable}={category} is not a number") \
                from None
        if not 0 <= share <= 1:
            raise RakingError(f"{source} row {position}: share {share:g} of {variable}={category} is not in 0..1")
        if category in margins.setdefault(variable, {}):
            raise RakingError(f"{source} row {position}: category '{category}' of variable '{variable}' given twice")
        margins[variable][category] = share
    if not margins:
        raise RakingError(f"{source} has no rows")
    for variable, shares in margins.items():
        total = sum(shares.values())
        if abs(total - 1) > SHARE_SUM_TOLERANCE:
            raise RakingError(f"{source}: the shares of variable '{variable}' sum to {total:.6g}, not 1")
    return margins


def _codes(frame: pd.DataFrame, margins: dict[str, dict[str, float]], source: str) -> dict[str, np.ndarray]:
    """Per variable, each row's category index into the margins; checks that data and margins fit."""
    codes = {}
    for variable, shares in margins.items():
        if variable not in frame.columns:
            shown = ", ".join(map(str, list(frame.columns)[:12]))
            raise RakingError(f"variable '{variable}' of the margins is not a column of {source} (columns: {shown})")
        categories = list(shares)
        index = {category: i for i, category in enumerate(categories)}
        keys = [category_key(v) for v in frame[variable]]
        row_codes = np.empty(len(keys), dtype=int)
        for position, key in enumerate(keys):
            if key is None:
                raise RakingError(f"variable '{variable}': row {position + 2} of {source} has no value")
            if key not in index:
                raise RakingError(f"variable '{variable}': category '{key}' (row {position + 2} of {source}) "
                                  "is not in the margins")
            row_codes[position] = index[key]
        counts = np.bincount(row_codes, minlength=len(categories))
        for category, count in zip(categories, counts, strict=True):
            if count == 0 and shares[category] > 0:
                raise RakingError(f"variable '{variable}': category '{category}' of the margins has no "
                                  f"respondents in {source}")
        codes[variable] = row_codes
    return codes


def rake(frame: pd.DataFrame, margins: dict[str, dict[str, float]], *, trim: tuple[float, float] | None = None,
         max_iterations: int = MAX_ITERATIONS, tolerance: float = TOLERANCE, base_weights=None,
         source: str = "the data") -> RakeResult:
    """Rake the rows of ``frame`` to ``margins`` (variable -> category -> population share).

    ``trim = (low, high)`` keeps the weights (mean 1) within those bounds. ``base_weights``
    (e.g. design weights) are the starting point; default 1 for everyone. Raises
    :class:`RakingError` when data and margins do not fit (see :func:`_codes`).
    """
    if len(frame) == 0:
        raise RakingError(f"{source} has no rows to weight")
    if trim is not None:
        low, high = trim
        if not 0 <= low < 1 < high:
            raise RakingError(f"--trim {low:g},{high:g}: give LOW,HIGH with LOW below 1 and HIGH above 1")
    codes = _codes(frame, margins, source)
    targets = {variable: np.array(list(shares.values())) for variable, shares in margins.items()}
    n = len(frame)
    weights = np.ones(n) if base_weights is None else np.asarray(base_weights, dtype=float).copy()

    def error(w):
        total = w.sum()
        return max(float(np.abs(np.bincount(codes[v], weights=w, minlength=len(t)) / total - t).max())
                   for v, t in targets.items())

    iterations, converged = 0, False
    while iterations < max_iterations:
        iterations += 1
        for variable, target in targets.items():
            sums = np.bincount(codes[variable], weights=weights, minlength=len(target))
            factors = np.divide(target * weights.sum(), sums, out=np.zeros_like(sums), where=sums > 0)
            weights = weights * factors[codes[variable]]
        if trim is not None:
            mean = weights.mean()
            weights = np.clip(weights / mean, trim[0], trim[1]) * mean
        if error(weights) < tolerance:
            converged = True
            break
    weights = weights / weights.mean()
    if trim is not None:  # cap and rescale to mean 1 until the bounds hold (the margins may then be off)
        for _ in range(max_iterations):
            if (weights >= trim[0] - 1e-12).all() and (weights <= trim[1] + 1e-12).all():
                break
            weights = np.clip(weights, trim[0], trim[1])
            weights = weights / weights.mean()
        converged = converged and error(weights) < max(tolerance, 1e-8)
    return RakeResult(
        weights=pd.Series(weights, index=frame.index, name="weight"),
        converged=converged,
        iterations=iterations,
        max_margin_error=error(weights),
        design_effect=design_effect(weights),
        effective_n=effective_n(weights),
        trim=trim,
    )


def margin_table(frame: pd.DataFrame, weights: pd.Series, margins: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Per variable and category: target share, unweighted share in the data, weighted share."""
    rows = []
    total = float(weights.sum())
    for variable, shares in margins.items():
        keys = frame[variable].map(category_key)
        for category, target in shares.items():
            mask = (keys == category).to_numpy()
            rows.append({"variable": variable, "category": category, "target": target,
                         "unweighted": float(mask.mean()), "weighted": float(weights[mask].sum() / total),
                         "n": int(mask.sum())})
    return pd.DataFrame(rows)
