"""Intervals that stay inside the possible range and keep their coverage at small n."""

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from surveyapp.analysis.intervals import bounded_interval, design_effect, effective_n, wilson_interval
from surveyapp.analysis.kpis import mean_score, net_promoter_score, top2box


@pytest.mark.parametrize(("successes", "n"), [(0, 5), (1, 7), (5, 5), (13, 40), (2, 3)])
def test_wilson_matches_statsmodels(successes, n):
    low, high = wilson_interval(successes / n, n, 1.959963984540054)
    expected = proportion_confint(successes, n, alpha=0.05, method="wilson")
    assert (low, high) == pytest.approx(expected, abs=1e-12)


def test_the_issues_small_samples_stay_in_range():
    nps = net_promoter_score([10, 10, 9, 8, 10])  # Wald: 80 +- 35 -> 45 to 115
    assert -100 <= nps.ci_low < nps.nps < nps.ci_high <= 100
    mean = mean_score([1, 5, 5], scale_min=1, scale_max=5)  # t: 3.67 +- 5.7 -> -2.1 to 9.4
    assert 1 <= mean.ci_low < mean.mean < mean.ci_high <= 5
    assert mean_score([5, 5], scale_min=1, scale_max=5).ci_high == 5
    share = top2box([5, 5, 5], scale_max=5)
    assert share.ci_high == 1 and 0 < share.ci_low < 1


def test_bounded_interval_of_zero_one_answers_is_wilson():
    answers = np.array([1, 0, 0, 1, 1, 1, 0, 1])
    p = answers.mean()
    low, high = bounded_interval(p, p * (1 - p), len(answers), 0, 1, 1.959963984540054)
    assert (low, high) == pytest.approx(wilson_interval(p, len(answers), 1.959963984540054))


def test_bounded_mean_interval_approaches_the_t_interval_for_large_n():
    rng = np.random.default_rng(1)
    answers = rng.integers(1, 6, size=5000)
    result = mean_score(answers, scale_min=1, scale_max=5)
    t_low = answers.mean() - 1.9604 * answers.std(ddof=1) / np.sqrt(len(answers))
    assert result.ci_low == pytest.approx(t_low, abs=2e-3)


def _coverage(draw, truth, interval, runs=2000):
    hits = 0
    for _ in range(runs):
        low, high = interval(draw())
        hits += low <= truth <= high
    return hits / runs


def test_small_sample_coverage_near_the_ends_of_the_range():
    """At n = 12 with most answers at the top, the intervals keep roughly their 95% (the Wald
    interval of the NPS covers about 87% here)."""
    rng = np.random.default_rng(2026)
    shares = [0.75, 0.15, 0.10]  # promoters, passives, detractors: NPS 65
    values = np.array([10, 7, 3])

    def draw():
        return values[rng.choice(3, size=12, p=shares)]

    def nps_interval(sample):
        result = net_promoter_score(sample)
        return result.ci_low, result.ci_high

    def wald(sample):
        result = net_promoter_score(sample)
        return result.nps - 1.96 * result.se, result.nps + 1.96 * result.se

    assert _coverage(draw, 65.0, nps_interval) >= 0.93
    assert _coverage(draw, 65.0, wald) < 0.91  # what the fix is for

    likert = np.array([5, 4, 3, 2])
    probabilities = [0.6, 0.3, 0.05, 0.05]
    truth = float(likert @ probabilities)

    def draw_likert():
        return likert[rng.choice(4, size=8, p=probabilities)]

    def mean_interval(sample):
        result = mean_score(sample, scale_min=1, scale_max=5)
        assert 1 <= result.ci_low and result.ci_high <= 5
        return result.ci_low, result.ci_high

    assert _coverage(draw_likert, truth, mean_interval) >= 0.93


def test_kish_design_effect_by_hand():
    weights = [1, 1, 2, 4]
    # n sum(w^2) / (sum w)^2 = 4 * 22 / 64 = 1.375; effective n = 64 / 22
    assert design_effect(weights) == pytest.approx(1.375)
    assert effective_n(weights) == pytest.approx(64 / 22)
    assert design_effect([2, 2, 2]) == pytest.approx(1.0)


def test_weighted_kpis_use_the_effective_n():
    answers = [10, 9, 3, 8, 10, 6]
    weights = [1, 1, 3, 1, 2, 1]
    result = net_promoter_score(answers, weights=weights)
    # weighted shares: promoters (1 + 1 + 2) / 9, detractors (3 + 1) / 9
    assert result.nps == pytest.approx(100 * (4 / 9 - 4 / 9))
    assert result.n == 6 and result.n_eff == pytest.approx(81 / 17)
    variance = 4 / 9 + 4 / 9
    assert result.se == pytest.approx(100 * np.sqrt(variance / (81 / 17)))
    equal = net_promoter_score(answers, weights=[2] * 6)
    assert equal[:5] == pytest.approx(net_promoter_score(answers)[:5])
