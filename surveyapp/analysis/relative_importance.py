"""Relative importance of correlated drivers: LMG (Shapley) and Johnson's relative weights.

Both split the R² of a linear regression among its drivers. Both are functions of the correlation
matrix alone, so they are computed on a (p + 1) × (p + 1) matrix whatever the number of responses;
the bootstrap resamples rows by drawing integer frequency weights and recomputes only that matrix.

Conventions: a correlation matrix ``corr`` has the p drivers first and the outcome LAST. All the
``*_from_corr`` functions accept a single matrix (p + 1, p + 1) or a stack (..., p + 1, p + 1)
and then compute for every matrix in the stack at once.

References
----------
Lindeman, R. H., Merenda, P. F. & Gold, R. Z. (1980). *Introduction to Bivariate and
Multivariate Analysis*. Glenview, IL: Scott, Foresman.
Grömping, U. (2006). Relative importance for linear regression in R: the package relaimpo.
*Journal of Statistical Software*, 17(1), 1-27.
Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
variables in multiple regression. *Multivariate Behavioral Research*, 35(1), 1-19.
Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.
"""

from __future__ import annotations

from functools import lru_cache
from math import factorial

import numpy as np
import pandas as pd

from .moments import cov_to_corr, weighted_corr

# Exact LMG needs the R² of all 2^p subsets; 2^15 = 32,768 small solves still take well under a
# second, 2^20 would not.
LMG_MAX_DRIVERS = 15

# Smallest eigenvalue of a correlation matrix below which drivers count as perfectly collinear.
COLLINEARITY_TOLERANCE = 1e-10


@lru_cache(maxsize=32)
def _subsets_by_size(p):
    """For each size k = 1..p: the bitmasks of the subsets of size k and their column indices."""
    masks = np.arange(2**p)
    bits = (masks[:, None] >> np.arange(p)) & 1
    size = bits.sum(axis=1)
    groups = []
    for k in range(1, p + 1):
        these = masks[size == k]
        idx = np.array([np.flatnonzero(bits[m]) for m in these])
        groups.append((these, idx))
    return groups


def all_subsets_r2(corr):
    r"""R² of the regression of the outcome on every subset of the drivers.

    For a subset :math:`S` of drivers,

    .. math:: R^2_S = r_{Sy}^\top R_{SS}^{-1} r_{Sy},

    with :math:`R_{SS}` the correlations among the drivers in :math:`S` and :math:`r_{Sy}`
    their correlations with the outcome (the model includes an intercept).

    Parameters
    ----------
    corr : array_like, shape (..., p + 1, p + 1)
        Correlation matrix (or stack of them), outcome last.

    Returns
    -------
    ndarray, shape (..., 2**p)
        Entry ``mask`` is :math:`R^2_S` for the subset whose bit j is set when driver j is in it;
        entry 0 (the empty model) is 0.
    """
    corr = np.asarray(corr, dtype=float)
    p = corr.shape[-1] - 1
    r2 = np.zeros(corr.shape[:-2] + (2**p,))
    for masks, idx in _subsets_by_size(p):
        r_sub = corr[..., idx, p]  # (..., n_subsets, k)
        R_sub = corr[..., idx[:, :, None], idx[:, None, :]]  # (..., n_subsets, k, k)
        try:
            solved = np.linalg.solve(R_sub, r_sub[..., None])[..., 0]
        except np.linalg.LinAlgError:
            solved = (np.linalg.pinv(R_sub, hermitian=True) @ r_sub[..., None])[..., 0]
        r2[..., masks] = np.sum(r_sub * solved, axis=-1)
    return r2


@lru_cache(maxsize=32)
def shapley_matrix(p):
    r"""Matrix :math:`M` (p, 2**p) with :math:`\mathrm{LMG} = M\, R^2_{\text{all subsets}}`.

    The LMG share of driver j is its Shapley value in the game whose worth is :math:`R^2`:

    .. math::

        \mathrm{LMG}_j = \sum_{S \subseteq P \setminus \{j\}}
            \frac{|S|!\,(p - |S| - 1)!}{p!}\,\bigl(R^2_{S \cup \{j\}} - R^2_S\bigr),

    i.e. the increase in R² from adding j, averaged over all p! orders of entering the drivers
    (Lindeman, Merenda & Gold 1980; Grömping 2006, eq. 5).
    """
    masks = np.arange(2**p)
    size = np.array([bin(m).count("1") for m in masks])
    weight = np.array([factorial(s) * factorial(p - s - 1) / factorial(p) if s < p else 0.0 for s in size])
    M = np.zeros((p, 2**p))
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        M[j, without | (1 << j)] += weight[without]
        M[j, without] -= weight[without]
    M.setflags(write=False)
    return M


def lmg_from_corr(corr):
    """LMG importances (in units of R², summing to the full-model R²) from correlation matrices.

    See :func:`shapley_matrix` for the formula. Shape (..., p + 1, p + 1) -> (..., p).
    """
    corr = np.asarray(corr, dtype=float)
    p = corr.shape[-1] - 1
    return all_subsets_r2(corr) @ shapley_matrix(p).T


def relative_weights_from_corr(corr):
    r"""Johnson's (2000) relative weights (in units of R², summing to R²) from correlation matrices.

    With the eigen-decomposition :math:`R_{xx} = V \Lambda V^\top`, the orthogonal variables
    :math:`Z` closest to the standardized drivers in the least-squares sense relate to them by
    :math:`\Lambda^* = R_{xx}^{1/2} = V \Lambda^{1/2} V^\top`. Regressing the outcome on
    :math:`Z` gives :math:`\beta^* = \Lambda^{*-1} r_{xy}` and the raw weight of driver j is

    .. math:: \varepsilon_j = \sum_k \lambda^{*2}_{jk}\, \beta^{*2}_k,

    with :math:`\sum_j \varepsilon_j = R^2` (Johnson 2000, eqs. 8-10).

    Parameters
    ----------
    corr : array_like, shape (..., p + 1, p + 1)
        Correlation matrix (or stack), outcome last; the driver block must be positive definite.

    Returns
    -------
    ndarray, shape (..., p)
    """
    corr = np.asarray(corr, dtype=float)
    p = corr.shape[-1] - 1
    rxx = corr[..., :p, :p]
    rxy = corr[..., :p, p]
    evals, evecs = np.linalg.eigh(rxx)
    root = np.sqrt(np.clip(evals, 0.0, None))
    lam = (evecs * root[..., None, :]) @ np.swapaxes(evecs, -1, -2)
    beta = evecs @ ((np.swapaxes(evecs, -1, -2) @ rxy[..., None])[..., 0] / root)[..., None]
    return ((lam**2) @ (beta**2))[..., 0]


def _as_frame(X, y, weights):
    X = pd.DataFrame(X)
    X.columns = [str(c) for c in X.columns]
    y = np.asarray(y, dtype=float)
    data = np.column_stack([X.to_numpy(dtype=float), y])
    w = None if weights is None else np.asarray(weights, dtype=float)
    keep = np.isfinite(data).all(axis=1)
    if w is not None:
        keep &= np.isfinite(w)
        w = w[keep]
    return list(X.columns), data[keep], w


def lmg(X, y, weights=None):
    """LMG relative importance of the columns of ``X`` for ``y``, in units of R².

    Rows with a missing value are dropped. For validated input, significance and bootstrap
    intervals use :func:`surveyapp.analysis.drivers.driver_analysis`.

    Parameters
    ----------
    X : DataFrame or array_like, shape (n, p)
    y : array_like, shape (n,)
    weights : array_like, shape (n,), optional
        Case weights; the R² are those of weighted least squares.

    Returns
    -------
    Series
        Indexed by driver; sums to the R² of the full model. Formula in :func:`shapley_matrix`.

    Examples
    --------
    R's ``relaimpo::calc.relimp(lm(Y ~ X + M), type = "lmg")`` (Grömping 2006) on pingouin's
    ``mediation`` data gives X 0.05778011, M 0.31521913; so does this function. On R's
    ``swiss`` data (Fertility on the other five) it gives Agriculture 0.0571, Examination 0.1712,
    Education 0.2601, Catholic 0.1056, Infant.Mortality 0.1128, summing to R² = 0.7067.
    """
    names, data, w = _as_frame(X, y, weights)
    return pd.Series(lmg_from_corr(weighted_corr(data, w)), index=names, name="lmg")


def relative_weights(X, y, weights=None):
    """Johnson's relative weights of the columns of ``X`` for ``y``, in units of R².

    Rows with a missing value are dropped. Formula in :func:`relative_weights_from_corr`.

    Examples
    --------
    The rwa R package (Martin Chan, README) reports for ``mpg ~ cyl + disp + hp + gear`` on
    ``mtcars`` raw weights cyl 0.2387, disp 0.2193, hp 0.1830, gear 0.1382 (R² 0.7791).
    """
    names, data, w = _as_frame(X, y, weights)
    return pd.Series(relative_weights_from_corr(weighted_corr(data, w)), index=names, name="relative_weight")


def bootstrap_importance(data, weights=None, n_boot=1000, seed=None):
    r"""Nonparametric bootstrap of R², LMG and relative weights.

    Each resample draws n rows with replacement. Instead of copying rows, a resample is held
    as integer frequencies :math:`c_i` (how often row i was drawn) and enters as the weights
    :math:`c_i w_i`; only the weighted moment matrix is recomputed, then all work is on the
    (p + 1) × (p + 1) correlation matrix, for all resamples of a chunk at once.

    Parameters
    ----------
    data : ndarray, shape (n, p + 1)
        Complete cases, drivers first, outcome last.
    weights : ndarray, shape (n,), optional
        Case weights, multiplied by the frequencies.
    n_boot : int
        Number of resamples.
    seed : int or numpy Generator, optional
        Seed for :func:`numpy.random.default_rng`; the same seed gives the same resamples.

    Returns
    -------
    dict of ndarray
        ``r2`` (n_boot,), ``lmg`` and ``relative_weight`` (n_boot, p). A resample whose drivers
        are constant or perfectly collinear has NaN in its row.
    """
    data = np.asarray(data, dtype=float)
    n, m = data.shape
    p = m - 1
    rng = np.random.default_rng(seed)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)

    # Centre once at the full-sample mean so the raw moments below do not lose precision.
    centre = w @ data / w.sum()
    aug = np.column_stack([np.ones(n), data - centre])
    iu = np.triu_indices(m + 1)
    # With few rows, a (n, q) matrix of all pairwise products turns every chunk of resamples into
    # one matrix product; with many rows that matrix would be too large, so resample one by one.
    products = None
    if n * len(iu[0]) <= 4_000_000:
        products = aug[:, iu[0]] * aug[:, iu[1]] * w[:, None]

    do_lmg = p <= LMG_MAX_DRIVERS
    chunk = max(1, min(n_boot, 2_000_000 // n, 4_000_000 // (2**p * p * p) if do_lmg else n_boot))
    r2 = np.full(n_boot, np.nan)
    lmg_boot = np.full((n_boot, p), np.nan)
    rw_boot = np.full((n_boot, p), np.nan)
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        draws = rng.integers(0, n, size=(b, n))
        counts = np.bincount((draws + (np.arange(b) * n)[:, None]).ravel(), minlength=b * n)
        counts = counts.reshape(b, n).astype(float)
        if products is not None:
            flat = counts @ products
            S = np.zeros((b, m + 1, m + 1))
            S[:, iu[0], iu[1]] = flat
            S[:, iu[1], iu[0]] = flat
        else:
            S = np.stack([(aug * (c * w)[:, None]).T @ aug for c in counts])
        total = S[:, 0, 0]
        mean = S[:, 0, 1:] / total[:, None]
        cov = S[:, 1:, 1:] / total[:, None, None] - mean[:, :, None] * mean[:, None, :]
        corr = cov_to_corr(cov)
        ok = np.isfinite(corr).all(axis=(1, 2))
        corr[~ok] = np.eye(m)
        ok &= np.linalg.eigvalsh(corr[:, :p, :p])[:, 0] > COLLINEARITY_TOLERANCE
        corr[~ok] = np.eye(m)
        rows = slice(start, start + b)
        rw = relative_weights_from_corr(corr)
        rw[~ok] = np.nan
        rw_boot[rows] = rw
        if do_lmg:
            sub = all_subsets_r2(corr)
            r2_b = sub[:, -1]
            lm = sub @ shapley_matrix(p).T
            lm[~ok] = np.nan
            lmg_boot[rows] = lm
        else:
            r2_b = np.nansum(rw, axis=1)
        r2_b[~ok] = np.nan
        r2[rows] = r2_b
    return {"r2": r2, "lmg": lmg_boot, "relative_weight": rw_boot}


def percentile_interval(draws, conf_level=0.95):
    """Percentile bootstrap interval (Efron & Tibshirani 1993, ch. 13) along axis 0, NaN ignored.

    Returns an array of shape (2, ...): lower and upper limits.
    """
    tail = (1.0 - conf_level) / 2.0 * 100.0
    return np.nanpercentile(draws, [tail, 100.0 - tail], axis=0)
