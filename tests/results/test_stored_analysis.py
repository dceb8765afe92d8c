"""One analysis, stored, read by everything: computed once per scope, recomputed when stale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from surveyapp import create_app
from surveyapp.extensions import db
from surveyapp.models import Answer, Response, StoredAnalysis, Survey
from surveyapp.models.base import utcnow
from surveyapp.results import survey_analysis
from surveyapp.results.dataset import analysis_table, construct_definitions, response_table
from surveyapp.results.survey_analysis import analyze_stored_survey, analyze_survey, answered_versions


@pytest.fixture
def demo(app_ctx, tmp_path):
    app_ctx.instance_path = str(tmp_path)
    from surveyapp.demo import build_demo

    return build_demo(contacts=60).survey


@pytest.fixture
def counted(monkeypatch):
    calls = []
    original = survey_analysis.analyze_survey
    monkeypatch.setattr(survey_analysis, "analyze_survey", lambda *a, **k: calls.append(1) or original(*a, **k))
    return calls


def test_the_typed_table_holds_the_same_numbers_as_the_full_response_table(demo):
    questionnaire = demo.questionnaire_version.questionnaire()
    items = [i for d in construct_definitions(questionnaire).values() for i in d["items"]]
    typed = analysis_table(demo, items=items)
    full = response_table(demo)
    assert list(typed.index) == list(full.index)
    for item in items:
        assert typed[item].dtype == np.float64
        np.testing.assert_array_equal(typed[item].to_numpy(), full[item].astype(float).to_numpy())
    for column in ("wave", "language", "segment", "channel", "customer_value"):
        assert typed[column].tolist() == full[column].tolist()
    assert "name" not in typed.columns and "email" not in typed.columns


def test_stored_figures_equal_the_computed_ones_and_are_computed_once(demo, counted):
    first = analyze_stored_survey(demo, min_n=10)
    second = analyze_stored_survey(demo, min_n=10)
    assert len(counted) == 1
    table = response_table(demo)
    expected = analyze_survey(table, demo.questionnaire_version.questionnaire(), min_n=10,
                              versions=answered_versions(table))
    pd.testing.assert_frame_equal(second.summary, expected.summary)
    pd.testing.assert_frame_equal(second.tracker, expected.tracker)
    assert second.drivers.results[("loyalty_index", None)].r2 == pytest.approx(
        expected.drivers.results[("loyalty_index", None)].r2)
    assert first.n == second.n == len(expected.scores)
    row = db.session.scalar(db.select(StoredAnalysis).where(StoredAnalysis.scores.is_not(None)))  # not the flags
    assert row.responses == first.n and row.payload and row.seconds > 0


def test_a_new_completed_response_makes_the_figures_stale(demo, counted):
    before = analyze_stored_survey(demo)
    response = db.session.scalar(db.select(Response).where(Response.survey_id == demo.id,
                                                            Response.status == "in_progress"))
    response.status, response.completed_at = "completed", utcnow()
    db.session.commit()
    after = analyze_stored_survey(demo)
    assert len(counted) == 2 and after.n == before.n + 1
    analyze_stored_survey(demo)
    assert len(counted) == 2


def test_a_new_questionnaire_version_makes_the_figures_stale(demo, counted):
    from surveyapp.models import QuestionnaireVersion

    analyze_stored_survey(demo)
    current = demo.questionnaire_version
    copy = QuestionnaireVersion(key=current.key, version=current.version + 1, content_hash="1" * 64,
                                title=current.title, definition=current.definition, source_name="x.yaml",
                                source_text="")
    db.session.add(copy)
    db.session.commit()
    from surveyapp.surveys import use_version

    use_version(demo, copy)
    analyze_stored_survey(demo)
    assert len(counted) == 2


def test_each_wave_filter_and_option_is_a_scope_of_its_own(demo, counted):
    wave = demo.waves[0]
    everyone = analyze_stored_survey(demo)
    large = analyze_stored_survey(demo, filters={"segment": "large"})
    in_wave = analyze_stored_survey(demo, wave, filters={"segment": "large", "language": "nl"})
    analyze_stored_survey(demo, n_boot=0, min_n=5)
    assert len(counted) == 4
    assert large.n == int((everyone.scores["segment"] == "large").sum())
    assert set(large.scores["segment"]) == {"large"} and large.filters == {"segment": "large"}
    assert set(in_wave.scores["wave"]) == {wave.name} and set(in_wave.scores["language"]) == {"nl"}
    assert analyze_stored_survey(demo, filters={"segment": "nobody"}) is None
    analyze_stored_survey(demo, filters={"segment": "large"})
    assert len(counted) == 4  # the empty scope had nothing to analyse; the others were stored


def test_a_tampered_payload_is_recomputed_not_unpickled(demo, counted):
    analyze_stored_survey(demo)
    row = db.session.scalar(db.select(StoredAnalysis).where(StoredAnalysis.scores.is_not(None)))  # not the flags
    row.payload = b"x" * 32 + row.payload[32:]
    db.session.commit()
    assert analyze_stored_survey(demo) is not None
    assert len(counted) == 2


def test_answers_keep_their_number(app_ctx):
    assert Answer(item_id="a", value=7).number == 7.0
    assert Answer(item_id="a", value=2.5).number == 2.5
    for value in ("dk", "large", ["a", "b"], True, None):
        assert Answer(item_id="a", value=value).number is None
    answer = Answer(item_id="a", value=3)
    answer.value = "dk"
    assert answer.number is None


def test_the_migration_fills_the_number_of_existing_answers(empty_database_url, app_config):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO questionnaire_versions (id, key, version, content_hash, title, definition, source_name, "
                "source_text, published_at) VALUES (1, 'q', 1, 'h', 't', '{}', 's', '', CURRENT_TIMESTAMP)"))
            connection.execute(sa.text(
                "INSERT INTO surveys (id, slug, title, questionnaire_key, questionnaire_version_id, "
                "reminder_after_days, max_reminders, created_at) VALUES (1, 's', 't', 'q', 1, 7, 2, CURRENT_TIMESTAMP)"))
            connection.execute(sa.text(
                "INSERT INTO waves (id, survey_id, name, opens_at) VALUES (1, 1, 'w', CURRENT_TIMESTAMP)"))
            connection.execute(sa.text(
                "INSERT INTO responses (id, survey_id, wave_id, questionnaire_version_id, language, attributes, "
                "randomization, status, started_at, updated_at) VALUES "
                "(1, 1, 1, 1, 'nl', '{}', '{}', 'completed', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            for number, (item, value) in enumerate([("a", "7"), ("b", "2.5"), ("c", '"dk"'), ("d", '"large"'),
                                                    ("e", '["x", "y"]'), ("f", "0"), ("g", "true")], start=1):
                connection.execute(sa.text("INSERT INTO answers (id, response_id, item_id, value) "
                                           "VALUES (:id, 1, :item, :value)"),
                                   {"id": number, "item": item, "value": value})
        upgrade()
        numbers = dict(db.session.execute(sa.text("SELECT item_id, number FROM answers")).all())
        survey = db.session.get(Survey, 1)
        table = analysis_table(survey)
        db.session.remove()
        db.engine.dispose()
    assert numbers == {"a": 7.0, "b": 2.5, "c": None, "d": None, "e": None, "f": 0.0, "g": None}
    assert table.loc[1, "a"] == 7.0 and table.loc[1, "f"] == 0.0 and "d" not in table.columns


def test_careless_flags_belong_to_the_response_not_to_the_view(demo, counted):
    """Computed once for the whole survey (speed and duplicates against the whole wave), stored
    with each response, and the same in a filtered view; recomputed when the data change."""
    from surveyapp.results.quality import survey_flags

    everyone = analyze_stored_survey(demo)
    large = analyze_stored_survey(demo, filters={"segment": "large"})
    assert everyone.flag_counts["flagged"] > 0
    pd.testing.assert_frame_equal(large.flags, everyone.flags.loc[large.flags.index])
    stored = dict(db.session.execute(db.select(Response.id, Response.quality_flags)
                                     .where(Response.survey_id == demo.id, Response.status == "completed")).all())
    assert {i for i, names in stored.items() if names} == set(everyone.flags.index[everyone.flags["flagged"]])
    assert all(names is not None for names in stored.values()), "every completed response was checked"
    assert survey_flags(demo).equals(everyone.flags)

    # a new response that took one second: a speeder, flagged without `surveyapp analyze`
    response = db.session.scalar(db.select(Response).where(Response.survey_id == demo.id,
                                                            Response.status == "in_progress"))
    response.status, response.completed_at = "completed", utcnow()
    response.page_seconds = {"1": 1}
    db.session.commit()
    analyze_stored_survey(demo, filters={"segment": "large"})
    db.session.refresh(response)
    assert "speeder" in response.quality_flags
