"""Stored raking weights: every KPI, tracker test, breakdown and driver analysis of the survey uses them."""

import json
from datetime import timedelta
from pathlib import Path
from random import Random

import numpy as np
import pandas as pd
import pytest

from surveyapp.analysis.weighting import rake
from surveyapp.demo import synthetic_answers
from surveyapp.extensions import db
from surveyapp.invitations.operations import open_wave
from surveyapp.models import Answer, Response
from surveyapp.models.base import utcnow
from surveyapp.results.dataset import response_table
from surveyapp.results.survey_analysis import analyze_stored_survey
from surveyapp.surveys import create_survey, publish_questionnaire

LOYALTY = Path(__file__).resolve().parents[2] / "questionnaires" / "loyalty-tracker.yaml"
MARGINS = "variable,category,share\nsegment,large,0.2\nsegment,medium,0.3\nsegment,small,0.5\n"


@pytest.fixture
def survey(app_ctx):
    version = publish_questionnaire(LOYALTY).version
    survey = create_survey("weighted", version)
    questionnaire = version.questionnaire()
    rng = Random(11)
    start = utcnow() - timedelta(days=60)
    for index, name in enumerate(("2026-01", "2026-02")):
        wave = open_wave(survey, name, opens_at=start + timedelta(days=30 * index),
                         closes_at=start + timedelta(days=30 * index + 29))
        for number in range(60):
            # large customers answer far more often than their population share
            segment = "large" if number % 2 else ("medium" if number % 4 == 0 else "small")
            answers = synthetic_answers(questionnaire, {"segment": segment}, "en", rng, drift=0.1 * index)
            response = Response(survey_id=survey.id, wave_id=wave.id, questionnaire_version_id=version.id,
                                language="en", attributes={"segment": segment}, status="completed",
                                started_at=wave.opens_at, completed_at=wave.opens_at + timedelta(minutes=6),
                                page_seconds={"recommendation": 300 + number})
            response.answers = [Answer(item_id=k, value=v) for k, v in answers.items()]
            db.session.add(response)
        db.session.commit()
    return survey


def test_survey_weights_stores_raked_weights_and_the_analysis_uses_them(survey, runner, tmp_path):
    margins = tmp_path / "margins.csv"
    margins.write_text(MARGINS, encoding="utf-8")
    before = analyze_stored_survey(survey)
    assert not before.weighted

    result = runner.invoke(args=["survey", "weights", "--survey", "weighted", "--margins", str(margins),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["waves"]) == {"2026-01", "2026-02"}

    table = response_table(survey)
    for name, part in table.groupby("wave"):
        expected = rake(part, {"segment": {"large": 0.2, "medium": 0.3, "small": 0.5}}).weights
        np.testing.assert_allclose(part["weight"], expected, atol=1e-9)  # each wave raked on its own
        shares = part.groupby("segment")["weight"].sum() / part["weight"].sum()
        assert shares["large"] == pytest.approx(0.2) and shares["small"] == pytest.approx(0.5)
        assert report["waves"][name]["design_effect"] == pytest.approx(
            len(part) * (part["weight"] ** 2).sum() / part["weight"].sum() ** 2)

    after = analyze_stored_survey(survey)
    assert after.weighted
    weights = table["weight"] / table["weight"].mean()
    nps = table["nps"]
    by_hand = 100 * (weights[nps >= 9].sum() - weights[nps <= 6].sum()) / weights.sum()
    assert after.summary.loc["nps", "value"] == pytest.approx(by_hand)
    assert after.summary.loc["nps", "value"] != pytest.approx(before.summary.loc["nps", "value"])
    assert after.summary.loc["nps", "n"] == len(table)
    n_eff = weights.sum() ** 2 / (weights**2).sum()
    assert after.summary.loc["nps", "n_eff"] == pytest.approx(n_eff)
    assert after.summary.loc["nps", "design_effect"] == pytest.approx(len(table) / n_eff)
    assert set(after.tracker.dropna(subset=["change"])["test"]) == {"z"}
    segment_nps = after.breakdowns.query("group_by == 'segment' and kpi == 'nps'").set_index("group")
    large = table[table["segment"] == "large"]
    assert segment_nps.loc["large", "value"] == pytest.approx(
        100 * (large.loc[large["nps"] >= 9, "weight"].sum() - large.loc[large["nps"] <= 6, "weight"].sum())
        / large["weight"].sum())
    assert after.drivers.results[("loyalty_index", None)].weights == "weight"

    shown = runner.invoke(args=["analyze", "--survey", "weighted"])
    assert "weighted to the population" in shown.output and "design_effect" in shown.output

    # the dashboard and the workbook show the effective n beside n
    from openpyxl import load_workbook

    from surveyapp.results.reports import make_scope, write_report
    from surveyapp.users import create_or_update_user
    from tests.results.test_views import sign_in

    out = tmp_path / "weighted.xlsx"
    with out.open("wb") as handle:
        write_report(make_scope(survey, language="en"), "xlsx", handle)
    sheet = load_workbook(out)["Key figures"]
    header = [cell.value for cell in sheet[1]]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    nps_row = rows[next(label for label in rows if label.startswith("Net Promoter Score"))]
    assert nps_row[header.index("Effective n (weighted)")] == after.summary.loc["nps", "n_eff"]
    assert nps_row[header.index("Design effect")] == after.summary.loc["nps", "design_effect"]

    create_or_update_user("admin@example.com", "a long and unusual password", role="admin")
    from flask import current_app

    client = current_app.test_client()
    sign_in(client, "admin@example.com", "a long and unusual password")
    page = client.get("/results/weighted", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # (inside this test's app context the page keeps the language the CLI chose above: Dutch)
    assert "Effectieve n (gewogen)" in page and f"{round(after.summary.loc['nps', 'n_eff'])}</td>" in page


def test_survey_weights_refuses_margins_that_do_not_fit(survey, runner, tmp_path):
    margins = tmp_path / "margins.csv"
    margins.write_text("variable,category,share\nsegment,large,0.5\nsegment,medium,0.5\n", encoding="utf-8")
    result = runner.invoke(args=["survey", "weights", "--survey", "weighted", "--margins", str(margins)])
    assert result.exit_code == 1 and "category 'small'" in result.output
    assert pd.isna(response_table(survey)["weight"]).all(), "nothing stored"
    unknown = runner.invoke(args=["survey", "weights", "--survey", "nope", "--margins", str(margins)])
    assert unknown.exit_code == 1 and "no survey 'nope'" in unknown.output
