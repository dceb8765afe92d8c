"""Driver analysis: which quality dimensions move a loyalty outcome, and by how much.

One regression of an outcome (recommendation, an intention, a loyalty index) on the driver scores
(typically Zineldin's five quality dimensions) gives:

* unstandardized and standardized coefficients with HC3 robust standard errors, p-values and
  confidence intervals, R², adjusted R² and the VIF of each driver
  (:mod:`surveyapp.analysis.regression`);
* relative importance that splits R² among correlated drivers: LMG / Shapley values and
  Johnson's relative weights, in units of R² and as shares of R², with optional percentile
  bootstrap intervals (:mod:`surveyapp.analysis.relative_importance`).

All of it is computed from one weighted covariance matrix of the complete responses, built in one
pass over the rows (chunk by chunk for a large file: :func:`driver_analysis_of_chunks`), plus one
more pass for the HC3 sandwich; the bootstrap recomputes only that matrix per resample.

Importance-performance quadrants and the customer relationship matrix live in their own modules,
:mod:`~surveyapp.analysis.importance_performance` and :mod:`~surveyapp.analysis.relationship_matrix`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .complete_rows import CompleteRows
from .importance_performance import importance_performance
from .moments import MomentAccumulator, cov_to_corr
from .regression import least_squares_from_moments
from .relative_importance import (
    COLLINEARITY_TOLERANCE,
    LMG_MAX_DRIVERS,
    bootstrap_importance,
    lmg_from_corr,
    percentile_interval,
    relative_weights_from_corr,
)

__all__ = [
    "DriverAnalyses",
    "DriverAnalysisError",
    "DriverResult",
    "driver_analyses",
    "driver_analysis",
    "driver_analysis_of_chunks",
]

# A VIF above this is reported as a warning: coefficients become unstable, importance still works.
VIF_WARNING = 10.0


class DriverAnalysisError(ValueError):
    """The data cannot be analysed; the message says why in words a researcher understands."""


def _quote_list(names):
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _none_if_nan(value):
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


@dataclass
class DriverResult:
    """Result of :func:`driver_analysis`.

    Attributes
    ----------
    outcome : str
    n : int
        Complete responses used.
    n_dropped : int
        Rows left out: a missing outcome, driver or weight (listwise deletion), or a zero weight.
    r2, adj_r2 : float
    intercept, intercept_se : float
    table : DataFrame
        One row per driver: ``beta, se, t, p, ci_low, ci_high, beta_std, vif, lmg, lmg_share,
        relative_weight, relative_weight_share, mean`` and, with a bootstrap, ``lmg_ci_low,
        lmg_ci_high, relative_weight_ci_low, relative_weight_ci_high`` and the same for the
        shares. ``mean`` is the (weighted) mean driver score: the performance.
    warnings : list of str
        Things a researcher should know (low VIF-stability, a failed bootstrap resample ...).
    """

    outcome: str
    n: int
    n_dropped: int
    r2: float
    adj_r2: float
    intercept: float
    intercept_se: float
    table: pd.DataFrame
    weights: str | None = None
    n_boot: int = 0
    seed: int | None = None
    conf_level: float = 0.95
    r2_ci: tuple[float, float] | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def drivers(self):
        return list(self.table.index)

    def importance_performance(self, importance="lmg_share", **kwargs):
        """Importance-performance quadrants with this result's importance and driver means.

        ``importance`` names a column of :attr:`table` (``lmg_share``, ``relative_weight_share``,
        ``beta_std`` ...); keyword arguments go to :func:`importance_performance`.
        """
        return importance_performance(self.table[importance], self.table["mean"], **kwargs)

    def to_dict(self):
        """Plain JSON-ready dict (NaN becomes None).

        Shape::

            {"outcome", "n", "n_dropped", "r2", "adj_r2", "intercept", ...,
             "drivers": {NAME: {"beta", "beta_std", "p", "vif", "lmg", "lmg_share",
                                "relative_weight", "relative_weight_share", "se", "ci_low",
                                "ci_high", "mean", "lmg_ci", "relative_weight_ci", ...}}}

        ``lmg`` and ``relative_weight`` are in units of R² (they sum to ``r2``); the shares sum
        to 1. The ``*_ci`` entries are ``[low, high]`` from the bootstrap, or None without one.
        """
        drivers = {}
        boot = self.n_boot > 0
        for name, row in self.table.iterrows():
            entry = {
                key: _none_if_nan(row[key])
                for key in (
                    "beta",
                    "beta_std",
                    "se",
                    "t",
                    "p",
                    "ci_low",
                    "ci_high",
                    "vif",
                    "lmg",
                    "lmg_share",
                    "relative_weight",
                    "relative_weight_share",
                    "mean",
                )
            }
            for key in ("lmg", "relative_weight", "lmg_share", "relative_weight_share"):
                entry[f"{key}_ci"] = (
                    [_none_if_nan(row[f"{key}_ci_low"]), _none_if_nan(row[f"{key}_ci_high"])]
                    if boot
                    else None
                )
            drivers[str(name)] = entry
        return {
            "outcome": self.outcome,
            "n": int(self.n),
            "n_dropped": int(self.n_dropped),
            "r2": _none_if_nan(self.r2),
            "adj_r2": _none_if_nan(self.adj_r2),
            "r2_ci": None if self.r2_ci is None else [_none_if_nan(v) for v in self.r2_ci],
            "intercept": _none_if_nan(self.intercept),
            "intercept_se": _none_if_nan(self.intercept_se),
            "weights": self.weights,
            "n_boot": int(self.n_boot),
            "seed": self.seed,
            "conf_level": self.conf_level,
            "warnings": list(self.warnings),
            "drivers": drivers,
        }


def _driver_list(drivers):
    drivers = [drivers] if isinstance(drivers, str) else list(drivers)
    if not drivers:
        raise DriverAnalysisError("No drivers given: name at least one driver column.")
    duplicated = sorted({d for d in drivers if drivers.count(d) > 1})
    if duplicated:
        raise DriverAnalysisError(f"Driver {_quote_list(duplicated)} is listed more than once.")
    return drivers


def _check_columns(df, outcome, drivers, weights):
    drivers = _driver_list(drivers)
    if outcome in drivers:
        raise DriverAnalysisError(f"'{outcome}' is both the outcome and a driver.")
    columns = [outcome, *drivers] + ([weights] if isinstance(weights, str) else [])
    missing = [c for c in columns if c not in df.columns]
    if missing:
        shown = ", ".join(map(str, list(df.columns)[:12])) + (" ..." if len(df.columns) > 12 else "")
        word = "Column" if len(missing) == 1 else "Columns"
        raise DriverAnalysisError(f"{word} {_quote_list(missing)} not found in the data (columns: {shown}).")
    for column in columns:
        dtype = df[column].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            role = "outcome" if column == outcome else "weight" if column == weights else "driver"
            raise DriverAnalysisError(
                f"The {role} column '{column}' is not numeric (it holds {dtype} values); "
                "driver analysis needs numbers."
            )
    return drivers


def _weights_array(df, weights):
    if weights is None:
        return None
    if isinstance(weights, str):
        w = df[weights].to_numpy(dtype=float)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(df),):
            raise DriverAnalysisError(
                f"Weights must have one value per row ({len(df)}), not shape {w.shape}."
            )
    negative = int(np.sum(w < 0))
    if negative:
        raise DriverAnalysisError(
            f"{negative} weight(s) are negative; case weights must be zero or positive."
        )
    return w


def _collinear_drivers(rxx, drivers):
    """Names of drivers involved in an exact linear dependency, or [] when there is none."""
    evals, evecs = np.linalg.eigh(rxx)
    null = evecs[:, evals < COLLINEARITY_TOLERANCE]
    if null.shape[1] == 0:
        return []
    involved = np.abs(null).max(axis=1) > 1e-6
    return [d for d, inv in zip(drivers, involved, strict=True) if inv]


def driver_analysis(df, outcome, drivers, weights=None, *, n_boot=0, seed=None, conf_level=0.95):
    r"""Regress an outcome on its drivers and split R² into relative importances.

    Parameters
    ----------
    df : DataFrame
        One row per response.
    outcome : str
        Column of the outcome, e.g. the 0-10 recommendation score or a loyalty intention.
    drivers : list of str
        Columns of the drivers, e.g. the five 5Q construct scores.
    weights : str or array_like, optional
        Column name (or array) of non-negative case weights. With weights every quantity is
        weighted: WLS coefficients, weighted means and standard deviations (``beta_std``),
        the weighted correlation matrix behind VIF, LMG and relative weights.
    n_boot : int, default 0
        Bootstrap resamples for percentile intervals of the importances; 0 for none
        (1,000 or more for publication).
    seed : int, optional
        Seed of the bootstrap; the same seed gives the same intervals.
    conf_level : float, default 0.95
        Level of the coefficient and bootstrap intervals.

    Returns
    -------
    DriverResult

    Raises
    ------
    DriverAnalysisError
        A column is missing or not numeric; fewer complete responses than drivers + 2; a driver
        or the outcome is constant; drivers are perfectly collinear; a weight is negative.

    Notes
    -----
    Responses with a missing outcome, driver or weight are left out (listwise deletion), as are
    rows with weight 0; ``n_dropped`` counts them.

    * Coefficients, HC3 robust standard errors, t-based p-values and intervals, R² and
      adjusted R²: see :func:`surveyapp.analysis.regression.weighted_least_squares`.
    * Standardized coefficient :math:`\beta^{std}_j = b_j\, s_{x_j} / s_y` with weighted
      standard deviations.
    * :math:`\mathrm{VIF}_j = 1 / (1 - R^2_j) = (R_{xx}^{-1})_{jj}`.
    * LMG (Lindeman, Merenda & Gold 1980; Grömping 2006): the Shapley value of each driver
      in the R² game, exact over all :math:`2^p` subsets, whose R² are solved on sub-matrices
      of the correlation matrix; above ``LMG_MAX_DRIVERS`` drivers LMG is left NaN with a warning.
    * Relative weights (Johnson 2000) via the eigen-decomposition of :math:`R_{xx}`.
    * Shares are importance / R².
    * Bootstrap: percentile intervals (Efron & Tibshirani 1993) over resamples of the complete
      responses; see :func:`surveyapp.analysis.relative_importance.bootstrap_importance`.

    References
    ----------
    Grömping, U. (2006). Relative importance for linear regression in R: the package relaimpo.
    *Journal of Statistical Software*, 17(1).
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
    variables in multiple regression. *Multivariate Behavioral Research*, 35(1), 1-19.
    Lindeman, R. H., Merenda, P. F. & Gold, R. Z. (1980). *Introduction to Bivariate and
    Multivariate Analysis*. Scott, Foresman.
    """
    drivers = _check_columns(df, outcome, drivers, weights)
    label = weights if isinstance(weights, str) else (None if weights is None else "array")
    return _analyse([(df, _weights_array(df, weights))], outcome, drivers, label,
                    n_boot=n_boot, seed=seed, conf_level=conf_level)


def driver_analysis_of_chunks(frames, outcome, drivers, weights=None, *, n_boot=0, seed=None, conf_level=0.95):
    """:func:`driver_analysis` of the rows of several DataFrames (chunks of one large file) taken
    together, in one pass over them: memory depends on the chunk size, not on the number of rows.
    ``weights`` is a column name or None. The result equals :func:`driver_analysis` of the chunks
    concatenated (up to rounding).
    """
    drivers = _driver_list(drivers)

    def checked():
        for frame in frames:
            _check_columns(frame, outcome, drivers, weights)
            yield frame, _weights_array(frame, weights)

    return _analyse(checked(), outcome, drivers, weights, n_boot=n_boot, seed=seed, conf_level=conf_level)


def _analyse(chunks, outcome, drivers, weights_label, *, n_boot, seed, conf_level):
    """The analysis, step by step, over ``(frame, weights array or None)`` chunks."""
    columns = [*drivers, outcome]
    moments = MomentAccumulator(len(columns))
    rows = CompleteRows(len(columns))
    total = 0
    try:
        for frame, w in chunks:
            total += len(frame)
            block = _complete_rows(frame, columns, w, rows.new_block(len(frame)))
            data, w = block[:, :-1], None if w is None else block[:, -1]
            moments.add(data, w)
            rows.append_block(block, w is not None)
        _check_enough(moments.n, len(drivers))
        _check_not_constant(moments, columns, outcome)
        corr = cov_to_corr(moments.cov)
        _check_not_collinear(corr, drivers)
        fit = least_squares_from_moments(rows.blocks(), moments.n, moments.mean, moments.cov,
                                         moments.total_weight, conf_level)
        warnings = _fit_warnings(fit, corr, drivers)
        table = _importance_table(fit, corr, drivers, warnings)
        r2_ci = None
        if n_boot:
            r2_ci = _bootstrap_intervals(table, rows, n_boot, seed, conf_level, warnings)
    finally:
        rows.close()
    return DriverResult(
        outcome=outcome,
        n=moments.n,
        n_dropped=total - moments.n,
        r2=fit.r2,
        adj_r2=fit.adj_r2,
        intercept=float(fit.params[0]),
        intercept_se=float(fit.se[0]),
        table=table,
        weights=weights_label,
        n_boot=int(n_boot),
        seed=seed,
        conf_level=conf_level,
        r2_ci=r2_ci,
        warnings=warnings,
    )


def _complete_rows(frame, columns, w_all, block):
    """The rows of ``frame`` with every column finite and a positive weight: ``block`` (one row
    per row of ``frame``, a column per name in ``columns``, then the weight: 1 without weights)
    filled, or the complete ones of its rows."""
    k = len(columns)
    for j, column in enumerate(columns):
        block[:, j] = frame[column].to_numpy(dtype=float)
    block[:, k] = 1.0 if w_all is None else w_all
    data = block[:, :k]
    # One pass over the rows: a row sum is finite exactly when the row has no NaN or inf.
    keep = np.isfinite(data.sum(axis=1))
    if not keep.all():
        infinite = np.isinf(data[~keep]).any(axis=0)
        if infinite.any():
            bad = [c for c, b in zip(columns, infinite, strict=True) if b]
            raise DriverAnalysisError(f"Column {_quote_list(bad)} contains infinite values.")
    if w_all is not None:
        keep &= np.isfinite(w_all) & (w_all > 0)
    if keep.all():
        return block
    kept = np.empty((block.shape[1], int(keep.sum())))  # still one contiguous run per column
    return np.compress(keep, block.T, axis=1, out=kept).T


def _check_enough(n, p):
    if n < p + 2:
        raise DriverAnalysisError(
            f"Only {n} complete response(s) for {p} driver(s): a driver analysis needs at least "
            f"{p + 2} (the number of drivers + 2)."
        )


def _check_not_constant(moments, columns, outcome):
    constant = [c for c, same in zip(columns, moments.constant, strict=True) if same]
    if outcome in constant:
        raise DriverAnalysisError(f"The outcome '{outcome}' has the same value in every complete response.")
    if constant:
        raise DriverAnalysisError(
            f"Driver {_quote_list(constant)} has the same value in every complete response, "
            "so its effect cannot be estimated."
        )


def _check_not_collinear(corr, drivers):
    collinear = _collinear_drivers(corr[: len(drivers), : len(drivers)], drivers)
    if collinear:
        raise DriverAnalysisError(
            f"Drivers {_quote_list(collinear)} are perfectly collinear: one is an exact linear "
            "combination of the others. Drop or combine one of them."
        )


def _fit_warnings(fit, corr, drivers):
    p = len(drivers)
    vif = np.diag(np.linalg.inv(corr[:p, :p]))
    warnings = []
    high_vif = [f"'{d}' ({v:.1f})" for d, v in zip(drivers, vif, strict=True) if v > VIF_WARNING]
    if high_vif:
        warnings.append(
            f"High multicollinearity (VIF above {VIF_WARNING:g}): {', '.join(high_vif)}; "
            "coefficients are unstable, relative importances remain interpretable."
        )
    if fit.max_leverage > 1 - 1e-10:
        warnings.append("A response has leverage 1: its HC3 standard errors are undefined.")
    return warnings


def _importance_table(fit, corr, drivers, warnings):
    """One row per driver: coefficients, VIF, LMG and relative weights, mean (performance)."""
    p = len(drivers)
    sd = np.sqrt(np.diag(fit.cov))
    beta = fit.params[1:]
    rw = relative_weights_from_corr(corr)
    if p <= LMG_MAX_DRIVERS:
        lmg = lmg_from_corr(corr)
    else:
        lmg = np.full(p, np.nan)
        warnings.append(f"LMG needs all 2^p subsets and is skipped above {LMG_MAX_DRIVERS} drivers.")
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame(
            {
                "beta": beta,
                "se": fit.se[1:],
                "t": fit.t[1:],
                "p": fit.p[1:],
                "ci_low": fit.ci_low[1:],
                "ci_high": fit.ci_high[1:],
                "beta_std": beta * sd[:p] / sd[p],
                "vif": np.diag(np.linalg.inv(corr[:p, :p])),
                "lmg": lmg,
                "lmg_share": lmg / fit.r2,
                "relative_weight": rw,
                "relative_weight_share": rw / fit.r2,
                "mean": fit.mean[:p],
            },
            index=pd.Index(drivers, name="driver"),
        )


def _bootstrap_intervals(table, rows, n_boot, seed, conf_level, warnings):
    """Percentile intervals of the importances (columns added to ``table``); returns R²'s."""
    p = len(table)
    data, w = rows.array()
    boot = bootstrap_importance(data, w, n_boot=n_boot, seed=seed)
    failed = int(np.isnan(boot["r2"]).sum())
    if failed:
        warnings.append(
            f"{failed} of {n_boot} bootstrap resamples had a constant or collinear driver and were skipped."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        draws = {
            "lmg": boot["lmg"],
            "relative_weight": boot["relative_weight"],
            "lmg_share": boot["lmg"] / boot["r2"][:, None],
            "relative_weight_share": boot["relative_weight"] / boot["r2"][:, None],
        }
    for key, values in draws.items():
        if np.isnan(values).all():
            low = high = np.full(p, np.nan)
        else:
            low, high = percentile_interval(values, conf_level)
        table[f"{key}_ci_low"] = low
        table[f"{key}_ci_high"] = high
    return tuple(float(v) for v in percentile_interval(boot["r2"], conf_level))


@dataclass
class DriverAnalyses:
    """Results of :func:`driver_analyses`: several outcomes, overall and per segment.

    Attributes
    ----------
    results : dict
        ``(outcome, segment_value) -> DriverResult``; ``segment_value`` is None for all responses.
    skipped : dict
        ``(outcome, segment_value) -> reason`` for segments that were not analysed.
    segment : str or None
        The segment column.
    """

    results: dict
    skipped: dict
    segment: str | None = None

    def to_frame(self):
        """Long table: one row per outcome, segment and driver, with the model figures repeated."""
        frames = []
        for (outcome, value), result in self.results.items():
            frame = result.table.reset_index()
            frame.insert(0, "segment", value)
            frame.insert(0, "outcome", outcome)
            frame["n"] = result.n
            frame["r2"] = result.r2
            frame["adj_r2"] = result.adj_r2
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def to_dict(self):
        return {
            "segment": self.segment,
            "results": [
                {"segment": _plain(value), **result.to_dict()} for (_, value), result in self.results.items()
            ],
            "skipped": [
                {"outcome": outcome, "segment": _plain(value), "reason": reason}
                for (outcome, value), reason in self.skipped.items()
            ],
        }


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def driver_analyses(df, outcomes, drivers, weights=None, *, segment=None, min_n=30, **kwargs):
    """Driver analyses of several outcomes, for all responses and per segment.

    Parameters
    ----------
    df : DataFrame
    outcomes : str or list of str
    drivers : list of str
    weights : str, optional
        Column of case weights.
    segment : str, optional
        Column whose values split the responses (segment, persona, channel, wave ...); each
        segment is analysed on its own when it has at least ``min_n`` complete responses.
    min_n : int, default 30
        Fewest complete responses (outcome, all drivers and weight present) for a segment to be
        analysed. The overall analysis only needs drivers + 2.
    **kwargs
        Passed to :func:`driver_analysis` (``n_boot``, ``seed``, ``conf_level``).

    Returns
    -------
    DriverAnalyses
        A segment that is too small, or whose data fail a check of :func:`driver_analysis`
        (e.g. a driver constant within it), is listed in ``skipped`` with the reason; errors
        in the overall analysis are raised.
    """
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    if segment is not None and segment not in df.columns:
        raise DriverAnalysisError(f"Segment column '{segment}' not found in the data.")
    results, skipped = {}, {}
    for outcome in outcomes:
        results[(outcome, None)] = driver_analysis(df, outcome, drivers, weights, **kwargs)
        if segment is None:
            continue
        needed = [outcome, *drivers] + ([weights] if isinstance(weights, str) else [])
        for value, part in df.groupby(segment, sort=True, observed=True):
            complete = int(part[needed].notna().all(axis=1).sum())
            if complete < min_n:
                skipped[(outcome, value)] = f"{complete} complete responses, fewer than {min_n}"
                continue
            try:
                results[(outcome, value)] = driver_analysis(part, outcome, drivers, weights, **kwargs)
            except DriverAnalysisError as error:
                skipped[(outcome, value)] = str(error)
    return DriverAnalyses(results=results, skipped=skipped, segment=segment)
