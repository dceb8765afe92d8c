"""Student's t without SciPy (surveyapp.analysis.student_t) against scipy.special and closed forms."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import special

from surveyapp.analysis.student_t import quantile, two_sided_p

DFS = [1, 2, 3, 5, 8, 13, 29, 29.5, 30, 31, 41, 95, 300, 1000, 12345, 1e5, 999_994, 4_999_994, 5e7, 0.5, 2.5]
TS = np.concatenate([[1e-3], np.linspace(0.01, 10, 200), np.geomspace(10, 1e4, 40)])


@pytest.mark.parametrize("df", DFS)
def test_two_sided_p_equals_scipy(df):
    mine = np.array([two_sided_p(t, df) for t in TS])
    reference = 2.0 * special.stdtr(df, -TS)
    shown = reference > 1e-250  # below, both are rounding noise of a number that underflows soon
    close = np.abs(mine[shown] - reference[shown]) <= 3e-13 * reference[shown]
    assert close.all(), list(zip(TS[shown][~close], mine[shown][~close],
                                        reference[shown][~close], strict=True))
    assert (mine[~shown] < 1e-240).all()


def test_closed_forms_for_one_and_two_degrees_of_freedom():
    # ν = 1 (Cauchy): 1 - 2 atan(t)/π; ν = 2: 1 - t / sqrt(2 + t²). Near t = 0 SciPy itself is off
    # by 3e-11 at ν = 1; these are exact.
    for t in [1e-12, 1e-6, 0.01, 0.5, 1.0, 3.0, 30.0, 1e4]:
        assert two_sided_p(t, 1) == pytest.approx(1 - 2 * math.atan(t) / math.pi, rel=1e-14)
        assert two_sided_p(t, 2) == pytest.approx(1 - t / math.sqrt(2 + t * t), rel=1e-13)


def test_two_sided_p_edges():
    assert two_sided_p(0.0, 10) == 1.0
    assert two_sided_p(math.inf, 10) == 0.0
    assert two_sided_p(-2.0, 10) == two_sided_p(2.0, 10)
    assert two_sided_p(1e200, 5e6) == 0.0
    assert math.isnan(two_sided_p(math.nan, 10))
    assert math.isnan(two_sided_p(2.0, 0))


@pytest.mark.parametrize("df", DFS)
def test_quantile_equals_scipy(df):
    for probability in [0.975, 0.995, 0.95, 0.75, 0.9995, 0.6, 0.999999, 0.3, 0.025]:
        assert quantile(probability, df) == pytest.approx(special.stdtrit(df, probability), rel=1e-13)
    assert quantile(0.5, df) == 0.0


def test_quantile_inverts_the_p_value():
    for df in [1, 4, 47, 10**6]:
        q = quantile(0.975, df)
        assert two_sided_p(q, df) == pytest.approx(0.05, rel=1e-14)


def test_drivers_command_does_not_import_scipy():
    code = ("import sys; import surveyapp.commands.drivers, surveyapp.analysis.drivers, "
            "surveyapp.analysis.driver_export, surveyapp.tabular; "
            "print(sorted(m for m in sys.modules if m.startswith('scipy')))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"
