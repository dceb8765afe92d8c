"""A survey's analysis across questionnaire versions."""

from pathlib import Path

from surveyapp.demo import build_demo
from surveyapp.questionnaire.publishing import publish_questionnaire
from surveyapp.results.survey_analysis import analyze_stored_survey
from surveyapp.surveys import use_version

LOYALTY = Path(__file__).resolve().parents[2] / "questionnaires" / "loyalty-tracker.yaml"


def test_a_new_version_with_a_renamed_item_keeps_the_construct_for_earlier_waves(app_ctx, tmp_path):
    survey = build_demo(contacts=80).survey
    before = analyze_stored_survey(survey)
    assert "product" in before.drivers.results[("loyalty_index", None)].table.index

    edited = tmp_path / "loyalty-tracker.yaml"
    text = LOYALTY.read_text(encoding="utf-8")
    assert text.count("product_value") >= 2
    edited.write_text(text.replace("product_value", "product_value_for_money"), encoding="utf-8")
    use_version(survey, publish_questionnaire(edited).version)

    after = analyze_stored_survey(survey)
    table = after.drivers.results[("loyalty_index", None)].table
    assert "product" in table.index
    # Every response answered the first version, so it is scored with that version's three items:
    # renaming an item in a later version changes nothing for earlier waves.
    assert after.scores["product"].equals(before.scores["product"])
    assert after.summary["value"].equals(before.summary["value"])
    assert all(after.comparable(kpi) for kpi in after.kpis)
