"""The managers' results pages: who gets in, what they see, the xlsx download.

Users sign in through the real /login form (CSRF on); the data is the demo's
(``surveyapp.demo.build_demo``), and the figures on the page are checked against
:func:`surveyapp.results.survey_analysis.analyze_survey`, the function the CLI prints.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from babel.numbers import format_decimal, format_percent
from openpyxl import load_workbook

from surveyapp.access import grant_access
from surveyapp.extensions import db
from surveyapp.models import QuestionnaireVersion, Response, Survey, User, Wave
from surveyapp.users import create_or_update_user

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ENGLISH = {"Accept-Language": "en"}
DUTCH = {"Accept-Language": "nl"}
PASSWORD = "correct horse battery"
DRIVERS = ("product", "processes", "infrastructure", "interaction", "atmosphere")


def csrf_token(html: bytes | str) -> str:
    html = html.decode() if isinstance(html, bytes) else html
    match = CSRF_TOKEN.search(html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


def sign_in(client, email: str, password: str = PASSWORD):
    token = csrf_token(client.get("/login").data)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.data.decode()
    return response


@pytest.fixture
def demo(app, tmp_path):
    """The demo survey with ~80 contacts over three waves, and its manager signed up."""
    app.instance_path = str(tmp_path)  # the demo keeps its manager's password there
    with app.app_context():
        from surveyapp.demo import build_demo

        result = build_demo(contacts=80)
        waves = [wave.name for wave in result.survey.waves]
        return {"slug": result.survey.slug, "email": result.manager_email, "password": result.manager_password,
                "waves": waves}


@pytest.fixture
def manager(app, client, demo):
    sign_in(client, demo["email"], demo["password"])
    return client


def add_user(app, email: str, role: str, *, active: bool = True, grant: str | None = "demo") -> None:
    """A user with ``role``, granted survey ``grant`` (None: no survey)."""
    with app.app_context():
        user = create_or_update_user(email, PASSWORD, role="manager")
        # A role outside the readers' (as a later role would be), set the way a migration would.
        user.role, user.active = role, active
        db.session.commit()
        if grant:
            grant_access(user, db.session.scalar(db.select(Survey).where(Survey.slug == grant)))


def expected_analysis(app, slug: str, wave_name: str | None = None):
    """The analysis the CLI prints for the same survey and wave."""
    from surveyapp.results.dataset import response_table
    from surveyapp.results.survey_analysis import analyze_survey

    with app.app_context():
        survey = db.session.scalar(db.select(Survey).where(Survey.slug == slug))
        wave = db.session.scalar(db.select(Wave).where(Wave.survey_id == survey.id, Wave.name == wave_name))
        table = response_table(survey, wave=wave)
        questionnaire = db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()
        return len(table), analyze_survey(table, questionnaire)


def text_of(html: str) -> str:
    """The page's text without tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- who gets in ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/results/", "/results/demo", "/results/demo?wave=2026-01",
                                  "/results/demo/drivers.xlsx"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_managers_researchers_and_admins_read_results_and_other_roles_are_refused(app, demo):
    for email, role in [("r@example.com", "researcher"), ("a@example.com", "admin"), ("m@example.com", "manager")]:
        add_user(app, email, role)
        client = app.test_client()
        sign_in(client, email)
        assert client.get("/results/").status_code == 200, role
        assert client.get("/results/demo").status_code == 200, role

    add_user(app, "guest@example.com", "guest")
    guest = app.test_client()
    sign_in(guest, "guest@example.com")
    for path in ("/results/", "/results/demo", "/results/demo/drivers.xlsx"):
        assert guest.get(path).status_code == 403, path
    refused = guest.get("/results/demo", headers={"Accept-Language": "nl"})
    assert "Geen toegang" in refused.text and "Traceback" not in refused.text
    assert b'href="/results/"' not in guest.get("/").data


def test_readers_see_only_the_surveys_granted_to_them(app, demo):
    for role in ("manager", "researcher"):
        add_user(app, f"{role}-elsewhere@example.com", role, grant=None)
        client = app.test_client()
        sign_in(client, f"{role}-elsewhere@example.com")
        listing = client.get("/results/", headers=ENGLISH)
        assert listing.status_code == 200 and b'href="/results/demo"' not in listing.data, role
        for path in ("/results/demo", "/results/demo?wave=" + demo["waves"][0], "/results/demo/drivers.xlsx"):
            refused = client.get(path)
            assert refused.status_code == 404, (role, path)
            assert b"Hoe ervaart" not in refused.data and b"demo" not in refused.data, (role, path)


def test_a_manager_deactivated_while_signed_in_is_signed_out(app, demo):
    add_user(app, "leaver@example.com", "manager")
    client = app.test_client()
    sign_in(client, "leaver@example.com")
    assert client.get("/results/").status_code == 200
    with app.app_context():
        db.session.scalar(db.select(User).where(User.email == "leaver@example.com")).active = False
        db.session.commit()
    response = client.get("/results/demo")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_front_page_leads_readers_to_the_results(client, demo):
    assert b'href="/results/"' not in client.get("/").data
    sign_in(client, demo["email"], demo["password"])
    assert b'href="/results/"' in client.get("/").data


# --- what managers see ----------------------------------------------------------------------------


def test_the_list_shows_every_survey_with_its_open_wave_and_completed_responses(app, manager, demo):
    html = manager.get("/results/", headers=ENGLISH).get_data(as_text=True)
    with app.app_context():
        completed = db.session.scalar(db.select(db.func.count(Response.id)).where(Response.status == "completed"))
        title = db.session.scalar(db.select(Survey.title).where(Survey.slug == "demo"))
    row = re.search(r'<tr>\s*<th scope="row"><a href="/results/demo">(.*?)</tr>', html, re.S)
    assert row, html
    cells = text_of(row.group(0))
    assert title in cells and "demo" in cells
    assert demo["waves"][-1] in cells  # the demo's current wave is open
    assert format_decimal(completed, locale="en") in cells
    assert '<th scope="col">' in html and "<caption" in html


def test_the_list_takes_the_same_queries_for_one_survey_as_for_many(app, manager, demo):
    from sqlalchemy import event

    from surveyapp.surveys import create_survey

    def queries_for_list() -> int:
        statements = []
        with app.app_context():
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                assert manager.get("/results/").status_code == 200
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    one = queries_for_list()
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, db.session.scalar(db.select(Survey)).questionnaire_version_id)
        manager_user = db.session.scalar(db.select(User).where(User.email == demo["email"]))
        for number in range(3):
            grant_access(manager_user, create_survey(f"more-{number}", version))
    assert queries_for_list() == one


def test_a_manager_sees_the_kpis_tracker_drivers_quadrants_and_reliability(app, manager, demo):
    response = manager.get("/results/demo", headers=ENGLISH)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    text = text_of(html)
    n, analysis = expected_analysis(app, "demo")

    assert f"{n} completed responses" in text
    kpis = re.search(r'<caption id="kpis-caption">.*?</table>', html, re.S).group(0)
    nps = analysis.summary.loc["nps"]
    assert re.search(rf"Net Promoter Score \(Recommendation\) {re.escape(format_decimal(nps['value'], '#,##0.0', locale='en'))} "
                     rf"{re.escape(format_decimal(nps['ci_low'], '#,##0.0', locale='en'))} – "
                     rf"{re.escape(format_decimal(nps['ci_high'], '#,##0.0', locale='en'))} "
                     rf"± {re.escape(format_decimal(nps['moe'], '#,##0.0', locale='en'))} "
                     rf"{re.escape(format_decimal(nps['mdc'], '#,##0.0', locale='en'))} {int(nps['n'])}",
                     text_of(kpis)), text_of(kpis)
    top2 = analysis.summary.loc["keep_spending_top2box", "value"]
    assert format_percent(top2, "#,##0%", locale="en") in text_of(kpis)
    assert "Loyalty index (0–100)" in kpis

    tracker = text_of(re.search(r'<caption id="tracker-caption">.*?</table>', html, re.S).group(0))
    assert all(wave in tracker for wave in demo["waves"])
    significant = analysis.tracker[analysis.tracker["significant"] == True]  # noqa: E712
    assert tracker.count("significant increase") + tracker.count("significant decrease") == len(significant)

    drivers = analysis.drivers.results[("loyalty_index", None)]
    assert f"R² = {format_decimal(drivers.r2, '#,##0.00', locale='en')} · n = {drivers.n}" in text
    table = text_of(re.search(r'<caption id="drivers-caption">.*?</table>', html, re.S).group(0))
    for name, row in drivers.table.iterrows():
        label = {"product": "Quality of the product", "processes": "Quality of the processes",
                 "infrastructure": "Quality of the infrastructure", "interaction": "Quality of the interaction",
                 "atmosphere": "Quality of the atmosphere"}[name]
        assert (f"{label} {format_decimal(row['beta_std'], '#,##0.000', locale='en')} ") in table, (label, table)
        assert format_percent(row["lmg_share"], "#,##0.0%", locale="en") in table
        assert format_percent(row["relative_weight_share"], "#,##0.0%", locale="en") in table
    assert 'href="/results/demo/drivers.xlsx"' in html

    quadrants = analysis.importance_performance().table
    ipa = re.search(r'<caption id="ipa-caption">.*?</table>', html, re.S).group(0)
    for key, label in [("fix first", "Fix first"), ("keep up", "Keep up"), ("possible overkill", "Possible overkill"),
                       ("low priority", "Low priority")]:
        group = re.search(rf'<tbody class="quadrant quadrant-{key.replace(" ", "-")}">(.*?)</tbody>', ipa, re.S)
        assert group and label in group.group(1)
        assert group.group(1).count('<th scope="row">') == int((quadrants["quadrant"] == key).sum())

    reliability = text_of(re.search(r'<caption id="reliability-caption">.*?</table>', html, re.S).group(0))
    assert "Cronbach's alpha" in reliability or "Cronbach&#39;s alpha" in reliability
    alpha = analysis.reliability.constructs.loc["interaction", "alpha"]
    assert f"Quality of the interaction {format_decimal(alpha, '#,##0.00', locale='en')}" in reliability

    for caption in ("kpis", "tracker", "drivers", "ipa", "reliability"):
        assert f'aria-labelledby="{caption}-caption"' in html
    assert "style=" not in html and "<script" not in html  # the CSP allows neither


def test_the_analysis_is_computed_once_and_read_by_page_and_download(manager, demo, monkeypatch):
    from surveyapp.results import survey_analysis

    calls = []
    original = survey_analysis.analyze_survey
    monkeypatch.setattr(survey_analysis, "analyze_survey", lambda *a, **k: calls.append(1) or original(*a, **k))
    assert manager.get("/results/demo").status_code == 200
    assert manager.get("/results/demo/drivers.xlsx").status_code == 200
    assert manager.get("/results/demo").status_code == 200
    assert len(calls) == 1


def test_a_wave_can_be_chosen(app, manager, demo):
    first = demo["waves"][0]
    html = manager.get(f"/results/demo?wave={first}", headers=ENGLISH).get_data(as_text=True)
    n, analysis = expected_analysis(app, "demo", first)
    text = text_of(html)
    assert f"Wave {first}" in text and f"{n} completed responses" in text
    assert f'<option value="{first}" selected>' in html  # the wave filter shows the choice
    assert 'id="tracker-caption"' not in html  # one wave: nothing to track
    r2 = analysis.drivers.results[("loyalty_index", None)].r2
    assert f"R² = {format_decimal(r2, '#,##0.00', locale='en')}" in text
    assert f'href="/results/demo/drivers.xlsx?wave={first}"' in html
    assert manager.get("/results/demo?wave=1999-01").status_code == 404


def test_unknown_surveys_are_not_found(manager, demo):
    assert manager.get("/results/nope").status_code == 404
    assert manager.get("/results/nope/drivers.xlsx").status_code == 404


def test_a_survey_without_completed_responses_says_so(app, manager, demo):
    from surveyapp.surveys import create_survey

    with app.app_context():
        version = db.session.get(QuestionnaireVersion, db.session.scalar(db.select(Survey)).questionnaire_version_id)
        grant_access(db.session.scalar(db.select(User).where(User.email == demo["email"])),
                     create_survey("empty", version))
    response = manager.get("/results/empty", headers=ENGLISH)
    assert response.status_code == 200
    assert "There are no completed responses yet." in response.get_data(as_text=True)
    assert manager.get("/results/empty/drivers.xlsx").status_code == 404
    assert 'href="/results/empty"' in manager.get("/results/").get_data(as_text=True)


# --- the download ---------------------------------------------------------------------------------


def test_the_driver_analysis_downloads_as_a_workbook(app, manager, demo):
    response = manager.get("/results/demo/drivers.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == "attachment; filename=demo-drivers.xlsx"
    workbook = load_workbook(BytesIO(response.data), read_only=True)
    assert workbook.sheetnames == ["drivers", "model summary"]
    rows = list(workbook["drivers"].iter_rows(values_only=True))
    header = rows[0]
    assert header[0] == "driver" and {"beta_std", "p", "lmg_share", "relative_weight_share", "mean"} <= set(header)
    assert [row[0] for row in rows[1:]] == list(DRIVERS)

    _, analysis = expected_analysis(app, "demo")
    drivers = analysis.drivers.results[("loyalty_index", None)]
    lmg = header.index("lmg_share")
    for row in rows[1:]:
        assert row[lmg] == pytest.approx(drivers.table.loc[row[0], "lmg_share"])
    summary = dict(workbook["model summary"].iter_rows(values_only=True))
    assert summary["outcome"] == "loyalty_index" and summary["n"] == drivers.n
    assert summary["r2"] == pytest.approx(drivers.r2)

    wave = demo["waves"][0]
    one_wave = manager.get(f"/results/demo/drivers.xlsx?wave={wave}")
    assert one_wave.headers["Content-Disposition"] == f"attachment; filename=demo-{wave}-drivers.xlsx"
    assert load_workbook(BytesIO(one_wave.data))["model summary"]["B3"].value < drivers.n


# --- the page around it ---------------------------------------------------------------------------


def test_the_header_signs_out_with_a_csrf_protected_form(manager, demo):
    html = manager.get("/results/demo", headers=ENGLISH).get_data(as_text=True)
    form = re.search(r'<form class="sign-out" method="post" action="/logout">.*?</form>', html, re.S)
    assert form and 'name="csrf_token"' in form.group(0) and "Sign out" in form.group(0)
    assert '<a href="/results/">Results</a>' in html

    assert manager.post("/logout").status_code == 400  # no token: refused
    assert manager.get("/results/").status_code == 200
    assert manager.post("/logout", data={"csrf_token": csrf_token(form.group(0))}).status_code == 302
    assert manager.get("/results/").status_code == 302


def test_the_page_speaks_dutch_with_dutch_numbers(app, manager, demo):
    html = manager.get("/results/demo", headers=DUTCH).get_data(as_text=True)
    text = text_of(html)
    assert '<html lang="nl"' in html
    for label in ("Kerncijfers", "Loyaliteitsindex (0–100)", "Eerst verbeteren", "Vasthouden", "Lage prioriteit",
                  "Kwaliteit van de interactie", "Uitloggen", "Resultaten", "Alle metingen"):
        assert label in text, label
    _, analysis = expected_analysis(app, "demo")
    r2 = analysis.drivers.results[("loyalty_index", None)].r2
    assert f"R² = {format_decimal(r2, '#,##0.00', locale='nl')}" in text
    assert "," in format_decimal(r2, "#,##0.00", locale="nl")
    assert "Fix first" not in text and "Key figures" not in text


@pytest.mark.parametrize(("headers", "labels"), [
    (ENGLISH, {"fix first": "Fix first", "keep up": "Keep up", "possible overkill": "Possible overkill",
               "low priority": "Low priority"}),
    (DUTCH, {"fix first": "Eerst verbeteren", "keep up": "Vasthouden", "possible overkill": "Mogelijk te veel aandacht",
             "low priority": "Lage prioriteit"}),
])
def test_every_quadrant_is_shown_under_its_own_label_in_the_readers_language(app, manager, demo, headers, labels):
    html = manager.get(f"/results/{demo['slug']}", headers=headers).data.decode()
    groups = dict(re.findall(r'<tbody class="quadrant quadrant-([a-z-]+)">\s*<tr><th scope="rowgroup" colspan="3">'
                             r"([^<]+)</th>", html))
    assert groups == {key.replace(" ", "-"): label for key, label in labels.items()}
    # and each driver sits in the quadrant the analysis puts it in
    _, analysis = expected_analysis(app, demo["slug"])
    quadrants = analysis.importance_performance().table["quadrant"]
    for key in set(quadrants):
        body = html.split(f'<tbody class="quadrant quadrant-{key.replace(" ", "-")}">')[1].split("</tbody>")[0]
        assert body.count('<th scope="row">') == int((quadrants == key).sum()), key


def test_sign_in_accepts_an_address_pasted_with_spaces_and_refuses_a_wrong_password(app):
    add_user(app, "paste@example.com", "manager", grant=None)
    client = app.test_client()
    sign_in(client, "  Paste@Example.com ")
    assert client.get("/results/").status_code == 200
    other = app.test_client()
    token = csrf_token(other.get("/login").data)
    refused = other.post("/login", data={"email": "paste@example.com", "password": "wrong", "csrf_token": token})
    assert refused.status_code == 200 and other.get("/results/").status_code == 302
