"""(Weighted) least squares with heteroskedasticity-consistent HC3 standard errors.

The coefficients come from the weighted covariance matrix (one pass over the data); the HC3
covariance needs the residuals and leverages, one more O(n p²) pass done with NumPy, because
building a statsmodels model costs far more time and memory on a million rows. The results are
those of ``statsmodels.api.WLS(y, add_constant(X), weights=w).fit(cov_type="HC3", use_t=True)``;
the tests check that. Student's t comes from ``scipy.special``, imported where it is used:
``surveyapp drivers`` imports it in a second thread while it reads the file (the import costs
about 0.3 s of CPU, bench/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .moments import weighted_moments

HC3_BLOCK_ROWS = 16_384


@dataclass(frozen=True)
class RegressionFit:
    """Result of :func:`weighted_least_squares`. Arrays are ordered intercept first."""

    params: np.ndarray
    se: np.ndarray
    t: np.ndarray
    p: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    r2: float
    adj_r2: float
    n: int
    df_resid: int
    mean: np.ndarray  # weighted means of the drivers, then the outcome
    cov: np.ndarray  # weighted covariance matrix of the drivers, then the outcome
    total_weight: float
    max_leverage: float


def weighted_least_squares(x, y, weights=None, conf_level=0.95):
    r"""Least squares of ``y`` on ``x`` with an intercept, optional case weights, HC3 inference.

    With case weights :math:`w_i` (all ones for OLS), centred drivers
    :math:`\tilde x_i = x_i - \bar x_w` and :math:`S` the weighted covariance matrix,

    .. math::

        b = S_{xx}^{-1} s_{xy}, \qquad b_0 = \bar y_w - \bar x_w^\top b, \qquad
        R^2 = \frac{s_{xy}^\top b}{s_{yy}}, \qquad
        R^2_{adj} = 1 - (1 - R^2)\frac{n - 1}{n - p - 1}.

    The HC3 covariance (MacKinnon & White 1985; Long & Ervin 2000) of the coefficients is the
    sandwich

    .. math::

        \hat V = (X^\top W X)^{-1} \Bigl(\sum_i \frac{w_i^2 e_i^2}{(1 - h_i)^2}
                 x_i x_i^\top\Bigr) (X^\top W X)^{-1},
        \qquad h_i = w_i\, x_i^\top (X^\top W X)^{-1} x_i,

    with :math:`x_i` including the constant, :math:`e_i` the residuals and :math:`h_i` the
    leverages of the whitened design :math:`W^{1/2} X` (as in statsmodels' WLS). It is
    computed in the centred parametrisation, where :math:`X^\top W X` is block diagonal, and
    transformed back to the intercept :math:`b_0`. Tests and intervals use Student's t with
    :math:`n - p - 1` degrees of freedom (as R's ``lmtest::coeftest(fit, vcovHC(fit, "HC3"))``).

    Parameters
    ----------
    x : ndarray, shape (n, p)
    y : ndarray, shape (n,)
    weights : ndarray, shape (n,), optional
        Positive case weights.
    conf_level : float

    Returns
    -------
    RegressionFit

    References
    ----------
    MacKinnon, J. G. & White, H. (1985). Some heteroskedasticity-consistent covariance matrix
    estimators with improved finite sample properties. *Journal of Econometrics*, 29(3), 305-325.
    Long, J. S. & Ervin, L. H. (2000). Using heteroscedasticity consistent standard errors in the
    linear regression model. *The American Statistician*, 54(3), 217-224.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    data = np.column_stack([x, y])
    w = None if weights is None else np.asarray(weights, dtype=float)
    mean, cov, total_weight, centred = weighted_moments(data, w, return_centred=True)
    return least_squares_from_centred(centred, mean, cov, total_weight, w, conf_level)


def least_squares_from_centred(centred, mean, cov, total_weight, weights=None, conf_level=0.95):
    """:func:`weighted_least_squares` from the output of ``weighted_moments(..., return_centred=True)``.

    ``centred`` holds the drivers then the outcome, each minus its weighted mean; the caller
    has checked that the drivers' covariance matrix is non-singular.
    """
    n = centred.shape[0]

    def blocks():
        for start in range(0, n, HC3_BLOCK_ROWS):
            block = slice(start, start + HC3_BLOCK_ROWS)
            yield centred[block], None if weights is None else weights[block]

    return least_squares_from_moments(blocks(), n, mean, cov, total_weight, conf_level, centred=True)


def least_squares_from_moments(blocks, n, mean, cov, total_weight, conf_level=0.95, *, centred=False):
    """:func:`weighted_least_squares` from the weighted moments of ``n`` complete rows and one more
    pass over them for HC3: ``blocks`` yields ``(rows, their weights or None)``, the rows holding
    the drivers then the outcome, as read (``mean`` is subtracted here) or, with ``centred``,
    already minus ``mean``.
    """
    p = cov.shape[0] - 1
    sxx, sxy, syy = cov[:p, :p], cov[:p, p], cov[p, p]
    b = np.linalg.solve(sxx, sxy)
    b0 = mean[p] - mean[:p] @ b
    r2 = float(sxy @ b / syy)
    df_resid = n - p - 1
    adj_r2 = 1.0 - (1.0 - r2) * (n - 1) / df_resid if df_resid > 0 else float("nan")

    inv_xx = np.linalg.inv(sxx * total_weight)  # (sum_i w_i xc_i xc_i')^-1
    # The sandwich's meat, D' diag(u) D with D = [1, xc], summed over blocks of rows: the
    # temporaries stay small and in cache instead of several arrays as long as the data.
    meat = np.zeros((p + 1, p + 1))
    max_leverage = 0.0
    shift = np.zeros(p + 1) if centred else mean
    # Column-major throughout: with p small, row-wise operations would loop over p values per row.
    # One matrix product per block gives the fitted values and (X'WX)^-1 xc of every row.
    fit_and_bread = np.empty((p + 1, p))
    fit_and_bread[0] = b
    fit_and_bread[1:] = inv_xx
    for rows, w in blocks:
        design = np.empty((p + 1, len(rows)))  # D' with D = [1, xc]: one row per column of D
        design[0] = 1.0
        xc = design[1:]
        np.subtract(rows[:, :p].T, shift[:p, None], out=xc)
        products = fit_and_bread @ xc
        resid = rows[:, p] - shift[p]
        resid -= products[0]
        leverage = np.multiply(products[1], xc[0])
        for j in range(1, p):
            leverage += products[j + 1] * xc[j]
        leverage += 1.0 / total_weight
        if w is not None:
            leverage *= w
            resid *= w  # whitened rows sqrt(w_i) x_i, residuals sqrt(w_i) e_i: w enters squared
        max_leverage = max(max_leverage, float(leverage.max(initial=0.0)))
        with np.errstate(divide="ignore", invalid="ignore"):
            np.subtract(1.0, leverage, out=leverage)
            u = np.square(np.divide(resid, leverage, out=resid), out=resid)
        meat += (design * u) @ design.T
    bread = np.zeros((p + 1, p + 1))
    bread[0, 0] = 1.0 / total_weight
    bread[1:, 1:] = inv_xx
    vc = bread @ meat @ bread
    back = np.eye(p + 1)  # [b0, b] = back @ [b0_centred, b]
    back[0, 1:] = -mean[:p]
    vcov = back @ vc @ back.T

    params = np.concatenate([[b0], b])
    se = np.sqrt(np.diag(vcov))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = params / se
    from scipy import special

    pval = 2.0 * special.stdtr(df_resid, -np.abs(t))
    crit = special.stdtrit(df_resid, 0.5 + conf_level / 2.0)
    return RegressionFit(
        params=params,
        se=se,
        t=t,
        p=pval,
        ci_low=params - crit * se,
        ci_high=params + crit * se,
        r2=r2,
        adj_r2=adj_r2,
        n=n,
        df_resid=df_resid,
        mean=mean,
        cov=cov,
        total_weight=total_weight,
        max_leverage=max_leverage,
    )
