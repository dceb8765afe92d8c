"""Waves on the command line, and response rates per wave and segment."""

from __future__ import annotations

from datetime import datetime, timedelta

from surveyapp.extensions import db
from surveyapp.invitations.mailer import send_due_mails
from surveyapp.invitations.operations import create_invitation, queue_invitations, upsert_contact
from surveyapp.invitations.rates import response_rates
from surveyapp.models import Contact, Invitation, OutboxMail, Response, Wave
from surveyapp.models.base import utcnow

from .conftest import add_contacts, next_wave


def test_open_list_and_close(runner, survey):
    result = runner.invoke(args=["wave", "open", "--survey", "loyalty"])
    assert result.exit_code == 0, result.output
    default_name = f"{utcnow():%Y-%m}"
    assert f"Opened wave {default_name}" in result.output

    closes = (utcnow() + timedelta(days=30)).date()
    spring_args = ["wave", "open", "--survey", "loyalty", "--name", "spring", "--closes", f"{closes}"]
    refused = runner.invoke(args=spring_args)  # waves never overlap: one current invitation per contact
    assert refused.exit_code == 1 and f"wave {default_name} of loyalty is open" in refused.output
    assert runner.invoke(args=["wave", "close", "--survey", "loyalty", "--name", default_name]).exit_code == 0
    result = runner.invoke(args=spring_args)
    assert result.exit_code == 0, result.output
    spring = db.session.scalar(db.select(Wave).where(Wave.name == "spring"))
    assert spring.closes_at == datetime.combine(closes + timedelta(days=1), datetime.min.time())

    result = runner.invoke(args=["wave", "list", "--survey", "loyalty"])
    assert default_name in result.output and "spring" in result.output and "open" in result.output

    result = runner.invoke(args=["wave", "close", "--survey", "loyalty", "--name", "spring"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not db.session.get(Wave, spring.id).is_open()
    assert runner.invoke(args=["wave", "close", "--survey", "loyalty", "--name", "nope"]).exit_code == 1


def test_invite_needs_an_open_wave_and_close_cancels_queued(runner, survey):
    add_contacts(survey, 2)
    result = runner.invoke(args=["invite", "--survey", "loyalty"])
    assert result.exit_code == 1 and "no open wave" in result.output
    runner.invoke(args=["wave", "open", "--survey", "loyalty", "--name", "w1"])
    assert "Queued 2 invitation(s)" in runner.invoke(args=["invite", "--survey", "loyalty"]).output
    result = runner.invoke(args=["wave", "close", "--survey", "loyalty", "--name", "w1"])
    assert "2 unsent mail(s) cancelled" in result.output
    assert {m.state for m in db.session.scalars(db.select(OutboxMail))} == {"cancelled"}
    result = runner.invoke(args=["invite", "--survey", "loyalty", "--wave", "w1"])
    assert result.exit_code == 1 and "closed" in result.output


def test_response_rates_per_wave_and_segment(runner, smtp, survey, wave):
    retain = add_contacts(survey, 4, segment="retain")
    expand = []
    for index in range(2):
        contact, _ = upsert_contact(survey, email=f"x{index}@example.org", language="en",
                                    attributes={"segment": "expand"})
        expand.append(contact)
    smtp.rcpt_replies["x1@example.org"] = "550 5.1.1 unknown"
    queue_invitations(survey, wave)
    send_due_mails()
    invitations = {i.contact_id: i for i in db.session.scalars(db.select(Invitation))}
    for contact, status in ((retain[0], "completed"), (retain[1], "in_progress"), (expand[0], "completed")):
        invitation = invitations[contact.id]
        invitation.opened_at = utcnow()
        db.session.add(Response(survey_id=survey.id, wave_id=wave.id, invitation_id=invitation.id,
                                questionnaire_version_id=survey.questionnaire_version_id, language="en",
                                status=status))
    invitations[retain[2].id].opened_at = utcnow()
    db.session.get(Contact, retain[3].id).opted_out_at = utcnow()
    db.session.commit()
    later = next_wave(survey, "2025-07")
    create_invitation(later, retain[0])

    rows = {(r.wave, r.group): r.as_dict() for r in response_rates(survey)}
    assert rows[("2025-06", None)] == {"wave": "2025-06", "group": None, "invited": 6, "opened": 4, "started": 3,
                                       "completed": 2, "bounced": 1, "opted_out": 1, "response_rate": 2 / 6}
    assert rows[("2025-06", "retain")]["invited"] == 4 and rows[("2025-06", "retain")]["completed"] == 1
    assert rows[("2025-06", "expand")] == {"wave": "2025-06", "group": "expand", "invited": 2, "opened": 1,
                                               "started": 1, "completed": 1, "bounced": 1, "opted_out": 0,
                                               "response_rate": 0.5}
    assert rows[("2025-07", None)]["invited"] == 1
    assert [r.group for r in response_rates(survey, wave, by=None)] == [None]

    result = runner.invoke(args=["wave", "rates", "--survey", "loyalty", "--wave", "2025-06"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["wave", "segment", "invited"]
    assert lines[1].split() == ["2025-06", "(all)", "6", "4", "3", "2", "33%", "1", "1"]
    assert any(line.split()[:2] == ["2025-06", "expand"] for line in lines)
