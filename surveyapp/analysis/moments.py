"""Weighted means, covariance and correlation matrices.

Every regression quantity of the driver analysis (coefficients, R² of any subset of drivers,
relative weights) is a function of one covariance matrix, so the data are passed over once and
all further work is done on a small (p + 1) × (p + 1) matrix.
"""

from __future__ import annotations

import numpy as np


def weighted_moments(data, weights=None, return_centred=False, overwrite=False):
    r"""Weighted mean vector and covariance matrix of the columns of ``data``.

    Parameters
    ----------
    data : array_like, shape (n, k)
        Complete cases only (no NaN).
    weights : array_like, shape (n,), optional
        Non-negative case weights :math:`w_i`; all ones when omitted.
    return_centred : bool
        Also return the centred data :math:`z_i - \bar z` (saves a pass for the caller).
    overwrite : bool
        Centre ``data`` in place (it must be a writable float array) instead of copying it:
        on a million rows that saves a large allocation.

    Returns
    -------
    mean : ndarray, shape (k,)
        :math:`\bar z = \sum_i w_i z_i / W` with :math:`W = \sum_i w_i`.
    cov : ndarray, shape (k, k)
        :math:`S = \sum_i w_i (z_i - \bar z)(z_i - \bar z)^\top / W`.
    total_weight : float
        :math:`W`.
    centred : ndarray, shape (n, k)
        Only with ``return_centred``.

    Notes
    -----
    The divisor is :math:`W`, not :math:`W - 1`: the matrix is only used through correlations
    and ratios (regression coefficients, R²), where the divisor cancels. The data are centred
    before the cross-product, which keeps the result accurate when means are large relative to
    the spread.
    """
    data = np.asarray(data, dtype=float)
    if weights is None:
        total_weight = float(data.shape[0])
        mean = data.mean(axis=0)
    else:
        weights = np.asarray(weights, dtype=float)
        total_weight = float(weights.sum())
        mean = weights @ data / total_weight
    if overwrite:
        data -= mean
        centred = data
    else:
        centred = data - mean
    if weights is None:
        cov = centred.T @ centred / total_weight
    else:
        cov = (centred * weights[:, None]).T @ centred / total_weight
    if return_centred:
        return mean, cov, total_weight, centred
    return mean, cov, total_weight


def cov_to_corr(cov):
    r"""Correlation matrix :math:`R = D^{-1/2} S D^{-1/2}` from covariance matrices.

    Works on a single (k, k) matrix or a stack (..., k, k). Columns with zero variance give NaN.
    """
    cov = np.asarray(cov, dtype=float)
    sd = np.sqrt(np.diagonal(cov, axis1=-2, axis2=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / (sd[..., :, None] * sd[..., None, :])
    # Exact ones on the diagonal: rounding would otherwise leave 1 ± 1e-16.
    idx = np.arange(cov.shape[-1])
    corr[..., idx, idx] = np.where(sd > 0, 1.0, np.nan)
    return corr


def weighted_corr(data, weights=None):
    """Weighted correlation matrix of the columns of ``data`` (see :func:`weighted_moments`)."""
    return cov_to_corr(weighted_moments(data, weights)[1])


class MomentAccumulator:
    r"""Weighted means and covariance matrix built chunk by chunk, in one pass over the rows.

    Each chunk's centred cross-product matrix is merged into the running one with the pairwise
    update of Chan, Golub & LeVeque (1979),

    .. math::

        M = M_a + M_b + \frac{W_a W_b}{W_a + W_b}\,\delta\delta^\top, \qquad
        \delta = \bar z_b - \bar z_a,

    so the result equals :func:`weighted_moments` of all rows at once (up to rounding) while
    memory depends on the chunk size only. The column minima and maxima are kept too: a column
    is constant exactly when they agree.

    References
    ----------
    Chan, T. F., Golub, G. H. & LeVeque, R. J. (1979). Updating formulae and a pairwise algorithm
    for computing sample variances. Technical report STAN-CS-79-773, Stanford University.
    """

    def __init__(self, k: int):
        self.n = 0
        self.total_weight = 0.0
        self.mean = np.zeros(k)
        self.scatter = np.zeros((k, k))
        self.low = np.full(k, np.inf)
        self.high = np.full(k, -np.inf)

    def add(self, data, weights=None) -> None:
        """Merge the rows of ``data`` (complete cases, a float array; left unchanged)."""
        if len(data) == 0:
            return
        self.low = np.minimum(self.low, data.min(axis=0))
        self.high = np.maximum(self.high, data.max(axis=0))
        mean, cov, total_weight = weighted_moments(data, weights)
        combined = self.total_weight + total_weight
        delta = mean - self.mean
        self.scatter += cov * total_weight + np.outer(delta, delta) * (self.total_weight * total_weight / combined)
        self.mean += delta * (total_weight / combined)
        self.total_weight = combined
        self.n += len(data)

    @property
    def cov(self):
        return self.scatter / self.total_weight

    @property
    def constant(self):
        """Per column: True when every row holds the same value."""
        return self.low == self.high
