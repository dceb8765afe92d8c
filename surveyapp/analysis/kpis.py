"""Loyalty KPIs: NPS, customer effort, engagement, loyalty intentions, 5Q dimension means.

Every KPI can be broken down by a group column (wave, segment, channel, persona) with small cells
suppressed, and followed over waves with the significance of each change (the loyalty tracker).

KPIs for :func:`kpi_summary`, :func:`breakdown` and :func:`tracker` are given as a mapping
``name -> spec``; ``spec["kind"]`` is one of

* ``"nps"``: ``column`` holds 0-10 recommendation answers; value on the -100..100 scale;
* ``"mean"``: mean of ``column`` (engagement, a 5Q dimension score, CES as a mean ...); with
  ``scale_min``/``scale_max`` the interval stays inside the scale;
* ``"top2box"``: share of answers in the two highest categories of ``scale_max`` (and
  ``scale_min``, default 1), e.g. a loyalty intention on a 5-point scale;
* ``"low_effort"``: share of CES answers at or above ``threshold`` (default 5 of 7).

Intervals stay inside the possible range (:mod:`surveyapp.analysis.intervals`). Every function
takes optional case weights (``weights``: a column name in a spec-based function, else an array);
weighted KPIs use Kish's effective n for their standard errors and intervals and report the design
effect. Each KPI row also carries its margin of error and the smallest change the next wave could
detect (:mod:`surveyapp.analysis.precision`).

References
----------
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*, 81(12), 46-54.
Dixon, M., Freeman, K. & Toman, N. (2010). Stop trying to delight your customers. *Harvard Business
Review*, 88(7/8), 116-122. (customer effort score)
Welch, B. L. (1947). The generalization of "Student's" problem when several different population
variances are involved. *Biometrika*, 34(1/2), 28-35.
"""

from __future__ import annotations

import warnings
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from .intervals import bounded_interval, effective_n, wilson_interval
from .precision import minimal_detectable_change

KINDS = ("nps", "mean", "top2box", "low_effort")
DEFAULT_MIN_N = 10


class NPS(NamedTuple):
    """Net Promoter Score on the -100..100 scale with its standard error and interval."""

    nps: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    promoters: float  # shares 0..1
    passives: float
    detractors: float
    n_eff: float = float("nan")  # Kish's effective n (n when unweighted)


class MeanScore(NamedTuple):
    mean: float
    sd: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    n_eff: float = float("nan")


class Share(NamedTuple):
    share: float  # 0..1
    se: float
    ci_low: float
    ci_high: float
    n: int
    n_eff: float = float("nan")


def _z(conf_level):
    return NormalDist().inv_cdf(0.5 + conf_level / 2.0)


def nps_from_counts(promoters, passives, detractors, conf_level=0.95, n_eff=None):
    r"""The NPS formula: the one place it is computed.

    With :math:`n` answers, :math:`p_P` the share of promoters (9-10) and :math:`p_D` the share
    of detractors (0-6) (Reichheld 2003):

    .. math::

        \mathrm{NPS} = 100\,(p_P - p_D), \qquad
        \mathrm{se} = 100\,\sqrt{\frac{p_P + p_D - (p_P - p_D)^2}{n}},

    the standard error of a difference of two proportions from one multinomial sample
    (:math:`\mathrm{Var}(\hat p_P - \hat p_D) = [p_P(1-p_P) + p_D(1-p_D) + 2 p_P p_D]/n`).
    The interval is the bounded score interval of :mod:`surveyapp.analysis.intervals` for the
    mean of +1/0/-1 answers, so it stays inside -100..100. Counts may be sums of case weights;
    then ``n_eff`` (Kish's effective n) takes the place of n.
    """
    total = promoters + passives + detractors
    n = int(round(total))
    if total == 0:
        nan = float("nan")
        return NPS(nan, nan, nan, nan, 0, nan, nan, nan, 0.0)
    n_eff = float(total if n_eff is None else n_eff)
    p_pro, p_pas, p_det = promoters / total, passives / total, detractors / total
    value = 100.0 * (p_pro - p_det)
    variance = max(p_pro + p_det - (p_pro - p_det) ** 2, 0.0)
    se = 100.0 * np.sqrt(variance / n_eff)
    low, high = bounded_interval(p_pro - p_det, variance, n_eff, -1.0, 1.0, _z(conf_level))
    return NPS(float(value), float(se), 100.0 * low, 100.0 * high, n, p_pro, p_pas, p_det, n_eff)


def _valid_recommendation(scores):
    values = pd.to_numeric(pd.Series(scores), errors="raise").dropna().astype(float)
    bad = values[(values < 0) | (values > 10) | (values != np.round(values))]
    if len(bad):
        raise ValueError(f"NPS needs whole answers 0-10; found {sorted(set(bad.tolist()))[:5]}")
    return values


def _values_and_weights(values, weights):
    """Answered values and their weights (rows with a missing value or weight are left out)."""
    values = pd.to_numeric(pd.Series(values), errors="raise").astype(float)
    if weights is None:
        return values.dropna(), None
    weights = pd.Series(np.asarray(weights, dtype=float), index=values.index)
    keep = values.notna() & weights.notna()
    if (weights[keep] < 0).any():
        raise ValueError("weights must not be negative")
    return values[keep], weights[keep]


def net_promoter_score(scores, conf_level=0.95, weights=None):
    """NPS of 0-10 recommendation answers (missing values ignored); see :func:`nps_from_counts`.

    Promoters answer 9 or 10, passives 7 or 8, detractors 0 to 6.

    Examples
    --------
    >>> net_promoter_score([10, 9, 9, 8, 7, 6, 10, 3, 9, 5]).nps
    20.0
    """
    values, weights = _values_and_weights(scores, weights)
    values = _valid_recommendation(values)
    if weights is None:
        promoters = int((values >= 9).sum())
        detractors = int((values <= 6).sum())
        return nps_from_counts(promoters, len(values) - promoters - detractors, detractors, conf_level)
    scale = len(values) / weights.sum() if weights.sum() > 0 else 0.0  # weights rescaled to sum to n
    w = weights * scale
    result = nps_from_counts(float(w[values >= 9].sum()), float(w[(values > 6) & (values < 9)].sum()),
                             float(w[values <= 6].sum()), conf_level, n_eff=effective_n(w))
    return result._replace(n=len(values))


def mean_score(values, conf_level=0.95, scale_min=None, scale_max=None, weights=None):
    r"""Mean with its standard error :math:`s/\sqrt n` (missing values ignored).

    With ``scale_min`` and ``scale_max`` (a rating scale, an index) the interval is the bounded
    score interval of :mod:`surveyapp.analysis.intervals`, inside the scale; without them the t
    interval. Weighted: the weighted mean, and Kish's effective n in place of n.
    """
    values, weights = _values_and_weights(values, weights)
    n = len(values)
    if n == 0:
        nan = float("nan")
        return MeanScore(nan, nan, nan, nan, nan, 0, 0.0)
    if weights is None or weights.sum() <= 0:
        mean = float(values.mean())
        sd = float(values.std(ddof=1)) if n > 1 else float("nan")
        n_eff = float(n)
    else:
        mean = float(np.average(values, weights=weights))
        variance = float(np.average((values - mean) ** 2, weights=weights))
        sd = float(np.sqrt(variance * n / (n - 1))) if n > 1 else float("nan")
        n_eff = effective_n(weights)
    se = sd / np.sqrt(n_eff) if n > 1 else float("nan")
    t = float(stats.t.ppf(0.5 + conf_level / 2.0, max(n_eff, 2.0) - 1)) if n > 1 else _z(conf_level)
    if scale_min is not None and scale_max is not None:
        low, high = bounded_interval(mean, sd**2 if n > 1 else float("nan"), n_eff, scale_min, scale_max, t)
    else:
        low, high = (mean - t * se, mean + t * se) if n > 1 else (float("nan"), float("nan"))
    return MeanScore(mean, sd, se, low, high, n, n_eff)


def _share(indicator, conf_level=0.95, weights=None):
    indicator = pd.Series(indicator).astype(float)
    n = len(indicator)
    if n == 0:
        nan = float("nan")
        return Share(nan, nan, nan, nan, 0, 0.0)
    if weights is None or np.sum(weights) <= 0:
        p, n_eff = float(indicator.mean()), float(n)
    else:
        p, n_eff = float(np.average(indicator, weights=weights)), effective_n(weights)
    se = float(np.sqrt(p * (1 - p) / n_eff))
    low, high = wilson_interval(p, n_eff, _z(conf_level))
    return Share(p, se, low, high, n, n_eff)


def top2box(scores, scale_max, scale_min=1, conf_level=0.95, weights=None):
    """Share of answers in the two highest categories (``scale_max - 1`` or ``scale_max``).

    E.g. "certainly" or "probably" keep spending on a 5-point intention scale. Wilson interval.
    """
    values, weights = _values_and_weights(scores, weights)
    if ((values < scale_min) | (values > scale_max)).any():
        raise ValueError(f"answers outside the scale {scale_min}..{scale_max}")
    return _share(values >= scale_max - 1, conf_level, weights)


def customer_effort(scores, low_effort_threshold=5, scale_max=7, conf_level=0.95, weights=None):
    """Customer effort score: mean and share of low-effort answers.

    CES here is the 7-point agreement scale of CES 2.0, "The company made it easy for me to
    handle my issue", 1 = strongly disagree ... 7 = strongly agree, so HIGH = EASY (low effort).
    A response counts as low effort when it is at or above ``low_effort_threshold`` (default 5,
    "somewhat agree" or more).

    Returns
    -------
    dict
        ``mean`` (a :class:`MeanScore`) and ``low_effort`` (a :class:`Share`).
    """
    values, weights = _values_and_weights(scores, weights)
    if ((values < 1) | (values > scale_max)).any():
        raise ValueError(f"CES answers must be 1..{scale_max}")
    return {
        "mean": mean_score(values, conf_level, 1, scale_max, weights=weights),
        "low_effort": _share(values >= low_effort_threshold, conf_level, weights),
    }


def dimension_means(scores, dimensions=None, conf_level=0.95):
    """Mean, sd, se, interval and n of each 5Q dimension (construct score column).

    ``scores`` is e.g. the output of :func:`surveyapp.analysis.scoring.construct_scores`.
    """
    dimensions = list(scores.columns) if dimensions is None else list(dimensions)
    return pd.DataFrame({d: mean_score(scores[d], conf_level)._asdict() for d in dimensions}).T


# ---------------------------------------------------------------------------------------------
# KPIs by spec: one value per group, and the per-respondent values the tracker's tests need.


def _check_spec(name, spec, df):
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"KPI '{name}': kind must be one of {', '.join(KINDS)}, not {kind!r}")
    column = spec.get("column")
    if column not in df.columns:
        raise ValueError(f"KPI '{name}': column {column!r} not in the data")
    if kind == "top2box" and "scale_max" not in spec:
        raise ValueError(f"KPI '{name}': top2box needs scale_max")


def _kpi_value(values, spec, conf_level, weights=None):
    """value, se, ci_low, ci_high, n, n_eff, design_effect, moe, mdc of one KPI for one group."""
    kind = spec["kind"]
    if kind == "nps":
        r = net_promoter_score(values, conf_level, weights=weights)
        value = r.nps
    elif kind == "mean":
        r = mean_score(values, conf_level, spec.get("scale_min"), spec.get("scale_max"), weights=weights)
        value = r.mean
    elif kind == "top2box":
        r = top2box(values, spec["scale_max"], spec.get("scale_min", 1), conf_level, weights=weights)
        value = r.share
    else:
        r = customer_effort(values, spec.get("threshold", 5), spec.get("scale_max", 7), conf_level,
                            weights=weights)["low_effort"]
        value = r.share
    deff = r.n / r.n_eff if r.n_eff and r.n_eff > 0 else float("nan")
    return {"value": value, "se": r.se, "ci_low": r.ci_low, "ci_high": r.ci_high, "n": r.n,
            "n_eff": r.n_eff, "design_effect": deff, "moe": _z(conf_level) * r.se,
            "mdc": minimal_detectable_change(r.se, alpha=1 - conf_level)}


def _weights_of(df, weights):
    if weights is None:
        return None
    if weights not in df.columns:
        raise ValueError(f"weight column {weights!r} not in the data")
    return df[weights]


def _per_respondent(values, spec):
    """Values whose mean is the KPI, for Welch's test: raw scores, or 0/1 indicators of a share."""
    values = pd.to_numeric(pd.Series(values), errors="raise").dropna().astype(float)
    kind = spec["kind"]
    if kind == "top2box":
        return (values >= spec["scale_max"] - 1).astype(float).to_numpy()
    if kind == "low_effort":
        return (values >= spec.get("threshold", 5)).astype(float).to_numpy()
    return values.to_numpy()


#: The columns of a KPI row (after kind): the estimate, its precision and what it can detect.
VALUE_COLUMNS = ["value", "se", "ci_low", "ci_high", "n", "n_eff", "design_effect", "moe", "mdc"]


def kpi_summary(df, kpis, conf_level=0.95, weights=None):
    r"""All KPIs over all responses: DataFrame indexed by KPI with kind and :data:`VALUE_COLUMNS`.

    ``moe`` is the margin of error :math:`z\,\mathrm{se}`, ``mdc`` the smallest change to the next
    wave the tracker detects (5% two-sided, 80% power; :mod:`surveyapp.analysis.precision`).
    ``weights`` names a column of case weights; ``n_eff`` and ``design_effect`` are Kish's.
    """
    rows = {}
    w = _weights_of(df, weights)
    for name, spec in kpis.items():
        _check_spec(name, spec, df)
        rows[name] = {"kind": spec["kind"], **_kpi_value(df[spec["column"]], spec, conf_level, w)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["kind", *VALUE_COLUMNS])


def breakdown(df, kpis, by, min_n=DEFAULT_MIN_N, conf_level=0.95, weights=None):
    """Each KPI per group of one or more group columns, small cells suppressed.

    Parameters
    ----------
    df : DataFrame
    kpis : mapping
        KPI specs (see the module docstring).
    by : str or list of str
        Group column(s), e.g. ``"segment"`` or ``["wave", "channel"]``; each is broken down
        separately.
    min_n : int, default 10
        A cell with fewer answers has value, se and interval set to NaN and ``suppressed`` True,
        so small groups are neither over-interpreted nor identifiable.
    weights : str, optional
        Column of case weights.

    Returns
    -------
    DataFrame
        Long format: ``group_by, group, kpi, kind``, :data:`VALUE_COLUMNS`, ``suppressed``.
    """
    by = [by] if isinstance(by, str) else list(by)
    rows = []
    for name, spec in kpis.items():
        _check_spec(name, spec, df)
    needed = list(dict.fromkeys([spec["column"] for spec in kpis.values()] + ([weights] if weights else [])))
    for column in by:
        if column not in df.columns:
            raise ValueError(f"group column {column!r} not in the data")
        # Split once per group column, and only the KPI columns: not once per KPI, whole rows.
        groups = list(df[needed].groupby(df[column], sort=True, observed=True))
        for name, spec in kpis.items():
            for group, part in groups:
                rows.append(
                    {
                        "group_by": column,
                        "group": group,
                        "kpi": name,
                        "kind": spec["kind"],
                        **_cell(part[spec["column"]], spec, min_n, conf_level, _weights_of(part, weights)),
                    }
                )
    return pd.DataFrame(rows, columns=["group_by", "group", "kpi", "kind", *VALUE_COLUMNS, "suppressed"])


def _cell(values, spec, min_n, conf_level, weights=None):
    cell = _kpi_value(values, spec, conf_level, weights)
    cell["suppressed"] = cell["n"] < min_n
    if cell["suppressed"]:
        for key in ("value", "se", "ci_low", "ci_high", "moe", "mdc"):
            cell[key] = float("nan")
    return cell


def tracker(df, kpis, wave="wave", waves=None, min_n=DEFAULT_MIN_N, alpha=0.05, conf_level=0.95, weights=None):
    r"""Each KPI per wave, with the change from the previous wave and whether it is more than noise.

    Parameters
    ----------
    df : DataFrame
    kpis : mapping
        KPI specs (see the module docstring).
    wave : str
        The wave column.
    waves : list, optional
        Waves in order; default the sorted distinct values of the wave column (the category
        order for an ordered categorical).
    min_n : int, default 10
        Waves with fewer answers to a KPI are suppressed, and so is the change into and out of
        them.
    alpha : float, default 0.05
        Significance level for ``significant``.
    weights : str, optional
        Column of case weights; then every change is tested with the z-test on the weighted
        estimates and their standard errors (from Kish's effective n).

    Returns
    -------
    DataFrame
        Long format: ``kpi, kind, wave``, :data:`VALUE_COLUMNS`, ``suppressed, change,
        p_change, significant, test``.

    Notes
    -----
    * NPS: :math:`z = (\mathrm{NPS}_2 - \mathrm{NPS}_1) / \sqrt{\mathrm{se}_1^2 + \mathrm{se}_2^2}`
      for independent samples, two-sided normal p-value; se from :func:`nps_from_counts`.
    * Means, and shares via their 0/1 indicators: Welch's unequal-variance t-test
      (``scipy.stats.ttest_ind(..., equal_var=False)``; Welch 1947).
    """
    if wave not in df.columns:
        raise ValueError(f"wave column {wave!r} not in the data")
    if waves is None:
        column = df[wave]
        if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.ordered:
            waves = [w for w in column.cat.categories if (column == w).any()]
        else:
            waves = sorted(column.dropna().unique())
    rows = []
    for name, spec in kpis.items():
        _check_spec(name, spec, df)
    needed = list(dict.fromkeys([spec["column"] for spec in kpis.values()] + ([weights] if weights else [])))
    parts = {current: df.loc[(df[wave] == current).to_numpy(), needed] for current in waves}
    for name, spec in kpis.items():
        previous = None
        for current in waves:
            part = parts[current]
            values = part[spec["column"]]
            cell = _cell(values, spec, min_n, conf_level, _weights_of(part, weights))
            change = p_change = float("nan")
            test = None
            if previous is not None and not previous[1]["suppressed"] and not cell["suppressed"]:
                change = cell["value"] - previous[1]["value"]
                if spec["kind"] == "nps" or weights is not None:
                    test = "z"
                    se = np.hypot(previous[1]["se"], cell["se"])
                    p_change = 2.0 * NormalDist().cdf(-abs(change) / se) if se > 0 else float("nan")
                else:
                    test = "welch"
                    a, b = _per_respondent(previous[0], spec), _per_respondent(values, spec)
                    if a.var() == 0 and b.var() == 0:
                        p_change = 1.0 if a[0] == b[0] else 0.0
                    else:
                        with warnings.catch_warnings():
                            # a wave where everyone gave the same answer is fine for Welch's test
                            warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
                            p_change = float(stats.ttest_ind(b, a, equal_var=False).pvalue)
            rows.append(
                {
                    "kpi": name,
                    "kind": spec["kind"],
                    "wave": current,
                    **cell,
                    "change": change,
                    "p_change": p_change,
                    "significant": bool(p_change < alpha) if p_change == p_change else None,
                    "test": test,
                }
            )
            previous = (values, cell)
    return pd.DataFrame(rows)
