"""``surveyapp access``, ``surveyapp apikey`` and the grant ``surveyapp demo`` gives its manager."""

from __future__ import annotations

from surveyapp.access import accessible_surveys
from surveyapp.extensions import db
from surveyapp.models import ApiKey, User

from .conftest import PASSWORD


def user(email):
    return db.session.scalar(db.select(User).where(User.email == email))


def test_grant_and_revoke(app, runner, demo):
    assert runner.invoke(args=["user", "create", "m@example.com", "--password", PASSWORD]).exit_code == 0
    with app.app_context():
        assert accessible_surveys(user("m@example.com")) == []
    granted = runner.invoke(args=["access", "grant", "M@example.com", "--survey", "demo"])
    assert granted.exit_code == 0 and "m@example.com has access to demo." in granted.output
    assert "(already)" in runner.invoke(args=["access", "grant", "m@example.com", "--survey", "demo"]).output
    with app.app_context():
        assert [s.slug for s in accessible_surveys(user("m@example.com"))] == ["demo"]
    listing = runner.invoke(args=["access", "list", "--survey", "demo"])
    assert "m@example.com\tmanager" in listing.output
    revoked = runner.invoke(args=["access", "revoke", "m@example.com", "--survey", "demo"])
    assert revoked.exit_code == 0 and "no longer has access" in revoked.output
    with app.app_context():
        assert accessible_surveys(user("m@example.com")) == []

    for args, message in [(["access", "grant", "nobody@example.com", "--survey", "demo"], "no user"),
                          (["access", "grant", "m@example.com", "--survey", "nope"], "no survey 'nope'"),
                          (["access", "grant", "m@example.com"], "--survey")]:
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_the_demo_manager_sees_the_demo_survey(app, demo):
    with app.app_context():
        assert [s.slug for s in accessible_surveys(user(demo["manager"]))] == ["demo"]


def test_apikey_create_prints_the_key_last_and_stores_only_its_hash(app, runner, client):
    runner.invoke(args=["user", "create", "r@example.com", "--role", "researcher", "--password", PASSWORD])
    result = runner.invoke(args=["apikey", "create", "r@example.com", "--name", "crm sync"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("sa_") and len(key) > 40
    with app.app_context():
        record = db.session.scalar(db.select(ApiKey))
        assert record.name == "crm sync" and key not in (record.key_hash, record.prefix)
    assert client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    listing = runner.invoke(args=["apikey", "list", "r@example.com"])
    assert key[:10] in listing.output and key not in listing.output and "crm sync" in listing.output

    revoked = runner.invoke(args=["apikey", "revoke", key])
    assert revoked.exit_code == 0 and "Revoked" in revoked.output
    assert client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert runner.invoke(args=["apikey", "revoke", key]).exit_code == 1


def test_apikey_revoke_by_prefix_or_by_owner_and_name(app, runner, client):
    runner.invoke(args=["user", "create", "r@example.com", "--role", "researcher", "--password", PASSWORD])
    keys = [runner.invoke(args=["apikey", "create", "r@example.com", "--name", name]).output.strip().splitlines()[-1]
            for name in ("one", "two", "three")]
    assert runner.invoke(args=["apikey", "revoke", keys[0][:10]]).exit_code == 0
    assert runner.invoke(args=["apikey", "revoke", "r@example.com", "--name", "two"]).exit_code == 0
    status = [client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {k}"}).status_code for k in keys]
    assert status == [401, 401, 200]
    assert runner.invoke(args=["apikey", "revoke", "r@example.com"]).exit_code == 0
    assert client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {keys[2]}"}).status_code == 401
    unknown = runner.invoke(args=["apikey", "create", "nobody@example.com"])
    assert unknown.exit_code == 1 and "no user" in unknown.output
