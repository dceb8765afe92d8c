r"""Precision planning for the loyalty tracker: sample sizes per wave and detectable changes.

Two independent waves of equal size n are compared with a two-sided z-test at level
:math:`\alpha` with power :math:`1-\beta`. With :math:`\sigma_1^2, \sigma_2^2` the variance of one
answer in each wave and :math:`\Delta` the change to detect,

.. math::

    n = \frac{(z_{1-\alpha/2} + z_{1-\beta})^2\,(\sigma_1^2 + \sigma_2^2)}{\Delta^2}

(rounded up; e.g. Chow, Shao & Wang 2008, section 4.2; Fleiss, Levin & Paik 2003, ch. 4 for
proportions with unpooled variances). The variances:

* mean: :math:`\sigma_1 = \sigma_2 =` the given SD;
* proportion: :math:`p(1-p)` before and :math:`(p+\Delta)(1-p-\Delta)` after;
* NPS (points, -100..100): one answer is +100 (promoter), 0 or -100 (detractor), so
  :math:`\sigma^2 = 100^2\,(p_P + p_D - (p_P - p_D)^2)`, taken equal in both waves.

The smallest change a wave's n can detect (minimal detectable change, MDC) turns the formula
around: :math:`\mathrm{MDC} = (z_{1-\alpha/2} + z_{1-\beta})\sqrt{2}\,\mathrm{se}`, with se the
standard error of this wave's KPI (both waves assumed equally precise). The margin of error is
:math:`z_{1-\alpha/2}\,\mathrm{se}`.

References
----------
Chow, S.-C., Shao, J. & Wang, H. (2008). *Sample Size Calculations in Clinical Research* (2nd ed.).
Chapman & Hall/CRC.
Fleiss, J. L., Levin, B. & Paik, M. C. (2003). *Statistical Methods for Rates and Proportions*
(3rd ed.). Wiley.
"""

from __future__ import annotations

import math
from statistics import NormalDist

KPIS = ("nps", "mean", "proportion")


def _z(p: float) -> float:
    return NormalDist().inv_cdf(p)


def _check_levels(alpha: float, power: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"--alpha must be between 0 and 1, not {alpha:g}")
    if not 0 < power < 1:
        raise ValueError(f"--power must be between 0 and 1, not {power:g}")


def n_per_wave(variance_before: float, variance_after: float, change: float, *, alpha: float = 0.05,
               power: float = 0.8) -> int:
    """Responses needed in each of two waves to detect ``change`` (see the module docstring)."""
    _check_levels(alpha, power)
    if change == 0:
        raise ValueError("--change must not be 0")
    n = (_z(1 - alpha / 2) + _z(power)) ** 2 * (variance_before + variance_after) / change**2
    return max(2, math.ceil(n - 1e-9))


def share(value: float, name: str) -> float:
    """A share given as 0..1 or as a percentage (above 1, up to 100)."""
    if value > 1:
        value = value / 100
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a share 0..1 or a percentage 0..100, not {value:g}")
    return value


def plan_nps(promoters: float, detractors: float, change: float, *, alpha: float = 0.05,
             power: float = 0.8) -> dict:
    """Sample size per wave to detect an NPS change of ``change`` points."""
    p_pro, p_det = share(promoters, "--promoters"), share(detractors, "--detractors")
    if p_pro + p_det > 1 + 1e-12:
        raise ValueError("--promoters and --detractors together exceed 100%")
    if not -200 <= change <= 200:
        raise ValueError("--change is in NPS points (-200..200)")
    variance = 100.0**2 * (p_pro + p_det - (p_pro - p_det) ** 2)
    if variance == 0:
        raise ValueError("with only promoters, or only detractors, or only passives the NPS has no variance")
    return {"kpi": "nps", "promoters": p_pro, "detractors": p_det, "nps": 100 * (p_pro - p_det),
            "change": change, "alpha": alpha, "power": power, "sd": math.sqrt(variance),
            "n_per_wave": n_per_wave(variance, variance, change, alpha=alpha, power=power)}


def plan_mean(sd: float, change: float, *, alpha: float = 0.05, power: float = 0.8) -> dict:
    """Sample size per wave to detect a change ``change`` of a mean with standard deviation ``sd``."""
    if not sd > 0:
        raise ValueError(f"--sd must be positive, not {sd:g}")
    return {"kpi": "mean", "sd": sd, "change": change, "alpha": alpha, "power": power,
            "n_per_wave": n_per_wave(sd**2, sd**2, change, alpha=alpha, power=power)}


def plan_proportion(p: float, change: float, *, alpha: float = 0.05, power: float = 0.8) -> dict:
    """Sample size per wave to detect a change of a proportion ``p`` by ``change`` (a share or points)."""
    p = share(p, "--p")
    if abs(change) > 1:
        change = change / 100
    after = p + change
    if not 0 <= after <= 1:
        raise ValueError(f"--p plus --change is {after:g}, outside 0..1")
    return {"kpi": "proportion", "p": p, "change": change, "alpha": alpha, "power": power,
            "n_per_wave": n_per_wave(p * (1 - p), after * (1 - after), change, alpha=alpha, power=power)}


def margin_of_error(se: float, *, conf_level: float = 0.95) -> float:
    """Half the width of the normal interval: :math:`z_{1-\\alpha/2}\\,\\mathrm{se}`."""
    return _z(0.5 + conf_level / 2) * se


def minimal_detectable_change(se: float, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """The smallest change between this wave and an equally precise next one that the tracker's
    two-sided test detects with ``power``: :math:`(z_{1-\\alpha/2} + z_{1-\\beta})\\sqrt 2\\,\\mathrm{se}`."""
    return (_z(1 - alpha / 2) + _z(power)) * math.sqrt(2) * se
