"""A survey's analysis across questionnaire versions."""

from pathlib import Path

from surveyapp.demo import build_demo
from surveyapp.results.dataset import response_table
from surveyapp.results.survey_analysis import analyze_stored_survey
from surveyapp.surveys import publish_questionnaire, use_version

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
    assert "product" in table.index, "the driver is scored from its two unchanged items"
    # Now scored where both unchanged items were answered: at least half of its three items.
    answered = response_table(survey)[["product_quality", "product_fit"]].notna().all(axis=1)
    assert after.scores["product"].notna().equals(answered)
    assert any("product_value_for_money" in warning for warning in after.warnings)
