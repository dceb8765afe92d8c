"""schemathesis against the running API: a real HTTP server on loopback, the document it serves
at /api/v1/openapi.json, and a key. No request may cause a server error, and every answer must
match the document (status code, content type, body schema)."""

from __future__ import annotations

import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.serving import make_server

from surveyapp.access import grant_access
from surveyapp.apikeys import create_api_key
from surveyapp.extensions import db
from surveyapp.users import create_or_update_user

from ..conftest import fresh_app
from .conftest import PASSWORD

EXAMPLES = 25
#: Each KPI or driver answer runs the whole analysis (seconds on a busy machine): fewer of those.
SLOW_EXAMPLES = 6
TIMEOUT = 120
CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance, schemathesis.checks.response_schema_conformance]


@pytest.fixture(scope="module")
def running_api(tmp_path_factory, session_database_url):
    """The app with the demo survey, served by werkzeug on 127.0.0.1 in a thread, and a key of
    a researcher granted the demo survey (so every endpoint, contacts too, is reachable)."""
    folder = tmp_path_factory.mktemp("schemathesis")
    config = {"TESTING": True, "SECRET_KEY": "test-secret-key-not-for-production", "BASE_URL": "http://localhost",
              "SQLALCHEMY_DATABASE_URI": session_database_url or f"sqlite:///{folder / 'api.sqlite'}",
              "RATELIMIT_ENABLED": False, "MAIL_DIR": str(folder / "outbox")}
    with fresh_app(config) as app:
        app.instance_path = str(folder)
        with app.app_context():
            from surveyapp.demo import build_demo

            survey = build_demo(contacts=40).survey
            user = create_or_update_user("api-researcher@example.com", PASSWORD, role="researcher")
            grant_access(user, survey)
            _, key = create_api_key(user, name="schemathesis")
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", key
        finally:
            server.shutdown()
            thread.join(5)
            with app.app_context():
                db.session.remove()


def operations(base_url: str):
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
    found = [result.ok() for result in schema.get_all_operations()]
    # schemathesis leaves out the operation serving the document it was loaded from
    assert sorted(op.label for op in found) == [
        "GET /surveys", "GET /surveys/{slug}", "GET /surveys/{slug}/drivers", "GET /surveys/{slug}/kpis",
        "GET /surveys/{slug}/responses", "GET /surveys/{slug}/waves", "POST /surveys/{slug}/contacts"]
    return found


def _hold_to_the_document(operation, base_url: str, headers: dict) -> None:
    has_slug = any(p.name == "slug" for p in operation.path_parameters)
    slow = operation.path.endswith(("/kpis", "/drivers"))
    # Mostly the demo survey (real figures), sometimes whatever slug hypothesis makes up.
    slugs = st.sampled_from(["demo", "demo", "demo", None])

    @settings(max_examples=SLOW_EXAMPLES if slow else EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), slug=slugs)
    def check(case, slug):
        if has_slug and slug is not None:
            case.path_parameters = {**(case.path_parameters or {}), "slug": slug}
        case.call_and_validate(base_url=f"{base_url}/api/v1", headers=headers, checks=CHECKS, timeout=TIMEOUT)

    check()


def test_every_operation_holds_to_the_document(running_api):
    base_url, key = running_api
    for operation in operations(base_url):
        _hold_to_the_document(operation, base_url, {"Authorization": f"Bearer {key}"})


def test_without_a_key_every_operation_answers_401_as_documented(running_api):
    base_url, _ = running_api
    for operation in operations(base_url):
        if operation.path == "/openapi.json":
            continue

        @settings(max_examples=5, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call_and_validate(base_url=f"{base_url}/api/v1", checks=CHECKS, timeout=TIMEOUT)
            assert response.status_code == 401

        check()


def test_invalid_contact_bodies_are_refused_as_documented(running_api):
    """Bodies that break the schema get 422 problem+json, never a server error or a 2xx."""
    from schemathesis import GenerationMode

    base_url, key = running_api
    (operation,) = [op for op in operations(base_url) if op.method.upper() == "POST"]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    def check(case):
        case.path_parameters = {"slug": "demo"}
        case.call_and_validate(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {key}"},
                               checks=[*CHECKS, schemathesis.checks.negative_data_rejection], timeout=TIMEOUT)

    check()
