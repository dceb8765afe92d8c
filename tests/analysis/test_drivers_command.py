"""The `drivers` command, driven through click's CliRunner on files written to tmp_path."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from surveyapp.analysis.drivers import driver_analysis
from surveyapp.commands.drivers import drivers

SWISS_DRIVERS = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]
ARGS = ["--outcome", "Fertility", "--drivers", ",".join(SWISS_DRIVERS)]


@pytest.fixture
def swiss_csv(tmp_path, swiss):
    path = tmp_path / "swiss.csv"
    swiss.to_csv(path)
    return path


def run(*args):
    return CliRunner().invoke(drivers, [str(a) for a in args])


def test_json_has_exactly_the_documented_shape(swiss_csv, swiss):
    result = run(swiss_csv, *ARGS, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"n", "r2", "adj_r2", "drivers"} <= set(data)
    assert list(data["drivers"]) == SWISS_DRIVERS
    for entry in data["drivers"].values():
        assert {
            "beta",
            "beta_std",
            "p",
            "vif",
            "lmg",
            "lmg_share",
            "relative_weight",
            "relative_weight_share",
        } <= set(entry)
    assert data == json.loads(json.dumps(driver_analysis(swiss, "Fertility", SWISS_DRIVERS).to_dict()))
    assert data["n"] == 47 and round(data["r2"], 4) == 0.7067


def test_table_is_the_default(swiss_csv):
    result = run(swiss_csv, *ARGS)
    assert result.exit_code == 0
    assert "R² = 0.7067" in result.output
    for name in SWISS_DRIVERS:
        assert name in result.output


def test_bootstrap_with_seed_is_reproducible(swiss_csv):
    first = run(swiss_csv, *ARGS, "--bootstrap", 100, "--seed", 5, "--format", "json")
    second = run(swiss_csv, *ARGS, "--bootstrap", 100, "--seed", 5, "--format", "json")
    assert first.output == second.output
    assert json.loads(first.output)["drivers"]["Education"]["lmg_ci"][0] is not None
    table = run(swiss_csv, *ARGS, "--bootstrap", 100, "--seed", 5)
    assert "LMG 95% CI" in table.output


def test_xlsx_output(swiss_csv, tmp_path):
    out = tmp_path / "drivers.xlsx"
    result = run(swiss_csv, *ARGS, "--format", "xlsx", "-o", out)
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["drivers", "model summary"]
    rows = list(workbook["drivers"].values)
    assert rows[0][:3] == ("driver", "beta", "se")
    assert [r[0] for r in rows[1:]] == SWISS_DRIVERS
    summary = dict(list(workbook["model summary"].values)[1:])
    assert summary["n"] == 47 and round(summary["r2"], 4) == 0.7067


def test_xlsx_needs_an_output_file(swiss_csv):
    result = run(swiss_csv, *ARGS, "--format", "xlsx")
    assert result.exit_code == 1
    assert "give its path with -o" in result.output


def test_json_to_a_file(swiss_csv, tmp_path):
    out = tmp_path / "drivers.json"
    assert run(swiss_csv, *ARGS, "--format", "json", "-o", out).exit_code == 0
    assert json.loads(out.read_text())["n"] == 47


def test_xlsx_input_and_weights(tmp_path, mediation):
    path = tmp_path / "responses.xlsx"
    mediation.to_excel(path, index=False)
    result = run(path, "--outcome", "Y", "--drivers", "X,M", "--weight", "W2", "--format", "json")
    assert result.exit_code == 0, result.output
    assert round(json.loads(result.output)["r2"], 4) == 0.3742  # R lm(weights = W2)


def test_semicolon_csv(tmp_path, mediation):
    path = tmp_path / "responses.csv"
    mediation.to_csv(path, sep=";", index=False)
    result = run(path, "--outcome", "Y", "--drivers", "X, M", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n"] == 100


def test_semicolon_csv_with_decimal_commas_as_dutch_spreadsheets_write_it(tmp_path, swiss):
    path = tmp_path / "responses.csv"
    swiss.to_csv(path, sep=";", decimal=",", index=False)
    assert "80,2" in path.read_text()
    result = run(path, "--outcome", "Fertility", "--drivers", "Agriculture,Examination,Education,Catholic,"
                 "Infant.Mortality", "--format", "json")
    assert result.exit_code == 0, result.output
    assert round(json.loads(result.output)["r2"], 4) == 0.7067  # R: summary(lm(Fertility ~ ., swiss))


@pytest.mark.parametrize(
    ("change", "args", "message"),
    [
        (None, ["--outcome", "NPS", "--drivers", "Education"], "'NPS' not found in swiss.csv"),
        (None, ["--outcome", "Fertility", "--drivers", "Education,Q9"], "'Q9' not found"),
        (
            "text",
            ["--outcome", "Fertility", "--drivers", "Education,Label"],
            "driver column 'Label' is not numeric",
        ),
        (
            "collinear",
            ["--outcome", "Fertility", "--drivers", "Education,Examination,Both"],
            "perfectly collinear",
        ),
        (
            "constant",
            ["--outcome", "Fertility", "--drivers", "Education,Same"],
            "Driver 'Same' has the same value",
        ),
        ("negative", ["--outcome", "Fertility", "--drivers", "Education", "--weight", "W"], "negative"),
        ("few", ["--outcome", "Fertility", "--drivers", ",".join(SWISS_DRIVERS)], "Only 3 complete"),
    ],
)
def test_errors_are_one_clean_line(tmp_path, swiss, change, args, message):
    data = swiss.copy()
    if change == "text":
        data["Label"] = "x"
    elif change == "collinear":
        data["Both"] = data["Education"] - data["Examination"]
    elif change == "constant":
        data["Same"] = 1
    elif change == "negative":
        data["W"] = np.where(np.arange(len(data)) == 0, -1.0, 1.0)
    elif change == "few":
        data.loc[data.index[3:], "Catholic"] = np.nan
    path = tmp_path / "swiss.csv"
    data.to_csv(path)
    result = run(path, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1


def test_missing_file_is_a_usage_error(tmp_path):
    result = run(tmp_path / "nope.csv", *ARGS)
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_runs_as_a_module_without_the_app(swiss_csv):
    root = Path(__file__).resolve().parents[2]
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "surveyapp.commands.drivers",
            str(swiss_csv),
            *ARGS,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["n"] == 47


def test_the_library_never_imports_flask():
    code = (
        "import sys; import surveyapp.analysis.drivers, surveyapp.analysis.kpis, surveyapp.analysis.scoring, "
        "surveyapp.analysis.reliability, surveyapp.analysis.driver_export, surveyapp.tabular; "
        "bad = [m for m in sys.modules if m.startswith(('flask', 'sqlalchemy'))]; print(bad)"
    )
    # Import the analysis modules alone (surveyapp/__init__ may import Flask for the app itself):
    # load them with the package's __init__ replaced by an empty namespace.
    stub = (
        "import sys, types, importlib.util, pathlib; "
        f"root = pathlib.Path({str(Path(__file__).resolve().parents[2])!r}); "
        "pkg = types.ModuleType('surveyapp'); pkg.__path__ = [str(root / 'surveyapp')]; sys.modules['surveyapp'] = pkg; "
    )
    completed = subprocess.run(
        [sys.executable, "-c", stub + code], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_read_only_needed_columns(tmp_path, swiss):
    # Columns the analysis does not name are never parsed: a text column full of commas and a column
    # that is not a number at all change nothing, and the reader returns the named columns only.
    from surveyapp.tabular import read_columns

    narrow = tmp_path / "narrow.csv"
    swiss.to_csv(narrow)
    wide = tmp_path / "wide.csv"
    swiss.assign(comment="free text, with commas", code="x").to_csv(wide)
    assert run(wide, *ARGS, "--format", "json").output == run(narrow, *ARGS, "--format", "json").output
    assert list(read_columns(wide, ["Education", "Fertility"]).columns) == ["Fertility", "Education"]
    chunks = list(read_columns(wide, ["Education", "Fertility"], chunk_rows=10))
    assert [len(c) for c in chunks] == [10, 10, 10, 10, 7]
    assert all(list(c.columns) == ["Fertility", "Education"] for c in chunks)


def test_header_row_below_a_title_in_a_workbook(tmp_path, swiss):
    path = tmp_path / "report.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        swiss.to_excel(writer, startrow=2, index=False)
        writer.sheets["Sheet1"]["A1"] = "Swiss fertility, 1888"
    assert run(path, *ARGS, "--format", "json").exit_code == 1  # row 1 is the title
    result = run(path, *ARGS, "--format", "json", "--header-row", 3)
    assert result.exit_code == 0, result.output
    assert round(json.loads(result.output)["r2"], 4) == 0.7067


def test_utf16_tab_separated_text_as_excel_saves_it(tmp_path, swiss):
    path = tmp_path / "unicode.csv"
    swiss.to_csv(path, sep="\t", encoding="utf-16", index=False)
    result = run(path, *ARGS, "--format", "json")
    assert result.exit_code == 0, result.output
    assert round(json.loads(result.output)["r2"], 4) == 0.7067
