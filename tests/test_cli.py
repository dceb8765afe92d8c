"""The researcher's command line, end to end: from a YAML file to a working personal link."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from surveyapp.extensions import db
from surveyapp.models import OutboxMail, QuestionnaireVersion, Survey

ROOT = Path(__file__).resolve().parents[1]
LOYALTY = ROOT / "questionnaires" / "loyalty-tracker.yaml"


def test_validate_reports_file_line_and_exit_code(runner, tmp_path):
    ok = runner.invoke(args=["questionnaire", "validate", str(LOYALTY)])
    assert ok.exit_code == 0 and "loyalty-tracker.yaml: ok" in ok.output

    broken = tmp_path / "broken.yaml"
    text = LOYALTY.read_text(encoding="utf-8")
    broken.write_text(text.replace("scale: agree5", "scale: agree55", 1), encoding="utf-8")
    line = next(n for n, row in enumerate(broken.read_text().splitlines(), 1) if "agree55" in row)
    result = runner.invoke(args=["questionnaire", "validate", str(LOYALTY), str(broken)])
    assert result.exit_code == 1
    assert re.search(rf"broken\.yaml:{line}:\d+: .*unknown scale \"agree55\"", result.output), result.output
    assert "1 of 2 file(s) have problems" in result.output


def test_publish_versions_and_reports_breaking_changes(runner, app_ctx, tmp_path):
    first = runner.invoke(args=["questionnaire", "publish", str(LOYALTY)])
    assert first.exit_code == 0 and "Published loyalty-tracker version 1" in first.output
    again = runner.invoke(args=["questionnaire", "publish", str(LOYALTY)])
    assert "identical" in again.output and "nothing published" in again.output

    edited = tmp_path / "loyalty-tracker.yaml"
    shutil.copy(LOYALTY, edited)
    text = edited.read_text(encoding="utf-8")
    text = re.sub(r"\n  - id: needs\n(    .*\n)+", "\n", text, count=1)  # drop the open question
    edited.write_text(text, encoding="utf-8")
    second = runner.invoke(args=["questionnaire", "publish", str(edited)])
    assert second.exit_code == 0, second.output
    assert "Published loyalty-tracker version 2" in second.output
    assert "BREAKS COMPARABILITY" in second.output and "needs" in second.output
    assert db.session.scalar(db.select(db.func.count(QuestionnaireVersion.id))) == 2

    listing = runner.invoke(args=["questionnaire", "list"])
    assert listing.output.count("loyalty-tracker") == 2


def test_publish_refuses_a_broken_file_and_writes_nothing(runner, app_ctx, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\ntitle: X\ntitle: Y\n", encoding="utf-8")
    result = runner.invoke(args=["questionnaire", "publish", str(broken)])
    assert result.exit_code == 1
    assert "broken.yaml:3:" in result.output and "duplicate" in result.output.lower()
    assert db.session.scalar(db.select(db.func.count(QuestionnaireVersion.id))) == 0


def test_researcher_workflow_from_file_to_working_link(runner, app, client, tmp_path):
    runner.invoke(args=["questionnaire", "publish", str(LOYALTY)])
    created = runner.invoke(args=["survey", "create", "tracker", "--questionnaire", "loyalty-tracker",
                                  "--open-link", "--reminder-after-days", "5"])
    assert created.exit_code == 0, created.output
    assert "Open link: http://localhost/o/" in created.output
    duplicate = runner.invoke(args=["survey", "create", "tracker", "--questionnaire", "loyalty-tracker"])
    assert duplicate.exit_code == 1 and "exists already" in duplicate.output
    bad_slug = runner.invoke(args=["survey", "create", "Bad Slug", "--questionnaire", "loyalty-tracker"])
    assert bad_slug.exit_code == 1 and "lower-case" in bad_slug.output
    unknown = runner.invoke(args=["survey", "create", "x", "--questionnaire", "nope"])
    assert unknown.exit_code == 1 and "no questionnaire 'nope'" in unknown.output

    assert runner.invoke(args=["wave", "open", "--survey", "tracker", "--name", "2026-11"]).exit_code == 0
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("email,name,language,segment\nanna@example.com,Anna,nl,large\n"
                        "not-an-email,Bob,en,small\nbob@example.com,Bob,en,small\n", encoding="utf-8")
    imported = runner.invoke(args=["contacts", "import", str(contacts), "--survey", "tracker"])
    assert imported.exit_code == 1 and "row 3" in imported.output  # the bad row, by spreadsheet row number
    assert runner.invoke(args=["invite", "--survey", "tracker"]).exit_code == 0
    sent = runner.invoke(args=["mail", "send"])
    assert sent.exit_code == 0, sent.output

    mails = sorted(Path(app.config["MAIL_DIR"]).glob("*.eml"))
    assert len(mails) == 2
    body = mails[0].read_text(encoding="utf-8", errors="replace")
    token = re.search(r"http://localhost/s/([A-Za-z0-9_-]{43})", body).group(1)
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    assert b"<fieldset" in page.data

    listing = runner.invoke(args=["survey", "list"])
    assert "tracker" in listing.output and "2026-11" in listing.output
    updated = runner.invoke(args=["survey", "update", "tracker", "--retention-days", "90", "--no-open-link"])
    assert updated.exit_code == 0 and "retention 90 days" in updated.output and "open link -" in updated.output
    with app.app_context():
        survey = db.session.scalar(db.select(Survey).where(Survey.slug == "tracker"))
        assert survey.retention_days == 90 and survey.reminder_after_days == 5 and survey.open_token is None
        assert db.session.scalar(db.select(db.func.count(OutboxMail.id)).where(OutboxMail.state == "sent")) == 2


def test_console_script_runs_drivers_without_the_app(tmp_path):
    """`surveyapp drivers` as a user types it: the installed console script, in a new process."""
    import json
    import subprocess
    import sys

    import numpy as np

    script = Path(sys.executable).with_name("surveyapp")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3))
    y = x @ [0.5, 0.3, 0.0] + rng.normal(scale=0.5, size=200)
    data = tmp_path / "data.csv"
    data.write_text("a,b,c,y\n" + "\n".join(",".join(f"{v:.5f}" for v in (*row, t)) for row, t in zip(x, y, strict=True)))
    env = {"PATH": "/usr/bin:/bin", "SURVEYAPP_ENV": "production"}  # no secret key: the app must not be built
    done = subprocess.run([script, "drivers", data, "--outcome", "y", "--drivers", "a,b,c", "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["n"] == 200
    assert abs(sum(d["lmg"] for d in result["drivers"].values()) - result["r2"]) < 1e-9

    wrong = subprocess.run([script, "drivers", data, "--outcome", "nope", "--drivers", "a,b"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert wrong.returncode == 1
    assert "nope" in wrong.stderr and "Traceback" not in wrong.stderr


def test_unreachable_database_and_damaged_workbook_get_one_clear_line(app_config, tmp_path):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from surveyapp import create_app
    from surveyapp.cli import main

    down = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/x"})
    result = CliRunner().invoke(main, ["survey", "list"], obj=ScriptInfo(create_app=lambda: down))
    assert result.exit_code == 1
    assert "Cannot use the database" in result.output and "SURVEYAPP_DATABASE_URL" in result.output
    assert "Traceback" not in result.output

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    result = CliRunner().invoke(main, ["drivers", str(broken), "--outcome", "y", "--drivers", "a"])
    assert result.exit_code == 1 and "Cannot read broken.xlsx as a spreadsheet" in result.output


def test_rates_are_never_broken_down_per_person(runner, app_ctx):
    runner.invoke(args=["questionnaire", "publish", str(LOYALTY)])
    runner.invoke(args=["survey", "create", "tracker", "--questionnaire", "loyalty-tracker"])
    result = runner.invoke(args=["wave", "rates", "--survey", "tracker", "--by", "email"])
    assert result.exit_code == 1 and "never per person" in result.output


def test_help_without_the_app_is_the_help_of_flasks_group(app_config, monkeypatch):
    # `surveyapp --help` is printed without importing Flask; it must say what Flask's group says.
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from surveyapp import create_app
    from surveyapp.cli import main
    from surveyapp.commands.overview import print_overview

    real = CliRunner().invoke(main, ["--help"], obj=ScriptInfo(create_app=lambda: create_app(app_config)),
                              prog_name="surveyapp", terminal_width=80)
    fast = CliRunner().invoke(click_command(print_overview), [], terminal_width=80)
    assert real.exit_code == 0 and fast.exit_code == 0
    assert fast.output == real.output


def click_command(function):
    import click

    return click.command()(lambda: function())


def test_commands_on_files_start_without_flask(tmp_path):
    code = ("import sys, runpy; sys.argv = ['surveyapp'] + sys.argv[1:]; "
            "from surveyapp import cli\n"
            "try:\n    cli.run()\nexcept SystemExit as stop:\n    code = stop.code\n"
            "print('flask' in sys.modules, 'sqlalchemy' in sys.modules, code)")
    data = tmp_path / "d.csv"
    data.write_text("y;a;b\n" + "".join(f"{i % 7};{i % 5},5;{(i * 3) % 11}\n" for i in range(40)))
    for args in (["--help"], ["questionnaire", "validate", str(LOYALTY)],
                 ["drivers", str(data), "--outcome", "y", "--drivers", "a,b", "--format", "json"]):
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
        assert done.stdout.strip().splitlines()[-1] == "False False 0", (args, done.stdout, done.stderr)
