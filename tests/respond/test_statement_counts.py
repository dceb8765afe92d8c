"""The SQL statements of a respondent's page request: few, and not one per item or answer.

Counted with a SQLAlchemy ``before_cursor_execute`` listener on the app's engine, around
real requests through the test client. COMMIT and ROLLBACK are not statements here.
The budgets are today's counts: a change that adds a lazy load or a re-read fails.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from surveyapp.extensions import db

from .conftest import LOYALTY_ANSWERS, csrf_token, page_id, stored

#: The most statements each kind of request may take, however many items a page has.
FIRST_GET = 6  # before the first answer nothing is stored: the link (1), opened (1), survey, version, re-check
GET = 1  # the link with its wave, contact, response, answers and version key, in one statement
POST = 4  # that one; claim the response row (with the time on the page); delete cleared answers; upsert answers
FIRST_POST = 7  # the first answer also stores the response (survey, version, re-check, insert)


class StatementCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(" ".join(statement.split()))

    def take(self) -> list[str]:
        taken, self.statements = self.statements, []
        return taken


@contextmanager
def counting(app):
    counter = StatementCounter()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


def _form(html, answers):
    form = {"csrf_token": csrf_token(html), "page": page_id(html), "action": "next"}
    form.update({f"a-{key}": value for key, value in answers.items()})
    return form


def _show(statements):
    return "\n".join(statements)


def test_a_respondents_whole_journey_takes_a_fixed_number_of_statements_per_page(app, client, loyalty):
    path = loyalty.invite()
    with counting(app) as counter:
        page = client.get(path)
        first = counter.take()
        assert page.status_code == 200
        assert len(first) <= FIRST_GET, _show(first)
        posts = []
        for number, answers in enumerate(LOYALTY_ANSWERS):
            page = client.get(path)
            statements = counter.take()
            assert page.status_code == 200
            assert len(statements) <= (FIRST_GET if number == 0 else GET), _show(statements)
            result = client.post(path, data=_form(page.data, answers))
            statements = counter.take()
            assert result.status_code == 303, result.data[:2000]
            assert len(statements) <= (FIRST_POST if number == 0 else POST), _show(statements)
            posts.append(statements)
        thanks = client.get(path)
        statements = counter.take()
        assert thanks.status_code == 200
        assert len(statements) <= GET, _show(statements)

    # One page carries 1 answer, another 9: the same statements, none per answer.
    sizes = [len(answers) for answers in LOYALTY_ANSWERS]
    assert min(sizes) == 1 and max(sizes) == 9
    inserts = [sum(statement.upper().startswith("INSERT") for statement in post) for post in posts]
    # one for the page's answers; the first page's POST also stores the response
    assert inserts == [2] + [1] * (len(LOYALTY_ANSWERS) - 1), [_show(post) for post in posts]
    assert stored(app, path).completed
    assert len(stored(app, path).answers) == sum(sizes)


def test_a_page_request_reads_the_same_statements_with_many_answers_stored(app, client, loyalty):
    """Reading back 30 stored answers is one statement, as is reading back one."""
    path = loyalty.invite()
    counts = []
    with counting(app) as counter:
        client.get(path)
        for answers in LOYALTY_ANSWERS[:4]:
            page = client.get(path)
            counter.take()
            client.post(path, data=_form(page.data, answers))
            counter.take()
            client.get(path)
            counts.append(len(counter.take()))
    assert len(stored(app, path).answers) == 1 + 6 + 6 + 9
    assert counts == [counts[0]] * 4, counts


def test_a_page_request_does_not_read_the_questionnaire_definition_again(app, client, loyalty):
    """The parsed questionnaire is kept per version in-process: no request reads it again."""
    path = loyalty.invite()
    client.get(path)
    with counting(app) as counter:
        page = client.get(path)
        client.post(path, data=_form(page.data, LOYALTY_ANSWERS[0]))
        statements = counter.take()
    assert not any("questionnaire_versions.definition" in statement for statement in statements), \
        _show(statements)
    assert not any("source_text" in statement for statement in statements), _show(statements)


@pytest.mark.parametrize("answers_on_page", [1, 6])
def test_open_link_pages_take_a_fixed_number_of_statements(app, loyalty, answers_on_page):
    client = app.test_client()
    client.get(loyalty.open_path)  # shows the first page; nothing is stored before an answer
    page = client.get(loyalty.open_path)
    if answers_on_page == 6:
        client.post(loyalty.open_path, data=_form(page.data, LOYALTY_ANSWERS[0]))
        page = client.get(loyalty.open_path)
    answers = LOYALTY_ANSWERS[0 if answers_on_page == 1 else 1]
    with counting(app) as counter:
        page = client.get(loyalty.open_path)
        get = counter.take()
        result = client.post(loyalty.open_path, data=_form(page.data, answers))
        post = counter.take()
    assert result.status_code == 303
    # survey with its waves (2), the response with its wave, version and answers (1); before the
    # first answer nothing is stored (opening is not answering): one more look for the session's response
    stored_yet = answers_on_page == 6
    assert len(get) <= (3 if stored_yet else 4), _show(get)
    # the first answer also stores the response (its version, a re-check, the insert)
    assert len(post) <= (3 + 3 if stored_yet else 3 + 7), _show(post)
