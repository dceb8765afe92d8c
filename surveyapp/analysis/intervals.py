r"""Confidence intervals that stay inside the possible range and behave at small n.

The Wald interval :math:`\hat\theta \pm z\,\mathrm{se}` of a share, an NPS or the mean of a
rating scale leaves the possible range at small n or near the ends of the scale (an NPS of
-30 to 110, a 1-5 mean of -0.06 to 6.06) and covers the true value far less often than it
claims (Brown, Cai & DasGupta 2001; for the NPS Rocks 2016). Here:

* **shares** (top-2-box, low effort): the **Wilson score interval** (Wilson 1927), which Brown,
  Cai & DasGupta (2001) recommend for small n;
* **bounded scores** (the mean of a 1-5 or 1-7 scale, a 0-100 index, and the NPS as the mean of
  +1 promoter / 0 passive / -1 detractor): rescaled to 0..1 they are "proportions with another
  variance". With :math:`m` the rescaled mean and :math:`s^2` the variance of the rescaled
  answers, the dispersion :math:`\phi = s^2 / (m(1-m))` (at most 1 for a variable in 0..1, by
  the Bhatia-Davis inequality) is used like a design effect: the Wilson interval is computed on
  the **effective sample size** :math:`n^* = n/\phi` and mapped back to the scale. This is the
  score interval of the quasi-binomial model (Wedderburn 1974), the same effective-sample-size
  device that Korn & Graubard (1998) use for survey proportions. It is always inside the scale,
  equals the Wilson interval for 0/1 answers and approaches the t interval for large n. When
  all answers are equal (no information on the variance) :math:`\phi = 1`, the largest
  variance possible, is used. Means use the critical value of :math:`t_{n-1}` (the variance is
  estimated), shares and the NPS the normal one.

Weighted estimates use Kish's effective n (:func:`effective_n`) in place of n.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*Journal of the American Statistical Association*, 22(158), 209-212.
Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for a binomial proportion.
*Statistical Science*, 16(2), 101-133.
Wedderburn, R. W. M. (1974). Quasi-likelihood functions, generalized linear models, and the
Gauss-Newton method. *Biometrika*, 61(3), 439-447.
Korn, E. L. & Graubard, B. I. (1998). Confidence intervals for proportions with small expected
number of positive counts estimated from survey data. *Survey Methodology*, 24(2), 193-201.
Rocks, B. (2016). Interval estimation for the "net promoter score". *The American Statistician*,
70(4), 365-372.
Kish, L. (1965). *Survey Sampling*. Wiley. (design effect, effective sample size)
"""

from __future__ import annotations

import math

import numpy as np

NAN = float("nan")


def wilson_interval(p: float, n: float, crit: float) -> tuple[float, float]:
    r"""Wilson's score interval for a proportion ``p`` observed on ``n`` (possibly effective) cases.

    .. math::

        \frac{p + \frac{c^2}{2n}}{1 + \frac{c^2}{n}} \pm
        \frac{c}{1 + \frac{c^2}{n}} \sqrt{\frac{p(1-p)}{n} + \frac{c^2}{4n^2}}
    """
    if not n > 0 or not np.isfinite(p) or not np.isfinite(crit):
        return NAN, NAN
    c2 = crit * crit
    denominator = 1 + c2 / n
    centre = (p + c2 / (2 * n)) / denominator
    half = crit / denominator * math.sqrt(max(p * (1 - p), 0.0) / n + c2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def bounded_interval(mean: float, variance: float, n: float, low: float, high: float,
                     crit: float) -> tuple[float, float]:
    """Interval for the mean of answers bounded by ``low..high`` (see the module docstring).

    ``variance`` is the variance of one answer on the original scale, ``n`` the (effective)
    number of answers, ``crit`` the critical value (normal or t).
    """
    if not n > 0 or not np.isfinite(mean) or high <= low:
        return NAN, NAN
    span = high - low
    m = min(max((mean - low) / span, 0.0), 1.0)
    bernoulli = m * (1 - m)
    v = variance / span**2 if np.isfinite(variance) else 0.0
    phi = v / bernoulli if bernoulli > 0 and v > 0 else 1.0
    lo, hi = wilson_interval(m, n / phi, crit)
    return low + span * lo, low + span * hi


def effective_n(weights) -> float:
    r"""Kish's effective sample size :math:`(\sum w)^2 / \sum w^2` (n when all weights are equal)."""
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    return float(total * total / (w * w).sum()) if len(w) and (w * w).sum() > 0 else 0.0


def design_effect(weights) -> float:
    r"""Kish's design effect of unequal weights, :math:`n \sum w^2 / (\sum w)^2` (1 when equal)."""
    w = np.asarray(weights, dtype=float)
    return float(len(w) / effective_n(w)) if len(w) else NAN
