"""The JSON API: the engine's figures, paging, contacts in, and errors as problem+json."""

from __future__ import annotations

import math

import pytest

from surveyapp.extensions import db
from surveyapp.models import Contact, Response, Survey, User, Wave

from .conftest import SLUG

PROBLEM = "application/problem+json"


def get(client, key, path, **params):
    return client.get(path, headers={"Authorization": f"Bearer {key}"}, query_string=params)


def assert_problem(response, status: int, field: str | None = None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"] == "about:blank"
    if field:
        assert field in body["errors"], body
    return body


def close(a, b):
    return (a is None and (b is None or math.isnan(b))) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def engine(app, wave_name=None, filters=None):
    from surveyapp.analysis.kpis import DEFAULT_MIN_N
    from surveyapp.results.survey_analysis import analyze_stored_survey

    survey = db.session.scalar(db.select(Survey).where(Survey.slug == SLUG))
    wave = db.session.scalar(db.select(Wave).where(Wave.survey_id == survey.id, Wave.name == wave_name))
    return analyze_stored_survey(survey, wave, min_n=DEFAULT_MIN_N, filters=filters)


# --- figures -------------------------------------------------------------------------------------


def test_kpis_are_the_engines_for_a_wave_and_a_segment(app, client, api_key, demo):
    wave = demo["waves"][-1]
    body = get(client, api_key, f"/api/v1/surveys/{SLUG}/kpis", wave=wave).get_json()
    with app.app_context():
        expected = engine(app, wave)
        segment_values = sorted(set(expected.scores["segment"].dropna()))
    assert body["wave"] == wave and body["filters"] == {} and body["n"] == expected.n
    assert [k["name"] for k in body["kpis"]] == list(expected.summary.index)
    for kpi in body["kpis"]:
        row = expected.summary.loc[kpi["name"]]
        assert close(kpi["value"], row["value"]) and kpi["n"] == row["n"] and not kpi["suppressed"]
    assert "nps" in [k["name"] for k in body["kpis"]]

    segment = segment_values[0]
    filtered = get(client, api_key, f"/api/v1/surveys/{SLUG}/kpis", segment=segment).get_json()
    with app.app_context():
        expected = engine(app, filters={"segment": [segment]})
    assert filtered["filters"] == {"segment": [segment]} and filtered["n"] == expected.n
    assert 0 < filtered["n"] < get(client, api_key, f"/api/v1/surveys/{SLUG}/kpis").get_json()["n"]
    for kpi in filtered["kpis"]:
        row = expected.summary.loc[kpi["name"]]
        if kpi["suppressed"]:
            assert kpi["value"] is None and row["n"] < filtered["min_n"]
        else:
            assert close(kpi["value"], row["value"])

    both = get(client, api_key, f"/api/v1/surveys/{SLUG}/kpis", segment=segment_values[:2]).get_json()
    with app.app_context():
        assert both["n"] == len(engine(app, filters={"segment": segment_values[:2]}).scores)


def test_a_filter_on_nobody_gives_no_figures_and_small_groups_are_suppressed(app, client, api_key):
    body = get(client, api_key, f"/api/v1/surveys/{SLUG}/kpis", segment="no such segment").get_json()
    assert body["n"] == 0 and body["kpis"] == []
    tiny = get(client, api_key, f"/api/v1/surveys/{SLUG}/kpis", segment="large", language="en",
               channel="web").get_json()
    assert tiny["n"] < tiny["min_n"]
    assert all(k["suppressed"] and k["value"] is None for k in tiny["kpis"])


def test_drivers_are_the_engines(app, client, api_key):
    body = get(client, api_key, f"/api/v1/surveys/{SLUG}/drivers").get_json()
    with app.app_context():
        expected = engine(app).drivers.results[("loyalty_index", None)]
    first = body["results"][0]
    assert first["outcome"] == "loyalty_index" and first["n"] == expected.n and close(first["r2"], expected.r2)
    assert [d["name"] for d in first["drivers"]] == list(expected.table.index)
    for driver in first["drivers"]:
        row = expected.table.loc[driver["name"]]
        assert close(driver["lmg_share"], row["lmg_share"]) and close(driver["beta_std"], row["beta_std"])
        assert driver["quadrant"] in ("fix first", "keep up", "possible overkill", "low priority")


# --- surveys, waves, responses -------------------------------------------------------------------


def test_surveys_and_waves(app, client, actors, demo):
    admin = get(client, actors["admin"].key, "/api/v1/surveys").get_json()
    assert [s["slug"] for s in admin["surveys"]] == ["demo", "other"]
    granted = get(client, actors["manager granted"].key, "/api/v1/surveys").get_json()
    assert [s["slug"] for s in granted["surveys"]] == ["demo"]
    one = get(client, actors["manager granted"].key, "/api/v1/surveys/demo").get_json()
    assert one == granted["surveys"][0]
    assert one["languages"] == ["nl", "en"] and one["open_wave"] == demo["waves"][-1]
    waves = get(client, actors["manager granted"].key, "/api/v1/surveys/demo/waves").get_json()
    assert [w["name"] for w in waves["waves"]] == demo["waves"]
    with app.app_context():
        completed = db.session.scalar(db.select(db.func.count(Response.id)).where(Response.status == "completed"))
    assert sum(w["completed_responses"] for w in waves["waves"]) == completed
    assert [w["is_open"] for w in waves["waves"]] == [False, False, True]


def test_responses_page_through_every_completed_response_once(app, client, api_key):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        body = get(client, api_key, f"/api/v1/surveys/{SLUG}/responses", **params).get_json()
        assert len(body["responses"]) <= 7
        seen.extend(r["id"] for r in body["responses"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    with app.app_context():
        expected = list(db.session.scalars(
            db.select(Response.id).where(Response.status == "completed").order_by(Response.id)))
        first = db.session.get(Response, expected[0])
        answers = {a.item_id: a.value for a in first.answers}
    assert seen == expected and pages == max(1, math.ceil(len(expected) / 7))
    one = get(client, api_key, f"/api/v1/surveys/{SLUG}/responses", limit=1).get_json()["responses"][0]
    assert one["answers"] == answers
    assert "name" not in one["attributes"] and "email" not in one["attributes"]


@pytest.mark.parametrize(("params", "field"), [({"cursor": "bm9wZQ"}, "cursor"), ({"cursor": "!!"}, "cursor"),
                                               ({"limit": 0}, "limit"), ({"limit": "many"}, "limit"),
                                               ({"wave": "1999-01"}, "wave")])
def test_bad_query_parameters_are_named(client, api_key, params, field):
    assert_problem(get(client, api_key, f"/api/v1/surveys/{SLUG}/responses", **params), 422, field)


def test_unknown_filters_and_waves_are_named(client, api_key):
    body = assert_problem(get(client, api_key, f"/api/v1/surveys/{SLUG}/kpis", colour="red"), 422, "colour")
    assert "segment" in body["errors"]["colour"][0]
    assert_problem(get(client, api_key, f"/api/v1/surveys/{SLUG}/drivers", wave="nope"), 422, "wave")
    # a person's name or CRM id is no filter: it would single them out
    assert_problem(get(client, api_key, f"/api/v1/surveys/{SLUG}/kpis", crm_id="CRM-00001"), 422, "crm_id")


# --- contacts ------------------------------------------------------------------------------------


def post_contacts(client, key, body, slug=SLUG):
    return client.post(f"/api/v1/surveys/{slug}/contacts", json=body, headers={"Authorization": f"Bearer {key}"})


def test_contacts_are_checked_like_an_import_and_errors_come_by_row(app, client, api_key):
    body = {"contacts": [
        {"email": "Ann@Example.org", "language": "nl", "name": "Ann", "crm_id": "N-1",
         "attributes": {"segment": "large", "customer_value": "1.200,50"}},
        {"email": "not an address", "language": "nl"},
        {"email": "bob@example.org", "language": "fr"},
        {"email": "ann@example.org", "language": "en"},
        {"language": "en"},
    ]}
    dry = post_contacts(client, api_key, {**body, "dry_run": True})
    assert dry.status_code == 200, dry.get_data(as_text=True)
    result = dry.get_json()
    assert result["dry_run"] and result["created"] == 1 and result["updated"] == 0
    assert [e["row"] for e in result["rejected"]] == [2, 3, 4, 5]
    reasons = {e["row"]: e["reason"] for e in result["rejected"]}
    assert "not valid" in reasons[2] and "'fr'" in reasons[3] and "also on row 1" in reasons[4]
    assert "email is empty" in reasons[5]
    with app.app_context():
        assert db.session.scalar(db.select(Contact).where(Contact.email == "ann@example.org")) is None

    done = post_contacts(client, api_key, body).get_json()
    assert not done["dry_run"] and done["created"] == 1 and len(done["rejected"]) == 4
    with app.app_context():
        ann = db.session.scalar(db.select(Contact).where(Contact.email == "ann@example.org"))
        assert ann.crm_id == "N-1" and ann.attributes == {"segment": "large", "customer_value": 1200.5}
    again = post_contacts(client, api_key, {"contacts": [body["contacts"][0]]}).get_json()
    assert again["created"] == 0 and again["updated"] == 1


@pytest.mark.parametrize(("body", "field"), [
    ({}, "contacts"),
    ({"contacts": []}, "contacts"),
    ({"contacts": "ann@example.org"}, "contacts"),
    ({"contacts": [{"email": 5}]}, "contacts"),
    ({"contacts": [{"email": "a@example.org", "language": "nl", "attributes": {"email": "b@example.org"}}]},
     "contacts"),
    ({"contacts": [{"email": "a@example.org", "language": "nl"}], "dry_run": "perhaps"}, "dry_run"),
    ({"contacts": [{"email": "a@example.org", "language": "nl"}], "extra": 1}, "extra"),
    ([1, 2], "_schema"),
])
def test_a_bad_body_is_422_with_the_field(client, api_key, body, field):
    assert_problem(post_contacts(client, api_key, body), 422, field)


def test_a_body_that_is_not_json_is_422(client, api_key):
    response = client.post(f"/api/v1/surveys/{SLUG}/contacts", data="email,language\na@b.nl,nl",
                           headers={"Authorization": f"Bearer {api_key}", "Content-Type": "text/csv"})
    assert_problem(response, 422, "body")


# --- keys and errors -----------------------------------------------------------------------------


def test_missing_wrong_revoked_and_deactivated_keys_get_401(app, client, actors):
    from surveyapp.apikeys import find_keys, revoke_api_key
    from surveyapp.users import set_active

    key = actors["manager granted"].key
    assert get(client, key, "/api/v1/surveys").status_code == 200
    assert_problem(client.get("/api/v1/surveys"), 401)
    assert_problem(client.get("/api/v1/surveys", headers={"Authorization": f"Basic {key}"}), 401)
    assert_problem(get(client, key[:-2] + "xy", "/api/v1/surveys"), 401)
    assert_problem(get(client, "", "/api/v1/surveys"), 401)
    with app.app_context():
        revoke_api_key(find_keys(key)[0])
    assert_problem(get(client, key, "/api/v1/surveys"), 401)

    other = actors["researcher granted"].key
    with app.app_context():
        set_active(db.session.scalar(db.select(User).where(User.email == actors["researcher granted"].email)), False)
    assert_problem(get(client, other, "/api/v1/surveys"), 401)


def test_keys_are_stored_hashed(app, actors):
    from surveyapp.models import ApiKey

    with app.app_context():
        stored = db.session.scalars(db.select(ApiKey)).all()
        for record in stored:
            assert record.key_hash not in {a.key for a in actors.values()}
            assert all(a.key not in (record.key_hash, record.prefix) for a in actors.values() if a.key)


def test_unknown_api_paths_and_methods_answer_in_problem_json(client, api_key):
    assert_problem(get(client, api_key, "/api/v1/nothing"), 404)
    response = client.delete(f"/api/v1/surveys/{SLUG}", headers={"Authorization": f"Bearer {api_key}"})
    assert_problem(response, 405)


def test_the_api_is_rate_limited(app_config, tmp_path):
    from surveyapp.apikeys import create_api_key
    from surveyapp.users import create_or_update_user

    from ..conftest import fresh_app

    with fresh_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_API": "3 per minute"}) as app:
        with app.app_context():
            _, key = create_api_key(create_or_update_user("limited@example.com", "correct horse battery"))
        client = app.test_client()
        statuses = [get(client, key, "/api/v1/surveys").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert_problem(get(client, key, "/api/v1/surveys"), 429)


def test_the_openapi_document_is_public_and_names_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/surveys", "/surveys/{slug}", "/surveys/{slug}/waves",
                                      "/surveys/{slug}/kpis", "/surveys/{slug}/drivers",
                                      "/surveys/{slug}/responses", "/surveys/{slug}/contacts", "/openapi.json"}
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    kpis = document["paths"]["/surveys/{slug}/kpis"]["get"]
    assert {p["name"] for p in kpis["parameters"]} >= {"slug", "wave", "segment"}
    assert "application/problem+json" in kpis["responses"]["401"]["content"]
