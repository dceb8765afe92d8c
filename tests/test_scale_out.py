"""Scale beyond one machine: two app processes and two mail senders on one PostgreSQL.

Real processes: two gunicorn servers (``wsgi:app``, threads) and two ``surveyapp mail send``
runs, all against the test's PostgreSQL database, with a real SMTP server on loopback.
Respondents hop between the two app processes request by request (as behind a proxy
without sticky sessions) while both senders work through the outbox. Afterwards nothing
may be lost or doubled: every response complete with all its answers, one response per
link, every mail received once and recorded as sent.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller

from surveyapp.extensions import db
from surveyapp.invitations.links import invitation_token
from surveyapp.invitations.operations import create_invitation, queue_invitations, upsert_contact
from surveyapp.models import Answer, OutboxMail, Response, Survey, Wave

from .invitations.conftest import RecordingHandler, free_port
from .respond.conftest import LOYALTY, LOYALTY_ANSWERS, make_fieldwork

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESPONDENTS = 12
MAILS = 120


def _environment(app, **extra) -> dict:
    return {**os.environ, "SURVEYAPP_ENV": "production", "SURVEYAPP_SECRET_KEY": app.config["SECRET_KEY"],
            "SURVEYAPP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SURVEYAPP_BASE_URL": "http://127.0.0.1",
            # production refuses per-process rate limits: the processes share Redis, as deployed
            "SURVEYAPP_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0", **extra}


def _start_app(app, port: int):
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "--chdir", str(ROOT), "-b", f"127.0.0.1:{port}", "-w", "1", "-k", "gthread",
         "--threads", "4", "--log-level", "warning", "wsgi:app"],
        env=_environment(app), start_new_session=True)


def _wait_listening(port: int, process, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert process.poll() is None, "the app process stopped"
            time.sleep(0.2)
    raise AssertionError("the app process did not start listening")


class Browser:
    """One respondent's cookies, sending each request to the next app process in turn."""

    def __init__(self, ports):
        self.ports = ports
        self.turn = 0
        self.cookies: dict[str, str] = {}

    def request(self, method, path, form=None) -> tuple[int, str]:
        port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, data


def _answer_everything(browser: Browser, link: str) -> None:
    status, page = browser.request("GET", link)
    for answers in LOYALTY_ANSWERS:
        assert status == 200, page[:500]
        form = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
                "page": re.search(r'name="page" value="([^"]+)"', page).group(1), "action": "next"}
        form.update({f"a-{key}": value for key, value in answers.items()})
        status, page = browser.request("POST", link, form)
        assert status == 303, page[:500]
        status, page = browser.request("GET", link)
    assert status == 200 and 'name="csrf_token"' not in page, "the thank-you page"


def test_two_app_processes_and_two_senders_lose_and_double_nothing(app, app_config):
    fieldwork = make_fieldwork(app, LOYALTY, "loyalty")
    with app.app_context():
        survey = db.session.get(Survey, fieldwork.survey_id)
        wave = db.session.get(Wave, fieldwork.wave_id)
        for n in range(MAILS):
            upsert_contact(survey, email=f"mail{n}@example.com", language="nl", commit=False)
        db.session.commit()
        assert queue_invitations(survey, wave) == MAILS
        links = []
        for n in range(RESPONDENTS):
            contact, _ = upsert_contact(survey, email=f"respondent{n}@example.com", language="nl",
                                        attributes={"segment": "medium"})
            links.append("/s/" + invitation_token(create_invitation(wave, contact)))
        db.session.remove()

    smtp = RecordingHandler()
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    ports = [free_port(), free_port()]
    servers = [_start_app(app, port) for port in ports]
    senders = []
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_listening(port, server)
        sender_env = _environment(app, SURVEYAPP_SMTP_HOST="127.0.0.1", SURVEYAPP_SMTP_PORT=str(controller.port),
                                  SURVEYAPP_SMTP_TLS="none", SURVEYAPP_MAIL_FROM="Survey <survey@example.com>")
        senders = [subprocess.Popen([str(BIN / "surveyapp"), "mail", "send"], env=sender_env, cwd=ROOT,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        errors = []

        def respondent(number):
            try:
                browser = Browser(ports[number % 2:] + ports[:number % 2])
                _answer_everything(browser, links[number])
            except Exception as error:  # reported below
                errors.append(f"respondent {number}: {error!r}")

        threads = [threading.Thread(target=respondent, args=(n,)) for n in range(RESPONDENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        outputs = [sender.communicate(timeout=300) for sender in senders]
        assert errors == []
        assert all(sender.returncode == 0 for sender in senders), outputs
    finally:
        for sender in senders:
            if sender.poll() is None:
                sender.kill()
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        controller.stop()

    # Mails: each received exactly once, each recorded as sent.
    assert len(smtp.messages) == MAILS
    assert len(set(smtp.message_ids())) == MAILS, "no mail twice"
    with app.app_context():
        states = dict(db.session.execute(
            db.select(OutboxMail.state, db.func.count()).group_by(OutboxMail.state)).all())
        assert states == {"sent": MAILS}
        assert sorted(m.message_id for m in db.session.scalars(db.select(OutboxMail))) == \
            sorted(smtp.message_ids())
        # Responses: one per link, all completed, every answer stored once.
        responses = db.session.scalars(db.select(Response)).all()
        assert len(responses) == RESPONDENTS
        assert {r.status for r in responses} == {"completed"}
        expected = sum(len(page) for page in LOYALTY_ANSWERS)
        counts = dict(db.session.execute(
            db.select(Answer.response_id, db.func.count()).group_by(Answer.response_id)).all())
        assert sorted(counts.values()) == [expected] * RESPONDENTS
        assert len({r.invitation_id for r in responses}) == RESPONDENTS
