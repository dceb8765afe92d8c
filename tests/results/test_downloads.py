"""Charts and downloads: `surveyapp report` and the /results/<slug>/charts|report routes.

The data are the demo's; every figure in a file is checked against the analysis that
``analyze_stored_survey`` returns for the same survey, wave and filters (the dashboard's).
"""

from __future__ import annotations

import csv
import io
import math

import pytest
from babel.numbers import format_decimal
from openpyxl import load_workbook

from surveyapp.extensions import db
from surveyapp.models import Answer, Response, Survey
from tests.results.test_views import add_user, sign_in

CODE_NAMES = ("beta_std", "loyalty_index", "lmg_share", "relative_weight_share", "ci_low", "alpha_if_deleted")


@pytest.fixture
def demo(app, tmp_path):
    """The demo survey (~80 contacts, three waves) and its manager, as in test_views."""
    app.instance_path = str(tmp_path)
    with app.app_context():
        from surveyapp.demo import build_demo

        result = build_demo(contacts=80)
        return {"slug": result.survey.slug, "email": result.manager_email, "password": result.manager_password,
                "waves": [wave.name for wave in result.survey.waves]}


@pytest.fixture
def manager(app, client, demo):
    sign_in(client, demo["email"], demo["password"])
    return client


def stored_analysis(app, wave=None, filters=None):
    from surveyapp.results.survey_analysis import analyze_stored_survey

    with app.app_context():
        survey = db.session.scalar(db.select(Survey).where(Survey.slug == "demo"))
        wave_row = next((w for w in survey.waves if w.name == wave), None)
        analysis = analyze_stored_survey(survey, wave=wave_row, filters=filters)
        assert analysis.scores is not None  # the per-respondent scores are stored apart and read on first use
        return analysis


def run_report(runner, *args):
    return runner.invoke(args=["report", "--survey", "demo", *args])


def cells(workbook):
    """Every (sheet, value) in the workbook."""
    return [(sheet.title, cell.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


# --- xlsx -----------------------------------------------------------------------------------------


def test_the_workbook_holds_the_engines_nps_and_r2_with_labels_formats_frozen_headers(app, runner, demo, tmp_path):
    path = tmp_path / "demo.xlsx"
    result = run_report(runner, "--format", "xlsx", "--language", "en", "-o", str(path))
    assert result.exit_code == 0, result.output
    analysis = stored_analysis(app)
    nps = analysis.summary.loc["nps", "value"]
    r2 = analysis.drivers.results[("loyalty_index", None)].r2

    book = load_workbook(path)
    names = book.sheetnames
    assert any("driver" in name.lower() for name in names), names
    for wanted in ("Summary", "NPS", "Key figures", "Trend", "Segments", "Importance-performance", "Reliability",
                   "Codebook", "Scores per respondent"):
        assert wanted in names
    values = cells(book)
    assert any(sheet == "NPS" and value == nps for sheet, value in values), "the engine's NPS, unrounded"
    assert any(sheet == "Summary" and value == r2 for sheet, value in values), "the engine's R², unrounded"
    assert any("Drivers" in sheet and value == r2 for sheet, value in values)
    # every KPI with its interval and n
    kpis = book["Key figures"]
    assert kpis.max_row - 1 == len(analysis.summary)
    loyalty = next(row for row in kpis.iter_rows(min_row=2) if row[0].value == "Loyalty index (0–100)")
    expected = analysis.summary.loc["loyalty_index"]
    assert [c.value for c in loyalty[1:6]] == [expected["value"], expected["ci_low"], expected["ci_high"],
                                              expected["se"], expected["n"]]
    assert loyalty[1].number_format == "0.0"
    # labels, not code names
    texts = {value for _sheet, value in values if isinstance(value, str)}
    assert not texts & set(CODE_NAMES), texts & set(CODE_NAMES)
    assert "Quality of the interaction" in texts and "Standardized beta" in texts
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.column_dimensions["A"].width and sheet.column_dimensions["A"].width > 8, sheet.title
    # reliability with item statistics, per-respondent scores
    reliability = [[c.value for c in row] for row in book["Reliability"].iter_rows(min_row=1, max_row=1)][0]
    assert "Alpha if item deleted" in reliability and "Corrected item-total correlation" in reliability
    assert book["Scores per respondent"].max_row - 1 == len(analysis.scores)


def test_the_workbook_speaks_dutch_and_follows_wave_and_filter(app, runner, demo, tmp_path):
    wave = demo["waves"][-1]
    path = tmp_path / "groot.xlsx"
    result = run_report(runner, "--format", "xlsx", "--language", "nl", "--wave", wave, "--filter", "segment=large",
                        "-o", str(path))
    assert result.exit_code == 0, result.output
    analysis = stored_analysis(app, wave=wave, filters={"segment": "large"})
    whole = stored_analysis(app, wave=wave)
    assert 0 < len(analysis.scores) < len(whole.scores)
    book = load_workbook(path)
    assert "Samenvatting" in book.sheetnames and any("driver" in n.lower() for n in book.sheetnames)
    values = cells(book)
    assert any(value == analysis.summary.loc["nps", "value"] for _sheet, value in values)
    texts = {value for _sheet, value in values if isinstance(value, str)}
    assert "Loyaliteitsindex (0–100)" in texts and "Kwaliteit van de interactie" in texts
    assert book["Scores per respondent"].max_row - 1 == len(analysis.scores)


# --- sav ------------------------------------------------------------------------------------------


def test_the_sav_file_reads_back_with_variable_and_value_labels(app, runner, demo, tmp_path):
    import pyreadstat

    path = tmp_path / "demo.sav"
    result = run_report(runner, "--format", "sav", "--language", "nl", "-o", str(path))
    assert result.exit_code == 0, result.output
    frame, meta = pyreadstat.read_sav(str(path))
    labels = meta.column_names_to_labels
    with app.app_context():
        completed = db.session.scalar(db.select(db.func.count(Response.id)).where(Response.status == "completed"))
    assert len(frame) == completed
    assert labels["nps"].startswith("Hoe waarschijnlijk is het dat u ons aanbeveelt")
    assert labels["segment"] == "Klantsegment"
    assert meta.variable_value_labels["product_quality"] == {
        1.0: "Helemaal mee oneens", 2.0: "Mee oneens", 3.0: "Neutraal", 4.0: "Mee eens", 5.0: "Helemaal mee eens"}
    assert meta.variable_value_labels["nps"][10.0] == "Zeer waarschijnlijk"
    # the answers are the stored ones
    analysis = stored_analysis(app)
    assert frame["nps"].mean() == pytest.approx(analysis.scores["recommend"].mean())
    assert "name" not in frame.columns and "email" not in frame.columns


# --- pdf ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_pdf_report_holds_the_nps_and_a_page_per_chart(app, runner, demo, tmp_path, language):
    from pypdf import PdfReader

    path = tmp_path / "report.pdf"
    result = run_report(runner, "--format", "pdf", "--language", language, "-o", str(path))
    assert result.exit_code == 0, result.output
    reader = PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    nps = stored_analysis(app).summary.loc["nps", "value"]
    shown = format_decimal(nps, "#,##0.0", locale=language)
    assert "Net Promoter Score" in text and shown in text, (shown, text[:800])
    assert len(reader.pages) == 1 + 6  # cover + the six charts of the demo
    words = {"nl": "Belang en prestatie", "en": "Importance and performance"}
    assert words[language] in text


# --- csv ------------------------------------------------------------------------------------------


def test_the_csv_has_a_row_per_response_a_codebook_and_inert_formulas(app, runner, demo, tmp_path):
    with app.app_context():
        answer = db.session.scalar(db.select(Answer).where(Answer.item_id == "detractor_reason").limit(1))
        answer.value = '=HYPERLINK("http://evil.example","click")'
        response = db.session.get(Response, answer.response_id)
        response.attributes = {**response.attributes, "channel": "@SUM(1+1)", "persona": "-2+3", "segment": "+1"}
        target = response.id
        db.session.commit()
        completed = db.session.scalar(db.select(db.func.count(Response.id)).where(Response.status == "completed"))

    path = tmp_path / "answers.csv"
    result = run_report(runner, "--format", "csv", "--language", "en", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert "answers.codebook.csv" in result.output
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == completed
    row = next(r for r in rows if r["response_id"] == str(target))
    assert row["detractor_reason"] == "'" + '=HYPERLINK("http://evil.example","click")'
    assert row["channel"] == "'@SUM(1+1)" and row["persona"] == "'-2+3" and row["segment"] == "'+1"
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "@")), value
            assert not (value.startswith("-") and not _is_number(value)), value
    assert "nps" in rows[0] and "product_quality" in rows[0] and "email" not in rows[0] and "name" not in rows[0]
    assert rows[0]["product_quality"] in {"", "1", "2", "3", "4", "5"}  # whole numbers stay whole

    with (tmp_path / "answers.codebook.csv").open(encoding="utf-8", newline="") as file:
        codebook = {r["Variable"]: r for r in csv.DictReader(file)}
    assert set(rows[0]) <= set(codebook)
    assert "1 = Strongly disagree" in codebook["product_quality"]["Values"]


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


# --- crm ------------------------------------------------------------------------------------------


def test_the_crm_file_has_one_row_per_contact_with_group_scores_and_follow_up(app, runner, demo, tmp_path):
    path = tmp_path / "crm.csv"
    result = run_report(runner, "--format", "crm", "-o", str(path))
    assert result.exit_code == 0, result.output
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    header = list(rows[0])
    assert header[:5] == ["crm_id", "wave", "completed_at", "nps_score", "nps_group"]
    assert header[-2:] == ["loyalty_index", "follow_up"]
    for construct in ("product", "processes", "infrastructure", "interaction", "atmosphere"):
        assert construct in header
    ids = [r["crm_id"] for r in rows]
    assert len(ids) == len(set(ids)) and all(i.startswith("CRM-") for i in ids)
    with app.app_context():
        contacts = db.session.execute(db.select(Response.attributes).where(Response.status == "completed")).scalars()
        answered = {a["crm_id"] for a in contacts if a.get("crm_id")}
    assert set(ids) == answered
    groups = {"promoter": range(9, 11), "passive": range(7, 9), "detractor": range(0, 7)}
    for r in rows:
        assert int(r["nps_score"]) in groups[r["nps_group"]]
        assert r["follow_up"] == ("1" if r["nps_group"] == "detractor" else "0")
    assert any(r["follow_up"] == "1" for r in rows)
    assert "@example.com" not in path.read_text()


# --- the CLI's errors -----------------------------------------------------------------------------


ERRORS = [
    (["--survey", "nope", "--format", "xlsx", "-o", "{tmp}/x.xlsx"], "no survey 'nope'"),
    (["--survey", "demo", "--format", "docx", "-o", "{tmp}/x.docx"], "--format must be one of"),
    (["--survey", "demo", "-o", "{tmp}/x.xlsx"], "--format must be one of"),
    (["--survey", "demo", "--format", "xlsx"], "-o FILE"),
    (["--format", "xlsx", "-o", "{tmp}/x.xlsx"], "--survey SLUG"),
    (["--survey", "demo", "--format", "xlsx", "--wave", "1999-01", "-o", "{tmp}/x.xlsx"], "has no wave '1999-01'"),
    (["--survey", "demo", "--format", "xlsx", "--filter", "email=a@b.c", "-o", "{tmp}/x.xlsx"],
     "cannot filter on 'email'"),
    (["--survey", "demo", "--format", "xlsx", "--filter", "segment", "-o", "{tmp}/x.xlsx"], "ATTRIBUTE=VALUE"),
    (["--survey", "demo", "--format", "xlsx", "--filter", "segment=huge", "-o", "{tmp}/x.xlsx"],
     "no completed responses"),
    (["--survey", "demo", "--format", "xlsx", "--language", "fr", "-o", "{tmp}/x.xlsx"], "--language must be"),
    (["--survey", "demo", "--format", "xlsx", "-o", "{tmp}/missing/x.xlsx"], "does not exist"),
    (["--survey", "demo", "--format", "png", "--chart", "pie", "-o", "{tmp}/x.png"], "--chart must be one of"),

]


def test_report_errors_are_one_clear_line_and_write_nothing(runner, demo, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for args, message in ERRORS:
        result = runner.invoke(args=["report", *[a.replace("{tmp}", str(out)) for a in args]])
        assert result.exit_code == 1, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], (args, result.output)
        assert "Traceback" not in result.output
        assert not list(out.iterdir()), f"no half-written file after {args}"


def test_a_chart_can_be_written_from_the_command_line(runner, demo, tmp_path):
    result = run_report(runner, "--format", "svg", "--chart", "drivers", "-o", str(tmp_path / "drivers.svg"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "drivers.svg").read_text().lstrip().startswith("<?xml")


# --- routes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/results/demo/charts/nps.svg", "/results/demo/charts/drivers.png",
                                  "/results/demo/report.xlsx", "/results/demo/report.crm", "/results/demo/codebook.csv"])
def test_anonymous_visitors_get_no_chart_or_download(client, demo, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_other_roles_are_refused_charts_and_downloads(app, demo):
    add_user(app, "guest@example.com", "guest")
    guest = app.test_client()
    sign_in(guest, "guest@example.com")
    for path in ("/results/demo/charts/nps.svg", "/results/demo/report.pdf", "/results/demo/report.sav"):
        assert guest.get(path).status_code == 403, path


def test_charts_are_served_as_svg_and_png_in_the_readers_language(manager, demo):
    from surveyapp.results.charts import CHART_NAMES

    for name in CHART_NAMES:
        svg = manager.get(f"/results/demo/charts/{name}.svg", headers={"Accept-Language": "en"})
        assert svg.status_code == 200, name
        assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
        assert svg.headers["Cache-Control"] == "private, no-store"
    png = manager.get("/results/demo/charts/nps.png")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    dutch = manager.get("/results/demo/charts/importance-performance.svg", headers={"Accept-Language": "nl"}).text
    english = manager.get("/results/demo/charts/importance-performance.svg", headers={"Accept-Language": "en"}).text
    assert "Eerst verbeteren" in dutch and "Fix first" in english
    assert manager.get("/results/demo/charts/pie.svg").status_code == 404
    assert manager.get("/results/demo/charts/nps.gif").status_code == 404
    assert manager.get("/results/nope/charts/nps.svg").status_code == 404


def test_report_routes_follow_the_dashboards_filters(app, manager, demo):
    from pypdf import PdfReader

    response = manager.get("/results/demo/report.xlsx?segment=large", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=demo-segment-large.xlsx"
    book = load_workbook(io.BytesIO(response.data))
    analysis = stored_analysis(app, filters={"segment": "large"})
    assert any(value == analysis.summary.loc["nps", "value"] for _s, value in cells(book))
    assert book["Scores per respondent"].max_row - 1 == len(analysis.scores)

    pdf = manager.get("/results/demo/report.pdf", headers={"Accept-Language": "nl"})
    assert pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    whole = stored_analysis(app).summary.loc["nps", "value"]
    assert format_decimal(whole, "#,##0.0", locale="nl") in text and "Kerncijfers" in text
    crm = manager.get("/results/demo/report.crm")
    assert crm.headers["Content-Disposition"] == "attachment; filename=demo-crm.csv"
    assert crm.text.startswith("crm_id,")
    assert manager.get("/results/demo/report.sav").data[:4] == b"$FL2"
    assert manager.get("/results/demo/report.csv").text.startswith("response_id,")
    assert manager.get("/results/demo/codebook.csv", headers={"Accept-Language": "en"}).text.startswith("Variable,")
    assert manager.get("/results/demo/report.xlsx?segment=huge").status_code == 404
    assert manager.get("/results/demo/report.xlsx?wave=1999").status_code == 404
    assert manager.get("/results/demo/report.docx").status_code == 404


def test_the_charts_partial_shows_images_with_alt_text_tables_and_download_links(app, demo):
    from flask import render_template_string

    from surveyapp.results.downloads import results_charts

    analysis = stored_analysis(app, filters={"segment": "large"})
    with app.test_request_context("/results/demo?segment=large", headers={"Accept-Language": "en"}):
        survey = db.session.scalar(db.select(Survey).where(Survey.slug == "demo"))
        html = render_template_string('{% include "results/_charts.html" %}', survey=survey, analysis=analysis,
                                      filters={"segment": "large"}, wave=None, language="en")
        shown = [chart.name for chart in results_charts(survey, analysis, "en")]
    assert {"nps", "kpis", "importance-performance"} <= set(shown)
    assert "segments" not in shown  # one segment left: nothing side by side
    assert html.count("<img ") == len(shown)
    assert 'src="/results/demo/charts/nps.svg?segment=large"' in html
    assert 'alt="Chart: Net Promoter Score per wave' in html
    assert html.count("<table") == len(shown) and html.count("<caption") == len(shown)
    for fmt in ("xlsx", "pdf", "csv", "sav", "crm"):
        assert f'href="/results/demo/report.{fmt}?segment=large"' in html
    nps = format_decimal(analysis.summary.loc["nps", "value"], "#,##0.0", locale="en")
    assert nps in html


# --- the engine -----------------------------------------------------------------------------------


def test_filters_keep_only_matching_responses():
    import pandas as pd

    from surveyapp.results.dataset import filter_rows

    table = pd.DataFrame({"segment": ["large", "small", None, "large"], "customer_value": [1.0, 2.0, 3.0, 1.0]})
    assert list(filter_rows(table, {"segment": "large"}).index) == [0, 3]
    assert list(filter_rows(table, {"segment": "large", "customer_value": "1.0"}).index) == [0, 3]
    assert filter_rows(table, {"channel": "web"}).empty
    assert filter_rows(table, None) is table


def test_driver_chart_shows_bootstrap_intervals_when_the_analysis_has_them(app, demo):
    from surveyapp.models import QuestionnaireVersion
    from surveyapp.results.charts import build_chart, render
    from surveyapp.results.dataset import response_table
    from surveyapp.results.labels import Labels, in_language
    from surveyapp.results.survey_analysis import analyze_survey

    with app.test_request_context("/"):
        survey = db.session.scalar(db.select(Survey).where(Survey.slug == "demo"))
        questionnaire = db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()
        analysis = analyze_survey(response_table(survey), questionnaire, n_boot=50, seed=1)
        with in_language("en"):
            chart = build_chart("drivers", analysis, Labels(questionnaire, "en"))
            table = analysis.drivers.results[("loyalty_index", None)].table
            top = table["lmg_share"].idxmax()
            low, high = table.loc[top, ["lmg_share_ci_low", "lmg_share_ci_high"]]
            assert chart.table.rows[0][2] == Labels(questionnaire, "en").interval(low, high, "share")
            assert "50 resamples" in chart.description
            assert render(chart, "svg").count(b"<svg") == 1


def test_the_workbook_gives_each_kpis_margin_of_error_detectable_change_and_careless_count(app, runner, demo,
                                                                                        tmp_path):
    path = tmp_path / "demo.xlsx"
    assert run_report(runner, "--format", "xlsx", "--language", "en", "-o", str(path)).exit_code == 0
    analysis = stored_analysis(app)
    book = load_workbook(path)
    sheet = book["Key figures"]
    header = [cell.value for cell in sheet[1]]
    moe, mdc = header.index("Margin of error"), header.index("Smallest detectable change")
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    nps = rows[next(label for label in rows if label.startswith("Net Promoter Score"))]
    assert nps[moe].value == analysis.summary.loc["nps", "moe"]
    assert nps[mdc].value == analysis.summary.loc["nps", "mdc"]
    summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows()}
    flagged = summary["Flagged as careless (speeders, straightliners, duplicates, inconsistent)"]
    assert flagged.startswith(f"{analysis.flag_counts['flagged']} (") and flagged.endswith("included")


def test_careless_flags_show_per_response_and_the_switch_follows_into_every_download(app, runner, manager, demo,
                                                                                     tmp_path):
    """Each response's flags are columns of the raw data and of the workbook's scores; with
    ?careless=exclude (or --exclude-flagged) the downloads leave the flagged responses out."""
    import pyreadstat

    from surveyapp.analysis.careless import FLAGS

    analysis = stored_analysis(app)
    flags = analysis.flags
    flagged = set(flags.index[flags["flagged"]])
    assert flagged, "the demo has careless respondents"

    rows = list(csv.DictReader(io.StringIO(manager.get("/results/demo/report.csv").text)))
    assert len(rows) == analysis.n
    for row in rows:
        response_id = int(row["response_id"])
        assert [row[f"careless_{name}"] for name in FLAGS] == [str(int(flags.loc[response_id, name])) for name in FLAGS]
    codebook = {r["Variable"]: r for r in csv.DictReader(io.StringIO(
        manager.get("/results/demo/codebook.csv", headers={"Accept-Language": "en"}).text))}
    assert codebook["careless_speeder"]["Label"].startswith("Careless: speeder")
    assert codebook["careless_speeder"]["Values"] == "0 = no; 1 = yes"

    # the dashboard's switch is carried into its download links
    page = manager.get("/results/demo?careless=exclude", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "/results/demo/report.csv?careless=exclude" in page
    assert "/results/demo/report.xlsx?careless=exclude" in page and "careless=exclude" in page.split("charts/")[1][:80]
    without = manager.get("/results/demo/report.csv?careless=exclude")
    assert without.headers["Content-Disposition"] == "attachment; filename=demo-without-careless-responses.csv"
    kept = list(csv.DictReader(io.StringIO(without.text)))
    assert {int(r["response_id"]) for r in kept} == set(flags.index) - flagged
    assert all(r[f"careless_{name}"] == "0" for r in kept for name in FLAGS)

    book = load_workbook(io.BytesIO(manager.get("/results/demo/report.xlsx?careless=exclude",
                                                headers={"Accept-Language": "en"}).data))
    assert book["Scores per respondent"].max_row - 1 == len(flags) - len(flagged)
    summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows()}
    assert summary["Flagged as careless (speeders, straightliners, duplicates, inconsistent)"].endswith("left out")

    # the whole workbook names each response's flags in its scores sheet
    path = tmp_path / "all.xlsx"
    assert run_report(runner, "--format", "xlsx", "--language", "en", "-o", str(path)).exit_code == 0
    sheet = load_workbook(path)["Scores per respondent"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Careless (flags)")
    shown = {row[0]: row[column] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {response_id for response_id, text in shown.items() if text} == flagged
    speeder = next(i for i in flagged if flags.loc[i, "speeder"])
    assert "speeder" in shown[speeder]

    # SPSS: the flags as 0/1 variables with value labels; the CLI's --exclude-flagged leaves them out
    sav = tmp_path / "without.sav"
    result = run_report(runner, "--format", "sav", "--exclude-flagged", "--language", "en", "-o", str(sav))
    assert result.exit_code == 0, result.output
    frame, meta = pyreadstat.read_sav(str(sav))
    assert len(frame) == len(flags) - len(flagged) and frame["careless_duplicate"].eq(0).all()
    assert meta.variable_value_labels["careless_speeder"] == {0.0: "no", 1.0: "yes"}


def test_the_dashboard_shows_the_item_analysis_of_each_construct(app, manager, demo):
    analysis = stored_analysis(app)
    items = analysis.reliability.items
    page = manager.get("/results/demo", headers={"Accept-Language": "en"}).get_data(as_text=True)
    section = page.split('id="reliability-items-caption"', 1)[1].split("</table>", 1)[0]
    construct, item = items.index[0]
    value = items.loc[(construct, item), "alpha_if_deleted"]
    assert format_decimal(value, "#,##0.00", locale="en") in section
    assert section.count('scope="rowgroup"') == len(set(items.index.get_level_values(0)))
    assert "Alpha if item deleted" in page and "Corrected item-total correlation" in page
