"""Faults a careless network and a busy server cause: each injected for real, none may lose or
double anything, and none may show a 500 page."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from surveyapp.extensions import db
from surveyapp.invitations.mailer import send_due_mails
from surveyapp.invitations.operations import open_wave, queue_invitations
from surveyapp.models import OutboxMail, QuestionnaireVersion
from surveyapp.models.base import utcnow
from surveyapp.surveys import create_survey

from ..invitations.conftest import RecordingHandler, add_contacts, free_port
from ..respond.conftest import LOYALTY_ANSWERS, count_responses, post_page, stored
from .servers import Browser, csrf_in, page_in, start_server


def _admin(app_config):
    url = sa.make_url(app_config["SQLALCHEMY_DATABASE_URI"])
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT"), url.database


def _kill_connections(admin, database):
    with admin.connect() as conn:
        return conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                    "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": database}).scalar()


@pytest.mark.postgres
def test_database_connections_killed_under_load_give_503_then_recover_without_restart(app, app_config, loyalty):
    paths = [loyalty.invite(email=f"p{n}@example.com") for n in range(4)]
    admin, database = _admin(app_config)
    statuses: dict[str, list[int]] = {"before": [], "outage": [], "after": []}
    phase = ["before"]
    stop = threading.Event()
    bodies = []

    def load(path):
        client = app.test_client()
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                reply = client.get(path, headers={"Accept-Language": "nl"})
            except Exception as error:  # raised past the error handlers: counted as a failure
                statuses[phase[0]].append(599)
                bodies.append(repr(error))
                continue
            statuses[phase[0]].append(reply.status_code)
            if reply.status_code >= 500:
                bodies.append(reply.text)

    threads = [threading.Thread(target=load, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    phase[0] = "outage"
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
    killed = _kill_connections(admin, database)
    time.sleep(2)
    killed += _kill_connections(admin, database)
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
    time.sleep(0.5)  # requests that were already failing finish
    phase[0] = "after"
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    admin.dispose()

    assert killed >= 1
    assert set(statuses["before"]) == {200}
    assert 503 in statuses["outage"] and set(statuses["outage"]) <= {200, 503}, (set(statuses["outage"]), bodies[:3])
    assert all("De dienst is even niet beschikbaar" in body for body in bodies)
    assert all("Traceback" not in body for body in bodies)
    recovered = statuses["after"][len(paths):]  # a request per thread may have straddled the switch
    assert recovered and set(recovered) == {200}, statuses["after"]
    print(f"db outage: {sum(map(len, statuses.values()))} requests, {statuses['outage'].count(503)} clean 503s, "
          f"{killed} connections killed")


@pytest.mark.postgres
@pytest.mark.parametrize("idle_ping", [True, False])
def test_a_connection_that_died_while_idle_in_the_pool_costs_no_request(app, app_config, loyalty, monkeypatch,
                                                                        idle_ping):
    """No ping per request (pool_pre_ping), but one for a connection idle longer than PING_AFTER_IDLE_SECONDS."""
    from surveyapp import extensions

    path = loyalty.invite()
    client = app.test_client()
    assert client.get(path).status_code == 200  # the pool now holds a connection
    admin, database = _admin(app_config)
    assert _kill_connections(admin, database) >= 1
    admin.dispose()
    monkeypatch.setattr(extensions, "PING_AFTER_IDLE_SECONDS", 0.0 if idle_ping else 3600.0)
    reply = client.get(path)
    if idle_ping:
        assert reply.status_code == 200
    else:  # without the ping the dead connection is found by the request, which gets the 503 page
        assert reply.status_code == 503
        assert client.get(path).status_code == 200  # and the pool reconnects for the next one


@pytest.fixture
def servers(app, app_config, tmp_path):
    started = []

    def start(**kwargs):
        server = start_server(app_config["SQLALCHEMY_DATABASE_URI"], tmp_path, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_two_final_submits_from_separate_processes_store_one_response(app, loyalty, servers, attempt):
    first, second = servers(), servers()
    path = loyalty.invite()
    client = app.test_client()
    for data in LOYALTY_ANSWERS[:-1]:
        post_page(client, path, data)
    tabs = []
    for server, text in ((first, "Tab een."), (second, "Tab twee.")):
        browser = Browser()
        page = browser.get(server.url + path)
        assert page_in(page.text) == "needs"
        tabs.append((browser, server.url + path, {"csrf_token": csrf_in(page.text), "page": "needs",
                                                 "action": "next", "a-needs": text}))
    barrier = threading.Barrier(2)
    results = [None, None]

    def submit(index, browser, url, form):
        barrier.wait()
        results[index] = browser.post(url, form).status

    threads = [threading.Thread(target=submit, args=(i, *tab)) for i, tab in enumerate(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert 303 in results and set(results) <= {303, 410}, results
    response = stored(app, path)
    assert response.completed and count_responses(app) == 1
    assert response.answers["needs"] in ("Tab een.", "Tab twee.")
    assert len(response.answers) == sum(len(page) for page in LOYALTY_ANSWERS)


@pytest.mark.postgres
def test_a_worker_killed_mid_save_leaves_no_half_written_page_and_the_respondent_resumes(
        app, app_config, loyalty, servers):
    server = servers(workers=1)
    path = loyalty.invite()
    browser = Browser()
    url = server.url + path

    def post(data):
        page = browser.get(url)
        form = {"csrf_token": csrf_in(page.text), "page": page_in(page.text), "action": "next"}
        form.update({f"a-{key}": value for key, value in data.items()})
        return browser.post(url, form)

    assert post(LOYALTY_ANSWERS[0]).status == 303
    (worker,) = server.worker_pids()
    admin, database = _admin(app_config)
    blocker = sa.create_engine(app_config["SQLALCHEMY_DATABASE_URI"])
    with blocker.connect() as conn:
        conn.execute(sa.text("LOCK TABLE answers IN EXCLUSIVE MODE"))  # the save's INSERTs wait here
        done = []
        def save_page_two():
            try:
                done.append(post(LOYALTY_ANSWERS[1]))
            except OSError as error:  # the worker died under this request
                done.append(error)

        saving = threading.Thread(target=save_page_two)
        saving.start()
        deadline = time.monotonic() + 30
        with admin.connect() as watch:
            while time.monotonic() < deadline:
                waiting = watch.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND wait_event_type = 'Lock'"),
                    {"d": database}).scalar()
                if waiting:
                    break
                time.sleep(0.05)
        assert waiting, "the save never reached the answers table"
        os.kill(worker, signal.SIGKILL)  # the worker dies mid-transaction
        saving.join(timeout=30)
        conn.rollback()
    blocker.dispose()
    admin.dispose()

    response = stored(app, path)
    assert response.answers == {"nps": 9}, "nothing of the page being saved"
    assert response.current_page == "offer", "the claim of the dead transaction was rolled back too"
    # gunicorn starts a new worker; the respondent reloads and goes on.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not server.worker_pids():
        time.sleep(0.2)
    resumed = None
    while time.monotonic() < deadline:
        try:
            resumed = browser.get(url)
            break
        except OSError:
            time.sleep(0.2)
    assert resumed is not None and page_in(resumed.text) == "offer"
    for data in LOYALTY_ANSWERS[1:]:
        assert post(data).status == 303
    response = stored(app, path)
    assert response.completed and len(response.answers) == sum(len(page) for page in LOYALTY_ANSWERS)


def test_smtp_down_for_a_while_mails_wait_and_go_out_once(app_ctx, app):
    version = QuestionnaireVersion(key="loyalty", version=1, content_hash="0" * 64, title="Survey",
                                   definition={"id": "loyalty", "languages": ["nl", "en"]},
                                   source_name="loyalty.yaml", source_text="")
    db.session.add(version)
    db.session.commit()
    survey = create_survey("loyalty", version)
    wave = open_wave(survey, "2025-06")
    add_contacts(survey, 6)
    queue_invitations(survey, wave)

    handler = RecordingHandler()
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none", SMTP_TIMEOUT=3,
                      MAIL_FROM="Survey <survey@example.com>", MAIL_MAX_ATTEMPTS=10)
    now = utcnow()
    faults = 0
    # 1. Nothing listens: three runs, nothing claimed, nothing lost.
    for minute in range(3):
        report = send_due_mails(now=now + timedelta(minutes=minute))
        assert report.sent == 0 and report.stopped
        faults += 1
    # 2. It listens but refuses for now (421 to every recipient): retried later, with back-off.
    handler.default_rcpt_reply = "421 4.3.2 Service not available, try again later"
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = send_due_mails(now=now + timedelta(minutes=5))
        faults += 1
        assert report.sent == 0 and report.retried == 6, report
        # 3. Back up: everything goes out once, on time, and a further run sends nothing.
        handler.default_rcpt_reply = None
        assert send_due_mails(now=now + timedelta(minutes=5, seconds=30)).sent == 0, "not due yet"
        assert send_due_mails(now=now + timedelta(hours=1)).sent == 6
        assert send_due_mails(now=now + timedelta(days=1)).sent == 0
    finally:
        controller.stop()
    ids = handler.message_ids()
    assert len(ids) == 6 and len(set(ids)) == 6, "none lost, none doubled"
    assert {m.state for m in db.session.scalars(db.select(OutboxMail))} == {"sent"}
    assert faults == 4
