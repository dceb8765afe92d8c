"""Closing the loop: every detractor's completed response queues exactly one alert mail."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from surveyapp.demo import synthetic_answers
from surveyapp.extensions import db
from surveyapp.invitations.mailer import send_due_mails
from surveyapp.invitations.operations import create_invitation, open_wave, upsert_contact
from surveyapp.models import OutboxMail, Survey
from surveyapp.respond.operations import complete_response, start_response
from surveyapp.surveys import create_survey, publish_questionnaire

TRACKER = Path(__file__).parents[2] / "questionnaires" / "loyalty-tracker.yaml"


@pytest.fixture
def tracker(app_ctx):
    version = publish_questionnaire(TRACKER).version
    survey = create_survey("tracker", version, alert_to="service@example.com")
    wave = open_wave(survey, "2026-11")
    return survey, wave, version.questionnaire()


def respond(survey, wave, questionnaire, number: int, nps: int, *, complete: bool = True):
    contact, _ = upsert_contact(survey, email=f"klant{number}@example.org", name=f"Klant {number}", language="nl",
                                crm_id=f"CRM-{number}", attributes={"segment": "large"})
    invitation = create_invitation(wave, contact)
    attributes = {**contact.attributes, "name": contact.name, "crm_id": contact.crm_id}
    response = start_response(survey=survey, wave=wave, language="nl", attributes=attributes, invitation=invitation)
    answers = synthetic_answers(questionnaire, attributes, "nl", random.Random(number))
    answers["nps"] = nps
    answers["needs"] = "Niemand belt terug als ik een klacht heb."
    if complete:
        complete_response(response, answers)
    return response


def alerts():
    return db.session.scalars(db.select(OutboxMail).where(OutboxMail.kind == "alert")).all()


def test_a_detractor_queues_one_alert_and_promoters_and_passives_none(tracker):
    survey, wave, questionnaire = tracker
    detractor = respond(survey, wave, questionnaire, 1, nps=3)
    respond(survey, wave, questionnaire, 2, nps=9)
    respond(survey, wave, questionnaire, 3, nps=7)
    respond(survey, wave, questionnaire, 4, nps=6)
    queued = alerts()
    assert sorted(mail.response_id for mail in queued) == sorted([detractor.id, detractor.id + 3])
    # Completing again (a double click) changes nothing and queues nothing.
    assert complete_response(detractor, {"nps": 2}) is False
    assert len(alerts()) == 2


def test_no_alert_address_no_alert(tracker):
    survey, wave, questionnaire = tracker
    survey.alert_to = None
    db.session.commit()
    respond(survey, wave, questionnaire, 1, nps=0)
    assert alerts() == []


def test_the_alert_mail_carries_the_answers_and_the_contact(tracker, smtp):
    survey, wave, questionnaire = tracker
    respond(survey, wave, questionnaire, 1, nps=2)
    report = send_due_mails()
    assert report.sent == 1, report
    [message] = smtp.messages
    assert smtp.recipients == ["service@example.com"]
    assert "Hoe ervaart u onze samenwerking?" in message["Subject"] and "2" in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Klant 1 <klant1@example.org>" in body
    assert "CRM-1" in body
    assert "Niemand belt terug als ik een klacht heb." in body
    nps_question = questionnaire.item("nps").text["nl"]
    assert nps_question.split("{")[0].strip()[:20] in body
    assert db.session.scalar(db.select(OutboxMail.state).where(OutboxMail.kind == "alert")) == "sent"
    assert send_due_mails().sent == 0  # sent once, never again


def test_alert_address_from_the_command_line(app, runner):
    with app.app_context():
        publish_questionnaire(TRACKER)
    result = runner.invoke(args=["survey", "create", "t1", "--questionnaire", "loyalty-tracker",
                                 "--alert-to", "Service@Example.com"])
    assert result.exit_code == 0, result.output
    assert "Detractor alerts go to Service@example.com" in result.output
    result = runner.invoke(args=["survey", "update", "t1", "--alert-to", "not an address"])
    assert result.exit_code != 0 and "alert address 'not an address' is not valid" in result.output
    result = runner.invoke(args=["survey", "update", "t1", "--alert-to", ""])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(db.select(Survey.alert_to).where(Survey.slug == "t1")) is None
