"""A survey that moved to a questionnaire version that changed a KPI: each response is scored with
the version it answered, and the tracker does not test across the break (issue 13)."""

import json
from datetime import timedelta
from pathlib import Path
from random import Random

import numpy as np

from surveyapp.demo import build_demo, synthetic_answers
from surveyapp.extensions import db
from surveyapp.invitations.operations import open_wave
from surveyapp.models import Answer, Response, User
from surveyapp.models.base import utcnow
from surveyapp.results.dataset import response_table
from surveyapp.results.survey_analysis import analyze_stored_survey
from surveyapp.surveys import publish_questionnaire, use_version

LOYALTY = Path(__file__).resolve().parents[2] / "questionnaires" / "loyalty-tracker.yaml"

LIKELY7 = """  likely7:
    type: likert
    points: 7
    labels:
      1: {nl: Zeer onwaarschijnlijk, en: Very unlikely}
      4: {nl: "Niet waarschijnlijk, niet onwaarschijnlijk", en: Neither likely nor unlikely}
      7: {nl: Zeer waarschijnlijk, en: Very likely}
  nps:
"""
DO_MORE_CONSTRUCT = """  do_more:
    label: {nl: Intentie meer doen, en: Intention to do more}
    role: outcome
    items: [do_more]
"""
DO_MORE_ROW = """          - id: do_more
            text:
              nl: meer met ons doet, zoals andere producten of diensten afnemen?
              en: do more with us, such as buying other products or services?
"""


def _second_version(tmp_path):
    """The tracker with its intentions on a 7-point scale and the do-more item removed."""
    text = LOYALTY.read_text(encoding="utf-8")
    for part in (DO_MORE_CONSTRUCT, DO_MORE_ROW, "  nps:\n", "scale: likely5"):
        assert part in text
    text = (text.replace(DO_MORE_CONSTRUCT, "").replace(DO_MORE_ROW, "").replace("  nps:\n", LIKELY7, 1)
            .replace("scale: likely5", "scale: likely7"))
    path = tmp_path / "loyalty-tracker.yaml"
    path.write_text(text, encoding="utf-8")
    return publish_questionnaire(path).version


def _answer_new_version(survey, version, count=40):
    """A new wave answered on the new version (the current wave is closed first)."""
    now = utcnow()
    survey.waves[-1].closes_at = now
    db.session.commit()
    wave = open_wave(survey, "after-the-change", opens_at=now)
    questionnaire = version.questionnaire()
    rng = Random(7)
    for number in range(count):
        answers = synthetic_answers(questionnaire, {"segment": "medium"}, "en", rng, drift=0.3)
        response = Response(survey_id=survey.id, wave_id=wave.id, questionnaire_version_id=version.id,
                            language="en", attributes={"segment": "medium"}, status="completed",
                            started_at=now, completed_at=now + timedelta(minutes=5 + number % 3))
        response.answers = [Answer(item_id=k, value=v) for k, v in answers.items()]
        db.session.add(response)
    db.session.commit()
    return wave


def _tracker_value(analysis, kpi, wave):
    rows = analysis.tracker[(analysis.tracker["kpi"] == kpi) & (analysis.tracker["wave"] == wave)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_earlier_waves_keep_their_scores_and_the_break_is_not_tested(app, app_ctx, runner, tmp_path):
    survey = build_demo(contacts=80).survey
    before = analyze_stored_survey(survey)
    waves = list(dict.fromkeys(before.tracker["wave"]))
    table = response_table(survey)
    first = table[table["wave"] == waves[0]]
    # the old version's definitions, computed by hand: top-2-box of a 5-point scale is 4 or 5,
    # the loyalty index averages the four outcomes each rescaled to 0-100
    top2 = (first["keep_spending"].dropna() >= 4).mean()
    index = pd_mean_of_rows(first)
    assert _tracker_value(before, "keep_spending_top2box", waves[0])["value"] == np.float64(top2)
    assert abs(_tracker_value(before, "loyalty_index", waves[0])["value"] - index) < 1e-9
    assert 0.3 < top2 < 1

    version = _second_version(tmp_path)
    use_version(survey, version)
    new_wave = _answer_new_version(survey, version)
    after = analyze_stored_survey(survey)

    for wave in waves:  # the earlier waves stay what they were under the old version
        for kpi in ("keep_spending_top2box", "loyalty_index", "nps", "product"):
            assert _tracker_value(after, kpi, wave)["value"] == _tracker_value(before, kpi, wave)["value"], (kpi, wave)
    for kpi in ("keep_spending_top2box", "loyalty_index"):
        row = _tracker_value(after, kpi, new_wave.name)
        assert not after.comparable(kpi) and not row["comparable"] and row["definition_changed"]
        assert np.isnan(row["change"]) and np.isnan(row["p_change"]) and row["significant"] is None
        assert [d.versions for d in after.definitions[kpi]] == [[1], [2]]
        per_version = after.kpi_versions[after.kpi_versions["kpi"] == kpi]
        assert list(per_version["definition"]) == ["v1", "v2"]
        assert per_version["n"].sum() == after.summary.loc[kpi, "n"] + per_version["n"].iloc[0]
    v1 = after.kpi_versions.set_index(["kpi", "definition"]).loc[("keep_spending_top2box", "v1")]
    assert v1["value"] == (table["keep_spending"].dropna() >= 4).mean()
    # the new wave's top-2-box is 6 or 7 on its 7-point scale
    new = response_table(survey)
    new = new[new["wave"] == new_wave.name]
    assert _tracker_value(after, "keep_spending_top2box", new_wave.name)["value"] == (new["keep_spending"] >= 6).mean()
    assert "scale 1-5 became 1-7" in after.definition_changes["keep_spending_top2box"][0]
    assert "do_more removed" in after.definition_changes["loyalty_index"][0]
    # a KPI measured the same way in both versions is still tested across the waves
    nps = _tracker_value(after, "nps", new_wave.name)
    assert after.comparable("nps") and np.isfinite(nps["p_change"]) and not nps["definition_changed"]
    assert "spend_more_top2box" in after.definition_changes  # its scale changed too
    assert after.comparable("product")
    assert any("pools responses" in w and "keep_spending" in w for w in after.warnings)

    shown = runner.invoke(args=["analyze", "--survey", survey.slug, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.output)
    assert report["kpis"]["keep_spending_top2box"]["comparable"] is False
    assert {row["definition"] for row in report["kpi_versions"] if row["kpi"] == "loyalty_index"} == {"v1", "v2"}
    assert "keep_spending_top2box" in report["definition_changes"]
    crossing = [row for row in report["tracker"] if row["definition_changed"]]
    assert crossing and all(row["significant"] is None for row in crossing)
    table = runner.invoke(args=["analyze", "--survey", survey.slug])
    assert table.exit_code == 0, table.output
    assert "keep_spending_top2box †" in table.output and "scale 1-5 became 1-7" in table.output

    # The dashboard marks the changed KPIs too, with the margin of error and detectable change.
    from surveyapp.users import create_or_update_user
    from tests.results.test_views import ENGLISH, sign_in

    create_or_update_user("admin@example.com", "a long and unusual password", role="admin")
    client = app.test_client()
    sign_in(client, "admin@example.com", "a long and unusual password")
    # (inside this test's app context the page keeps the language the CLI runs above chose: Dutch)
    page = client.get(f"/results/{survey.slug}", headers=ENGLISH).get_data(as_text=True)
    assert page.count('<span aria-hidden="true">†</span>') == sum(not after.comparable(k) for k in after.summary.index)
    assert "Foutmarge" in page and "In eerdere versies van de vragenlijst anders gemeten" in page
    # ... and shows each changed KPI per version, as every download does
    import re

    table = page.split('id="kpi-versions-caption"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    rows = [[re.sub(r"<[^>]+>|\s+", "", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert len(rows) == len(after.kpi_versions) >= 4
    shown = {(row[0], row[1]): row[-1] for row in rows}
    v1_n = int(after.kpi_versions.set_index(["kpi", "definition"]).loc[("loyalty_index", "v1"), "n"])
    assert shown[("Loyaliteitsindex(0–100)", "versie1")] == f"{v1_n:,}".replace(",", ".")

    from openpyxl import load_workbook

    from surveyapp.results.reports import make_scope, write_report

    out = tmp_path / "report.xlsx"
    with out.open("wb") as handle:
        write_report(make_scope(survey, language="en"), "xlsx", handle)
    sheet = load_workbook(out)["Per version"]
    values = {(row[0], row[1]): row for row in sheet.iter_rows(min_row=2, values_only=True)}
    expected = after.kpi_versions.set_index(["kpi", "definition"]).loc[("keep_spending_top2box", "v1")]
    row = next(v for (label, versions), v in values.items() if versions == "version 1" and "top 2 box" in label
               and "keep" in label)
    assert row[2] == expected["value"] and row[6] == expected["n"] and "scale 1-5 became 1-7" in row[8]
    assert len(values) == len(after.kpi_versions)

    # the chart of the key figures over the waves marks them and breaks their line at the change
    from surveyapp.results.charts import build_chart, render
    from surveyapp.results.labels import Labels, in_language

    with in_language("en"):
        chart = build_chart("kpis", after, Labels(version.questionnaire(), "en"))
        svg = render(chart, "svg").decode()
    marked = [row[0] for row in chart.table.rows if row[0].endswith(" †")]
    assert len(marked) == sum(not after.comparable(k) for k in after.summary.index)
    assert "not tested" in chart.description and "<svg" in svg

    from surveyapp.apikeys import create_api_key

    _, key = create_api_key(db.session.scalar(db.select(User).where(User.email == "admin@example.com")), name="test")
    kpis = client.get(f"/api/v1/surveys/{survey.slug}/kpis", headers={"Authorization": f"Bearer {key}"}).get_json()
    by_name = {k["name"]: k for k in kpis["kpis"]}
    assert by_name["nps"]["comparable"] and "per_version" not in by_name["nps"]
    assert [v["versions"] for v in by_name["loyalty_index"]["per_version"]] == [[1], [2]]
    assert by_name["loyalty_index"]["per_version"][0]["n"] == v1_n


def pd_mean_of_rows(frame):
    rescaled = np.column_stack([frame["nps"] / 10 * 100, *[(frame[c] - 1) / 4 * 100
                                                           for c in ("keep_spending", "spend_more", "do_more")]])
    complete = rescaled[~np.isnan(rescaled).any(axis=1)]
    return complete.mean(axis=1).mean()
