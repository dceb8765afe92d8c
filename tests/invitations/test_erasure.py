"""Erasure on request and retention: personal data goes, the answers stay anonymous."""

from __future__ import annotations

from datetime import timedelta

from surveyapp.extensions import db
from surveyapp.invitations.links import find_invitation, invitation_token
from surveyapp.invitations.operations import (
    apply_retention,
    create_invitation,
    open_wave,
    opt_out,
    queue_invitations,
)
from surveyapp.models import Answer, Contact, Invitation, OutboxMail, Response
from surveyapp.models.base import utcnow

from .conftest import add_contacts, next_wave


def respond(survey, wave, invitation, contact) -> Response:
    response = Response(survey_id=survey.id, wave_id=wave.id, invitation_id=invitation.id,
                        questionnaire_version_id=survey.questionnaire_version_id, language="en",
                        status="completed", completed_at=utcnow(),
                        attributes={"name": contact.name, "crm_id": contact.crm_id, "email": contact.email,
                                    "segment": "retain"})
    response.answers.append(Answer(item_id="nps", value=9))
    db.session.add(response)
    db.session.commit()
    return response


def test_erase_removes_personal_data_and_keeps_anonymous_answers(runner, survey, wave, tmp_path):
    ann, bob = add_contacts(survey, 2)
    invitation = create_invitation(wave, ann)
    token = invitation_token(invitation)
    response = respond(survey, wave, invitation, ann)
    queue_invitations(survey, next_wave(survey, "2025-07"))

    result = runner.invoke(args=["contacts", "erase", "Person0@example.org", "--survey", "loyalty"])
    assert result.exit_code == 0, result.output
    assert "Erased 1 contact(s)" in result.output

    db.session.expire_all()
    assert db.session.scalar(db.select(Contact).where(Contact.email == "person0@example.org")) is None
    leftovers = db.session.scalars(db.select(Contact).where(Contact.id == ann.id)).all()
    for contact in leftovers:  # only an opt-out marker may stay
        assert (contact.email, contact.name, contact.crm_id, contact.attributes) == (None, None, None, {})
        assert contact.opted_out_at is not None and contact.suppression_hash
    response = db.session.get(Response, response.id)
    assert response.invitation_id is None
    assert response.attributes == {"segment": "retain"}
    assert [a.value for a in response.answers] == [9]
    assert find_invitation(token) is None, "the old link leads nowhere"
    assert db.session.scalar(db.select(Invitation).where(Invitation.contact_id == ann.id)) is None
    states = {m.invitation.contact_id: m.state for m in db.session.scalars(db.select(OutboxMail))}
    assert states == {bob.id: "queued"}, "the erased person's mails (and Message-IDs) are gone"
    assert db.session.get(Contact, bob.id).email == "person1@example.org"

    # The CRM still has Ann: the next import does not bring her back.
    file = tmp_path / "c.csv"
    file.write_text("email,language\nperson0@example.org,en\nnew@example.org,nl\n")
    result = runner.invoke(args=["contacts", "import", str(file), "--survey", "loyalty"])
    assert "1 created, 0 updated, 0 rejected, 1 skipped" in result.output
    assert db.session.scalar(db.select(Contact).where(Contact.email == "person0@example.org")) is None


def test_erase_unknown_address(runner, survey):
    result = runner.invoke(args=["contacts", "erase", "nobody@example.org"])
    assert result.exit_code == 0
    assert "nothing to erase" in result.output


def test_retention_anonymizes_closed_waves(runner, survey):
    survey.retention_days = 30
    now = utcnow()
    old = open_wave(survey, "2025-01", opens_at=now - timedelta(days=100), closes_at=now - timedelta(days=60))
    recent = open_wave(survey, "2025-04", opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=10))
    ann, bob, cas = add_contacts(survey, 3)
    opt_out(cas)
    answered = respond(survey, old, create_invitation(old, ann), ann)
    create_invitation(old, bob)
    create_invitation(recent, bob)  # Bob is still within retention through the recent wave
    create_invitation(old, cas)

    result = runner.invoke(args=["contacts", "retention"])
    assert "Anonymized 1 wave(s)." in result.output
    db.session.expire_all()
    assert old.anonymized_at is not None and recent.anonymized_at is None
    assert db.session.get(Contact, ann.id) is None, "Ann is only in the expired wave: deleted"
    assert db.session.get(Contact, bob.id).email == "person1@example.org", "Bob is kept for the recent wave"
    cas_row = db.session.get(Contact, cas.id)
    assert cas_row.email is None and cas_row.opted_out_at is not None, "an opt-out survives as a marker"
    answered = db.session.get(Response, answered.id)
    assert answered.invitation_id is None and answered.attributes == {"segment": "retain"}
    assert all(i.contact_id is None for i in db.session.scalars(db.select(Invitation).where(Invitation.wave_id == old.id)))

    assert apply_retention(now=now) == 0, "done once"
    assert apply_retention(now=now + timedelta(days=20)) == 1
    assert db.session.get(Contact, bob.id) is None


def test_no_retention_setting_keeps_everything(survey):
    now = utcnow()
    old = open_wave(survey, "2020-01", opens_at=now - timedelta(days=1000), closes_at=now - timedelta(days=900))
    (ann,) = add_contacts(survey, 1)
    create_invitation(old, ann)
    assert apply_retention() == 0
    assert db.session.get(Contact, ann.id).email == "person0@example.org"
