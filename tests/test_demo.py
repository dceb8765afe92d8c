"""``surveyapp demo``: one command from nothing to a survey with data, twice in a row."""

import re

import pytest

from surveyapp import create_app
from surveyapp.extensions import db
from surveyapp.models import Invitation, OutboxMail, Response, Survey, Wave
from surveyapp.tokens import token_hash

LINK = re.compile(r"^  (http://localhost:5123/s/([A-Za-z0-9_-]{43}))  \((nl|en)\)$", re.M)


@pytest.fixture
def demo_app(empty_database_url, app_config, tmp_path):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    app.instance_path = str(tmp_path / "instance")
    (tmp_path / "instance").mkdir()
    yield app
    with app.app_context():
        db.engine.dispose()


def run_demo(app):
    result = app.test_cli_runner().invoke(args=["demo", "--no-serve", "--port", "5123", "--contacts", "120"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_creates_a_survey_with_realistic_data_and_prints_links(demo_app, monkeypatch):
    monkeypatch.delenv("SURVEYAPP_BASE_URL", raising=False)
    output = run_demo(demo_app)
    links = LINK.findall(output)
    assert len(links) == 5
    assert {language for _, _, language in links} == {"nl", "en"}
    assert "manager@example.com / " in output

    with demo_app.app_context():
        survey = db.session.scalar(db.select(Survey).where(Survey.slug == "demo"))
        waves = db.session.scalars(db.select(Wave).where(Wave.survey_id == survey.id)).all()
        assert sum(wave.is_open() for wave in waves) == 1
        completed = db.session.scalar(
            db.select(db.func.count(Response.id)).where(Response.status == "completed")
        )
        assert completed >= 150
        languages = set(db.session.scalars(db.select(Response.language).distinct()))
        assert languages == {"nl", "en"}
        for _, token, _ in links:  # printed links are real, unused invitations
            invitation = db.session.scalar(db.select(Invitation).where(Invitation.token_hash == token_hash(token)))
            assert invitation is not None and invitation.response is None
            assert invitation.wave.is_open()
        queued = db.session.scalars(db.select(OutboxMail).where(OutboxMail.state == "queued")).all()
        assert queued, "the open wave's invitations wait in the outbox"
        assert all(mail.invitation.response is None for mail in queued), "nobody who answered is invited"


def test_demo_twice_reuses_what_is_there(demo_app, monkeypatch):
    monkeypatch.delenv("SURVEYAPP_BASE_URL", raising=False)
    first = run_demo(demo_app)
    with demo_app.app_context():
        responses = db.session.scalar(db.select(db.func.count(Response.id)))
        mails = db.session.scalar(db.select(db.func.count(OutboxMail.id)))
    second = run_demo(demo_app)
    assert "reused" in second
    assert LINK.findall(first) == LINK.findall(second)
    assert first.split("Manager login: ")[1].splitlines()[0] == second.split("Manager login: ")[1].splitlines()[0]
    with demo_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Response.id))) == responses
        assert db.session.scalar(db.select(db.func.count(OutboxMail.id))) == mails


def test_analyze_finds_the_drivers_the_demo_data_was_built_with(demo_app, monkeypatch):
    import json

    from surveyapp.demo import TRUE_WEIGHTS

    run_demo(demo_app)
    # the demo's careless respondents answer at random: left out, the built-in drivers show
    result = demo_app.test_cli_runner().invoke(args=["analyze", "--survey", "demo", "--format", "json",
                                                     "--exclude-flagged"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n"] >= 150
    assert -100 <= report["kpis"]["nps"]["value"] <= 100
    overall = next(r for r in report["drivers"]["results"]
                   if r["outcome"] == "loyalty_index" and r["segment"] is None)
    lmg = {name: values["lmg"] for name, values in overall["drivers"].items()}
    assert abs(sum(lmg.values()) - overall["r2"]) < 1e-9
    strongest = max(TRUE_WEIGHTS, key=TRUE_WEIGHTS.get)
    weakest = min(TRUE_WEIGHTS, key=TRUE_WEIGHTS.get)
    assert max(lmg, key=lmg.get) == strongest
    assert lmg[weakest] < lmg[strongest] / 2
    waves = [row["wave"] for row in report["tracker"] if row["kpi"] == "nps"]
    assert len(waves) == 3 and waves == sorted(waves)

    table = demo_app.test_cli_runner().invoke(args=["analyze", "--survey", "demo"])
    assert table.exit_code == 0, table.output
    assert "Drivers of loyalty_index" in table.output and "Tracker" in table.output
    assert "By segment" in table.output and "By channel" in table.output
    strict = demo_app.test_cli_runner().invoke(args=["analyze", "--survey", "demo", "--min-n", "1000"])
    assert "–" in strict.output.split("By segment")[1], "cells under --min-n are suppressed"


def test_analyze_flags_the_demos_careless_respondents_and_can_leave_them_out(demo_app, monkeypatch):
    import json

    run_demo(demo_app)
    runner = demo_app.test_cli_runner()
    report = json.loads(runner.invoke(args=["analyze", "--survey", "demo", "--format", "json"]).output)
    counts = report["careless"]["counts"]
    assert all(counts[name] > 0 for name in ("speeder", "straightliner", "duplicate", "inconsistent"))
    assert 0 < counts["flagged"] < report["n"] * 0.12 and report["careless"]["excluded"] is False
    assert len(report["careless"]["responses"]) == counts["flagged"]
    with demo_app.app_context():  # stored with each response
        flagged = db.session.scalars(db.select(Response).where(Response.status == "completed")).all()
        stored = {str(r.id): r.quality_flags for r in flagged if r.quality_flags}
        assert stored == report["careless"]["responses"]
        assert all(r.page_seconds for r in flagged)
    for kpi in report["kpis"].values():
        assert kpi["moe"] > 0 and kpi["mdc"] > kpi["moe"] and kpi["ci_low"] <= kpi["value"] <= kpi["ci_high"]
    assert {row["construct"] for row in report["reliability_items"]} >= {"processes", "atmosphere"}

    strict = json.loads(runner.invoke(args=["analyze", "--survey", "demo", "--format", "json",
                                            "--exclude-flagged"]).output)
    assert strict["n"] == report["n"] - counts["flagged"] and strict["careless"]["excluded"] is True
    assert strict["kpis"]["nps"]["n"] < report["kpis"]["nps"]["n"]
    table = runner.invoke(args=["analyze", "--survey", "demo"]).output
    assert f"Careless responses: {counts['flagged']} flagged" in table and "--exclude-flagged" in table
    assert "Item analysis" in table and "alpha_if_deleted" in table and "mdc" in table


def test_analyze_refuses_unknown_survey_and_wave(demo_app):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from surveyapp.cli import main

    # Through the real `surveyapp` entry point: a database never set up gets a clear message.
    result = CliRunner().invoke(main, ["analyze", "--survey", "demo"], obj=ScriptInfo(create_app=lambda: demo_app))
    assert result.exit_code == 1 and "Run: surveyapp db upgrade" in result.output, result.output
    runner = demo_app.test_cli_runner()
    run_demo(demo_app)
    result = runner.invoke(args=["analyze", "--survey", "nope"])
    assert result.exit_code == 1 and "no survey 'nope'" in result.output
    result = runner.invoke(args=["analyze", "--survey", "demo", "--wave", "1999-01"])
    assert result.exit_code == 1 and "no wave '1999-01'" in result.output


def test_demo_links_work_and_its_outbox_sends(demo_app, monkeypatch):
    from pathlib import Path

    monkeypatch.delenv("SURVEYAPP_BASE_URL", raising=False)
    output = run_demo(demo_app)
    client = demo_app.test_client()
    for _, token, language in LINK.findall(output):
        page = client.get(f"/s/{token}")
        assert page.status_code == 200
        assert f'<html lang="{language}"'.encode() in page.data
        assert b"<fieldset" in page.data
    with demo_app.app_context():
        queued = db.session.scalar(db.select(db.func.count(OutboxMail.id)).where(OutboxMail.state == "queued"))
    sent = demo_app.test_cli_runner().invoke(args=["mail", "send"])
    assert sent.exit_code == 0, sent.output
    assert len(list(Path(demo_app.config["MAIL_DIR"]).glob("*.eml"))) == queued


def test_demo_command_serves_its_links(empty_database_url, tmp_path):
    """The README's demo command, as a user runs it: a process that serves the printed links."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SURVEYAPP_DATABASE_URL": empty_database_url, "SURVEYAPP_SECRET_KEY": "demo-test-key"}
    env.pop("SURVEYAPP_BASE_URL", None)
    script = Path(sys.executable).with_name("surveyapp")
    process = subprocess.Popen([script, "demo", "--port", str(port), "--contacts", "60"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, "demo stopped early:\n" + "".join(lines)
            lines.append(line)
            if line.startswith("Serving on"):
                break
        output = "".join(lines)
        links = re.findall(rf"(http://localhost:{port}/s/[A-Za-z0-9_-]{{43}})", output)
        assert links, output
        for _ in range(50):  # the server is listening once it answers
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as health:
                    assert health.status == 200
                break
            except OSError:
                time.sleep(0.2)
        with urllib.request.urlopen(links[0], timeout=10) as page:
            assert page.status == 200
            assert b"<fieldset" in page.read()
    finally:
        process.terminate()
        process.wait(timeout=20)
