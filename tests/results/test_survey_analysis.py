"""A survey's analysis across questionnaire versions."""

from pathlib import Path

from surveyapp.demo import build_demo
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
    assert "product" in table.index
    # Every response answered the first version, so it is scored with that version's three items:
    # renaming an item in a later version changes nothing for earlier waves.
    assert after.scores["product"].equals(before.scores["product"])
    assert after.summary["value"].equals(before.summary["value"])
    assert all(after.comparable(kpi) for kpi in after.kpis)


def test_excluding_flagged_responses_when_every_response_is_flagged(app_ctx):
    import pandas as pd

    from surveyapp.results.survey_analysis import analyze_survey
    from surveyapp.surveys import publish_questionnaire as publish

    questionnaire = publish(LOYALTY).version.questionnaire()
    rows = [{item: 3 for item in ("product_quality", "product_fit", "product_value", "processes_speed",
                                  "processes_promises", "processes_waiting", "atmosphere_pleasant",
                                  "atmosphere_trust", "atmosphere_not_serious")} | {"nps": 8}] * 2
    table = pd.DataFrame(rows, index=[1, 2]).assign(wave="w1", wave_opens_at=pd.Timestamp("2026-01-01"))
    result = analyze_survey(table, questionnaire, exclude_flagged=True)
    assert result.flag_counts["straightliner"] == 2 and result.flag_counts["duplicate"] == 1
    assert result.excluded_flagged and len(result.scores) == 0 and result.summary.empty
    kept = analyze_survey(table, questionnaire)
    assert len(kept.scores) == 2 and any("flagged as careless" in w for w in kept.warnings)
