"""A mail scanner's HEAD or GET opens a link; it does not start a response."""

from __future__ import annotations

import re

from surveyapp.extensions import db
from surveyapp.invitations.rates import response_rates
from surveyapp.models import Survey

from ..respond.conftest import LOYALTY_ANSWERS, count_responses, post_page, stored


def _started(app, loyalty) -> int:
    with app.app_context():
        return response_rates(db.session.get(Survey, loyalty.survey_id), by=None)[0].started


def _order(html: str) -> list[str]:
    return re.findall(r'<fieldset class="question matrix-row[^>]*id="q-(\w+)"', html)


def test_head_and_get_create_no_response_and_do_not_count_as_started(app, loyalty):
    path = loyalty.invite()
    scanner = app.test_client()
    assert scanner.head(path).status_code == 200
    assert stored(app, path) is None and count_responses(app) == 0
    first = scanner.get(path)
    assert first.status_code == 200 and "Pagina 1 van 6" in first.text
    assert scanner.get(path).status_code == 200
    assert stored(app, path) is None, "a GET is not an answer"
    assert _started(app, loyalty) == 0

    person = app.test_client()
    post_page(person, path, LOYALTY_ANSWERS[0])
    response = stored(app, path)
    assert response is not None and response.answers == {"nps": 9}
    assert _started(app, loyalty) == 1
    assert count_responses(app) == 1


def test_the_order_shown_before_the_first_answer_is_the_order_stored(app, loyalty):
    path = loyalty.invite()
    client = app.test_client()
    post_page(client, path, LOYALTY_ANSWERS[0])
    shown = client.get(path).text  # the matrix page with shuffled rows
    assert _order(shown) == _order(app.test_client().get(path).text)
    randomization = stored(app, path).randomization
    for item_id, rows in randomization.get("items", {}).items():
        listed = [row for row in _order(shown) if row in rows]
        if listed:
            assert listed == rows, item_id


def test_an_open_link_visit_creates_no_response_until_the_first_answer(app, loyalty):
    client = app.test_client()
    assert client.head(loyalty.open_path).status_code == 200
    assert client.get(loyalty.open_path).status_code == 200
    assert count_responses(app) == 0
    post_page(client, loyalty.open_path, LOYALTY_ANSWERS[0])
    assert count_responses(app) == 1
    assert "Pagina 2 van 6" in client.get(loyalty.open_path).text
