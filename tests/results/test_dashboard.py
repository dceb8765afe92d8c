"""The dashboard's filters, NPS split, segments and open answers; the defects of issue 12."""

from __future__ import annotations

import re

import pytest

from surveyapp.extensions import db
from surveyapp.models import Survey
from tests.results.test_views import DUTCH, ENGLISH, add_user, sign_in, text_of


def analysis_for(app, **filters):
    from surveyapp.results.survey_analysis import analyze_stored_survey

    with app.app_context():
        survey = db.session.scalar(db.select(Survey).where(Survey.slug == "demo"))
        wave_name = filters.pop("wave", None)
        wave = next((w for w in survey.waves if w.name == wave_name), None)
        return analyze_stored_survey(survey, wave, filters, min_n=10)


def test_filters_combine_in_the_query_string(app, manager, demo):
    wave = demo["waves"][1]
    html = manager.get(f"/results/demo?wave={wave}&segment=small&language=nl", headers=ENGLISH).get_data(as_text=True)
    expected = analysis_for(app, wave=wave, segment="small", language="nl")
    text = text_of(html)
    assert f"{expected.n} completed responses" in text
    assert "Customer segment: small" in text and "Language: Nederlands" in text
    assert '<option value="small" selected>' in html and '<option value="nl" selected>' in html
    # channel and persona are free-text attributes: their values come from the responses
    assert re.search(r'<select id="filter-channel" name="channel">.*<option value="web">', html, re.S)
    everyone = analysis_for(app)
    assert expected.n < everyone.n


def test_an_unknown_filter_value_is_refused_not_ignored(manager, demo):
    response = manager.get("/results/demo?segment=huge", headers=ENGLISH)
    assert response.status_code == 400
    assert "huge is not a value of segment" in response.get_data(as_text=True)


def test_small_cells_are_suppressed_with_the_reason(app, manager, demo):
    html = manager.get(f"/results/demo?wave={demo['waves'][0]}&segment=large&language=en",
                       headers=ENGLISH).get_data(as_text=True)
    n = analysis_for(app, wave=demo["waves"][0], segment="large", language="en").n
    assert n < 10, "the demo's large English customers of one wave are a small group"
    text = text_of(html)
    assert "Too few responses to show" in text and "smaller than 10 responses are not shown" in text
    assert 'id="kpis-caption"' not in html


def test_nps_split_and_segments_side_by_side(app, manager, demo):
    html = manager.get("/results/demo", headers=ENGLISH).get_data(as_text=True)
    analysis = analysis_for(app)
    split = analysis.nps_groups.loc["all"]
    table = text_of(re.search(r'<caption id="nps-split-caption">.*?</table>', html, re.S).group(0))
    assert f"All responses {round(split['promoters'] * 100)}% {round(split['passives'] * 100)}% " \
           f"{round(split['detractors'] * 100)}%" in table
    assert abs(split["promoters"] - split["detractors"] - split["nps"] / 100) < 1e-9
    segments = text_of(re.search(r'<caption id="segments-segment-caption">.*?</table>', html, re.S).group(0))
    assert "large" in segments and "medium" in segments and "small" in segments


def test_open_answers_by_nps_group_search_and_pages(app, manager, demo):
    html = manager.get("/results/demo/open/detractor_reason?group=detractor", headers=ENGLISH).get_data(as_text=True)
    assert "(detractor)" in html and "(promoter)" not in html and "(passive)" not in html
    everything = manager.get("/results/demo/open/needs", headers=ENGLISH).get_data(as_text=True)
    total = int(re.search(r"(\d+) answers", text_of(everything)).group(1))
    assert total > 25 and "Page 1 of" in everything
    second = manager.get("/results/demo/open/needs?page=2", headers=ENGLISH).get_data(as_text=True)
    assert "Page 2 of" in second
    found = manager.get("/results/demo/open/needs?q=DELIVERY", headers=ENGLISH).get_data(as_text=True)
    quotes = re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", found, re.S)
    assert quotes and all("delivery" in q.lower() for q in quotes)
    assert manager.get("/results/demo/open/nps").status_code == 404  # not a text question


def test_open_answers_show_who_wrote_them_only_to_admins(app, client, manager, demo):
    html = manager.get("/results/demo/open/needs", headers=ENGLISH).get_data(as_text=True)
    assert "@example.com" not in html and 'class="contact"' not in html
    add_user(app, "admin@example.com", "admin")
    admin = app.test_client()
    sign_in(admin, "admin@example.com")
    html = admin.get("/results/demo/open/needs", headers=ENGLISH).get_data(as_text=True)
    assert 'class="contact"' in html and "@example.com" in html


def test_english_readers_get_english_numbers_and_title_after_a_dutch_reader(app, manager, demo):
    dutch = manager.get("/results/demo", headers=DUTCH).get_data(as_text=True)
    english = manager.get("/results/demo", headers=ENGLISH).get_data(as_text=True)
    assert "Hoe ervaart u onze samenwerking?" in dutch
    assert "How do you experience working with us?" in english
    assert "Hoe ervaart u" not in english
    if "&lt; 0" in english:
        assert "&lt; 0.001" in english and "&lt; 0,001" not in english
    if "&lt; 0" in dutch:
        assert "&lt; 0,001" in dutch


def test_the_language_switch_holds_for_the_next_pages(manager, demo):
    html = manager.get("/results/demo?lang=en", headers=DUTCH).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert '<html lang="en">' in manager.get("/results/demo", headers=DUTCH).get_data(as_text=True)
    assert '<html lang="nl">' in manager.get("/results/?lang=nl", headers=ENGLISH).get_data(as_text=True)


@pytest.mark.parametrize("path", ["/favicon.ico"])
def test_the_favicon_is_served(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"


def test_the_careless_switch_leaves_flagged_responses_out_and_says_how_many(app, manager, demo):
    from surveyapp.results.survey_analysis import analyze_stored_survey

    with app.app_context():
        survey = db.session.scalar(db.select(Survey).where(Survey.slug == "demo"))
        kept = analyze_stored_survey(survey, min_n=10)
        left_out = analyze_stored_survey(survey, min_n=10, exclude_flagged=True)
        flagged = kept.flag_counts["flagged"]
    assert flagged > 0, "the demo has careless respondents"
    assert left_out.n == kept.n - flagged

    html = manager.get("/results/demo", headers=ENGLISH).get_data(as_text=True)
    page = text_of(html)
    assert f"{flagged} responses are flagged as careless and included" in page
    # ... and which ones, each with its flags
    listed = html.split('id="flagged-caption"', 1)[1].split("</table>", 1)[0]
    first = kept.flags[kept.flags["flagged"]].sort_index().iloc[0]
    first_id = kept.flags[kept.flags["flagged"]].sort_index().index[0]
    names = ", ".join(name for name in ("speeder", "straightliner", "duplicate", "inconsistent") if first[name])
    assert f'<th scope="row">{first_id}</th><td>{names}</td>' in listed
    assert listed.count("<tr>") == min(flagged, 100) + 1
    assert f"{kept.n:,} completed responses" in page
    page = text_of(manager.get("/results/demo?careless=exclude", headers=ENGLISH).get_data(as_text=True))
    assert f"{flagged} careless responses are left out of every figure" in page
    assert f"{left_out.n:,} completed responses" in page
