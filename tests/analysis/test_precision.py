"""Sample sizes per wave against statsmodels' power functions and the formula by hand."""

import json
import math
from statistics import NormalDist

import pytest
from statsmodels.stats.power import NormalIndPower

from surveyapp.analysis.precision import minimal_detectable_change, plan_mean, plan_nps, plan_proportion

Z = NormalDist().inv_cdf


def _statsmodels_n(effect_size, alpha=0.05, power=0.8):
    return NormalIndPower().solve_power(effect_size=effect_size, alpha=alpha, power=power, ratio=1.0)


@pytest.mark.parametrize(("sd", "change", "alpha", "power"), [(1.0, 0.2, 0.05, 0.8), (0.9, 0.3, 0.01, 0.9),
                                                              (20.0, 5.0, 0.1, 0.8)])
def test_mean_matches_statsmodels(sd, change, alpha, power):
    n = plan_mean(sd, change, alpha=alpha, power=power)["n_per_wave"]
    exact = _statsmodels_n(change / sd, alpha, power)
    assert n == math.ceil(exact - 1e-6) or n == math.ceil(exact)
    # the hand formula: 2 (z_{1-a/2} + z_{power})^2 sd^2 / change^2; sd 1, change 0.2 -> 392.4 -> 393
    assert plan_mean(1.0, 0.2)["n_per_wave"] == 393


def test_proportion_by_hand_and_against_statsmodels():
    # p 0.5 -> 0.55: (1.959964 + 0.841621)^2 (0.25 + 0.2475) / 0.05^2 = 1561.4 -> 1562
    result = plan_proportion(0.5, 0.05)
    assert result["n_per_wave"] == 1562
    effect = 0.05 / math.sqrt((0.25 + 0.2475) / 2)
    assert result["n_per_wave"] == math.ceil(_statsmodels_n(effect))
    assert plan_proportion(50, 5)["n_per_wave"] == 1562  # percentages


def test_nps_by_hand():
    # 40% promoters, 20% detractors: variance of one answer 100^2 (0.6 - 0.2^2) = 5600;
    # n = 7.84887 * 2 * 5600 / 10^2 = 879.07 -> 880
    result = plan_nps(0.4, 0.2, 10)
    assert result["n_per_wave"] == 880
    assert result["n_per_wave"] == math.ceil(_statsmodels_n(10 / math.sqrt(5600)))


def test_minimal_detectable_change_inverts_the_plan():
    se = math.sqrt(1.0 / 393)
    assert minimal_detectable_change(se) == pytest.approx((Z(0.975) + Z(0.8)) * math.sqrt(2) * se)
    assert minimal_detectable_change(se) <= 0.2


def test_plan_command(runner):
    result = runner.invoke(args=["plan", "--kpi", "nps", "--promoters", "0.4", "--detractors", "0.2",
                                 "--change", "10", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n_per_wave"] == 880 and report["promoters"] == 0.4 and report["change"] == 10
    mean = runner.invoke(args=["plan", "--kpi", "mean", "--sd", "1", "--change", "0.2", "--alpha", "0.05",
                               "--power", "0.8", "--format", "json"])
    assert json.loads(mean.output)["n_per_wave"] == 393
    table = runner.invoke(args=["plan", "--kpi", "proportion", "--p", "0.5", "--change", "0.05"])
    assert table.exit_code == 0 and "1562 responses per wave" in table.output
    missing = runner.invoke(args=["plan", "--kpi", "mean", "--change", "0.2"])
    assert missing.exit_code == 1 and "--sd" in missing.output
    bad = runner.invoke(args=["plan", "--kpi", "proportion", "--p", "0.9", "--change", "0.2"])
    assert bad.exit_code == 1 and "outside 0..1" in bad.output
