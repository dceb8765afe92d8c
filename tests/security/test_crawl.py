"""Every route of the app, as every role and as anonymous, with garbage in every parameter:
never a 500, never a traceback."""

from __future__ import annotations

import logging
import re
from itertools import product
from urllib.parse import quote

import pytest

from surveyapp.models import ROLES

from .conftest import add_user, csrf_of, login

GARBAGE = ["", "0", "-1", "99999999999999999999999", "1e309", "nan", "../../etc/passwd", "%00", "\x00",
           "<script>alert(1)</script>", "' OR 1=1 --", "\u202egnp.exe", "a" * 500, "%ff%fe", "\ud800", "😀",
           "{{7*7}}", "null", "[]", "demo/../demo", "/\t/evil.example"]
QUERY_NAMES = ["wave", "lang", "next", "page", "format", "by", "segment"]
FORM_NAMES = ["page", "action", "language", "a-nps", "a-needs", "email", "password", "List-Unsubscribe"]


def _values(argument: str, real: dict) -> list[str]:
    return [*real.get(argument, []), *GARBAGE]


def _url(rule: str, values: dict) -> str:
    path = rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[a-z]+:)?{name}>", quote(value.encode("utf-8", "surrogatepass"), safe=""), path)
    return path


@pytest.fixture
def crawl_site(app, tmp_path):
    app.instance_path = str(tmp_path)
    with app.app_context():
        from surveyapp.demo import build_demo

        result = build_demo(contacts=30)
        tokens = [link.rsplit("/", 1)[1] for _, link in result.links]
        real = {"slug": [result.survey.slug], "token": tokens[:1], "open_token": [result.survey.open_token],
                "filename": ["respond.js", "style.css"]}
    return real


def _clients(app):
    clients = {"anonymous": app.test_client()}
    for role in ROLES:
        client = app.test_client()
        email, password = add_user(app, f"{role}@example.com", "a long enough password", role=role)
        assert login(client, email, password).status_code == 302
        clients[role] = client
    return clients


def test_every_route_as_every_role_with_garbage_never_fails(app, crawl_site, caplog):
    caplog.set_level(logging.ERROR)
    clients = _clients(app)
    rules = [rule for rule in app.url_map.iter_rules()]
    tried = 0
    failures = []

    def check(role, method, url, reply):
        nonlocal tried
        tried += 1
        if reply.status_code >= 500 or b"Traceback" in reply.data or b"Werkzeug Debugger" in reply.data:
            failures.append((role, method, url[:120], reply.status_code))

    for role, client in clients.items():
        token = csrf_of(client.get("/login").data) if role == "anonymous" else None
        for rule in rules:
            arguments = sorted(rule.arguments)
            combos = [dict(zip(arguments, combo, strict=True))
                      for combo in product(*(_values(a, crawl_site) for a in arguments))] or [{}]
            for number, values in enumerate(combos[:15]):
                url = _url(rule.rule, values)
                # Garbage in the query only on the first (real) path: the path's garbage is tried bare.
                queries = ["", *[f"?{name}={quote(g.encode('utf-8', 'surrogatepass'), safe='')}"
                                 for name in QUERY_NAMES for g in GARBAGE[::10]]] if number == 0 else [""]
                for query in queries:
                    if "GET" in rule.methods:
                        check(role, "GET", url + query, client.get(url + query))
                if "HEAD" in rule.methods:
                    check(role, "HEAD", url, client.head(url))
                if "POST" in rule.methods and rule.endpoint != "auth.logout" and number < 3:
                    for garbage in GARBAGE[::4]:
                        form = {name: garbage for name in FORM_NAMES}
                        check(role, "POST", url, client.post(url, data=form))  # no CSRF token
                        page = client.get(url)
                        try:
                            form["csrf_token"] = csrf_of(page.data)
                        except AttributeError:
                            form["csrf_token"] = token or ""
                        check(role, "POST+csrf", url, client.post(url, data=form))
    print(f"crawl: {tried} requests, {len(rules)} routes, {len(clients)} roles")
    assert not failures, failures[:20]
    assert "Unhandled error" not in caplog.text
    assert tried > 1000
