"""From stored responses to the tidy analysis table."""

from pathlib import Path

import numpy as np

from surveyapp.extensions import db
from surveyapp.invitations.operations import create_invitation, open_wave, upsert_contact
from surveyapp.models import Answer, Response
from surveyapp.results.dataset import construct_definitions, response_table
from surveyapp.surveys import create_survey, publish_questionnaire

ALL_TYPES = Path(__file__).resolve().parents[2] / "questionnaires" / "all-item-types.yaml"


def _response(survey, wave, number, answers, *, status="completed", others=None):
    contact, _ = upsert_contact(survey, email=f"c{number}@example.com", language="en", name=f"Person {number}",
                                crm_id=f"CRM-{number}", attributes={"segment": "large" if number % 2 else "small"})
    invitation = create_invitation(wave, contact)
    response = Response(survey_id=survey.id, wave_id=wave.id, questionnaire_version_id=survey.questionnaire_version_id,
                        invitation_id=invitation.id, language="en", status=status,
                        attributes={"segment": contact.attributes["segment"], "name": contact.name,
                                    "crm_id": contact.crm_id})
    response.answers = [Answer(item_id=k, value=v, other_text=(others or {}).get(k)) for k, v in answers.items()]
    db.session.add(response)
    db.session.commit()
    return response


def test_response_table_is_one_tidy_row_per_completed_response(app_ctx):
    version = publish_questionnaire(ALL_TYPES).version
    survey = create_survey("types", version)
    wave = open_wave(survey, "2026-11")
    first = _response(survey, wave, 1, {"helpful": 4, "nps": 9, "friendly": "dk", "channel_used": "phone",
                                        "channels_preferred": ["email", "other"], "employees": 12},
                      others={"channels_preferred": "carrier pigeon"})
    second = _response(survey, wave, 2, {"helpful": 2, "nps": 3, "friendly": 5, "employees": "dk"})
    _response(survey, wave, 3, {"helpful": 5}, status="in_progress")

    table = response_table(survey)
    assert list(table.index) == [first.id, second.id]  # in-progress responses are left out
    assert table.loc[first.id, "helpful"] == 4 and table["nps"].dtype.kind in "if"
    assert np.isnan(table.loc[first.id, "friendly"]) and table.loc[second.id, "friendly"] == 5  # don't know = missing
    assert np.isnan(table.loc[second.id, "employees"])
    assert table.loc[first.id, "channels_preferred__email"] == 1
    assert table.loc[first.id, "channels_preferred__other"] == 1
    assert table.loc[first.id, "channels_preferred__other_text"] == "carrier pigeon"
    assert table.loc[first.id, "channels_preferred__chat"] == 0  # answered the item, did not choose chat
    assert np.isnan(table.loc[second.id, "channels_preferred__chat"])  # did not answer the item
    assert table.loc[first.id, "segment"] == "large" and table.loc[second.id, "wave"] == "2026-11"
    assert "name" not in table.columns, "personal data stays out of analysis tables"
    assert len(response_table(survey, completed_only=False)) == 3


def test_construct_definitions_carry_scale_and_reverse_items(app_ctx):
    questionnaire = publish_questionnaire(ALL_TYPES).version.questionnaire()
    definitions = construct_definitions(questionnaire)
    assert definitions, "the example declares constructs"
    for definition in definitions.values():
        assert set(definition["reverse"]) <= set(definition["items"])
        assert definition["scale_min"] is not None and definition["scale_max"] > definition["scale_min"]
