"""Raking against a written-out iterative proportional fit on the cell table, and the command."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from surveyapp.analysis.weighting import RakingError, margins_from_frame, rake

MARGINS = {
    "segment": {"large": 0.2, "medium": 0.3, "small": 0.5},
    "region": {"north": 0.45, "south": 0.55},
    "age": {"18-34": 0.3, "35-54": 0.4, "55+": 0.3},
}


def _sample(n=300, seed=4):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "id": range(n),
        "segment": rng.choice(["large", "medium", "small"], size=n, p=[0.4, 0.35, 0.25]),
        "region": rng.choice(["north", "south"], size=n, p=[0.7, 0.3]),
        "age": rng.choice(["18-34", "35-54", "55+"], size=n, p=[0.2, 0.3, 0.5]),
        "score": rng.integers(1, 6, size=n),
    })


def _cell_table_ipf(frame, margins, sweeps=2000):
    """Deming & Stephan's IPF on the cross-table of counts, written out independently: the fitted
    table scaled by each margin in turn; a respondent's weight is fitted / observed count of its cell."""
    variables = list(margins)
    levels = [list(margins[v]) for v in variables]
    observed = np.zeros([len(level) for level in levels])
    for row in frame[variables].itertuples(index=False):
        observed[tuple(level.index(value) for level, value in zip(levels, row, strict=True))] += 1
    fitted = observed.copy()
    total = observed.sum()
    for _ in range(sweeps):
        for axis, variable in enumerate(variables):
            other = tuple(a for a in range(len(variables)) if a != axis)
            current = fitted.sum(axis=other)
            target = np.array([margins[variable][c] for c in levels[axis]]) * total
            shape = [1] * len(variables)
            shape[axis] = -1
            fitted = fitted * (target / current).reshape(shape)
    cell_weight = np.divide(fitted, observed, out=np.zeros_like(fitted), where=observed > 0)
    weights = np.array([cell_weight[tuple(level.index(value) for level, value in zip(levels, row, strict=True))]
                        for row in frame[variables].itertuples(index=False)])
    return weights / weights.mean()


def test_raking_matches_an_independent_ipf_to_1e6():
    frame = _sample()
    result = rake(frame, MARGINS)
    expected = _cell_table_ipf(frame, MARGINS)
    assert result.converged and result.max_margin_error < 1e-9
    np.testing.assert_allclose(result.weights.to_numpy(), expected, atol=1e-6)
    assert result.weights.mean() == pytest.approx(1.0)
    for variable, shares in MARGINS.items():
        weighted = result.weights.groupby(frame[variable]).sum() / result.weights.sum()
        for category, share in shares.items():
            assert weighted[category] == pytest.approx(share, abs=1e-9)
    w = result.weights.to_numpy()
    assert result.design_effect == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2)
    assert result.effective_n == pytest.approx(len(w) / result.design_effect)


def test_design_effect_by_hand_on_a_tiny_sample():
    # two men, one woman; population half and half: men get 0.75, the woman 1.5 (mean 1)
    frame = pd.DataFrame({"sex": ["m", "m", "f"]})
    result = rake(frame, {"sex": {"m": 0.5, "f": 0.5}})
    assert list(result.weights) == pytest.approx([0.75, 0.75, 1.5])
    # deff = n sum(w^2) / (sum w)^2 = 3 * (0.5625 + 0.5625 + 2.25) / 9 = 1.125
    assert result.design_effect == pytest.approx(1.125)
    assert result.effective_n == pytest.approx(3 / 1.125)


def test_trimming_keeps_weights_in_bounds():
    frame = _sample(seed=9)
    loose = rake(frame, MARGINS)
    trimmed = rake(frame, MARGINS, trim=(0.5, 2.0))
    assert loose.weights.max() > 2.0
    assert trimmed.weights.min() >= 0.5 - 1e-9 and trimmed.weights.max() <= 2.0 + 1e-9
    assert trimmed.design_effect < loose.design_effect


@pytest.mark.parametrize(
    ("margins", "message"),
    [
        ({"sex": {"m": 0.5, "f": 0.3, "x": 0.2}}, "category 'x' of the margins has no respondents"),
        ({"sex": {"m": 1.0}}, "category 'f' (row 4 of the data) is not in the margins"),
        ({"gender": {"m": 0.5, "f": 0.5}}, "variable 'gender' of the margins is not a column"),
    ],
)
def test_raking_refuses_margins_that_do_not_fit(margins, message):
    with pytest.raises(RakingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        rake(pd.DataFrame({"sex": ["m", "m", "f"]}), margins)


def test_shares_must_sum_to_one():
    frame = pd.DataFrame({"variable": ["sex", "sex"], "category": ["m", "f"], "share": ["0.5", "0.4"]})
    with pytest.raises(RakingError, match="shares of variable 'sex' sum to 0.9, not 1"):
        margins_from_frame(frame)


def _write(tmp_path, frame, margins):
    data = tmp_path / "responses.csv"
    frame.to_csv(data, index=False)
    rows = [(v, c, s) for v, shares in margins.items() for c, s in shares.items()]
    path = tmp_path / "margins.csv"
    pd.DataFrame(rows, columns=["variable", "category", "share"]).to_csv(path, index=False)
    return data, path


def test_rake_command_writes_the_file_with_a_weight_column(runner, tmp_path):
    frame = _sample()
    data, margins = _write(tmp_path, frame, MARGINS)
    out = tmp_path / "weighted.csv"
    result = runner.invoke(args=["rake", str(data), "--margins", str(margins), "-o", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    written = pd.read_csv(out)
    assert list(written.columns) == [*frame.columns, "weight"] and list(written["id"]) == list(frame["id"])
    np.testing.assert_allclose(written["weight"], _cell_table_ipf(frame, MARGINS), atol=1e-6)
    assert report["converged"] is True and report["max_margin_error"] < 1e-6 and report["iterations"] >= 1
    w = written["weight"].to_numpy()
    assert report["design_effect"] == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2, rel=1e-9)
    assert report["effective_n"] == pytest.approx(w.sum() ** 2 / (w**2).sum(), rel=1e-9)
    assert written["weight"].mean() == pytest.approx(1.0)

    table = runner.invoke(args=["rake", str(data), "--margins", str(margins), "-o", str(out), "--trim", "0.5,2"])
    assert table.exit_code == 0, table.output
    assert "design effect" in table.output
    assert pd.read_csv(out)["weight"].max() <= 2 + 1e-9


@pytest.mark.parametrize(
    ("margins", "message"),
    [
        ({"segment": {"large": 0.5, "medium": 0.3, "small": 0.1, "huge": 0.1}}, "category 'huge'"),
        ({"segment": {"large": 0.5, "medium": 0.5}}, "category 'small'"),
        ({"segment": {"large": 0.5, "medium": 0.3, "small": 0.3}}, "variable 'segment' sum to 1.1"),
        ({"sector": {"a": 1.0}}, "variable 'sector'"),
    ],
)
def test_rake_command_errors_are_one_line_with_exit_code_1(runner, tmp_path, margins, message):
    data, path = _write(tmp_path, _sample(40), margins)
    result = runner.invoke(args=["rake", str(data), "--margins", str(path), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "o.csv").exists()


def test_rake_reads_xlsx(runner, tmp_path):
    frame = _sample(60)
    data = tmp_path / "responses.xlsx"
    frame.to_excel(data, index=False)
    _, margins = _write(tmp_path, frame, {"region": MARGINS["region"]})
    out = tmp_path / "weighted.csv"
    result = runner.invoke(args=["rake", str(data), "--margins", str(margins), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 60


def test_every_cell_combination_is_checked():
    assert len(list(itertools.product(*MARGINS.values()))) == 18
