"""Bad input from a careless network or an attacker: sizes, odd digits, bidi tricks, caching."""

from __future__ import annotations

import pytest

from surveyapp.extensions import db
from surveyapp.invitations.unsubscribe import unsubscribe_token
from surveyapp.models import Contact

from ..respond.conftest import LOYALTY_ANSWERS, csrf_token, page_id, post_page, stored
from ..respond.test_item_types import SCALES_PAGE


def test_a_huge_form_field_is_refused_with_a_clear_message_in_the_respondents_language(app, client, loyalty):
    path = loyalty.invite()
    page = client.get(path)
    form = {"csrf_token": csrf_token(page.data), "page": page_id(page.data), "action": "next",
            "a-nps": "9", "a-huge": "x" * (10 * 1024 * 1024)}
    result = client.post(path, data=form)
    assert result.status_code == 413
    assert b'<html lang="nl"' in result.data
    assert "te groot" in result.text
    assert b"Request Entity Too Large" not in result.data
    assert stored(app, path) is None, "nothing of the refused form is stored"
    # The respondent can go on.
    assert post_page(client, path, LOYALTY_ANSWERS[0]).status_code == 200


def test_a_field_over_the_field_limit_is_refused_even_within_the_request_limit(app, client, loyalty):
    path = loyalty.invite(language="en")
    page = client.get(path)
    form = {"csrf_token": csrf_token(page.data), "page": page_id(page.data), "action": "next",
            "a-nps": "9" + " " * (600 * 1024)}
    result = client.post(path, data=form)
    assert result.status_code == 413
    assert "too large" in result.text and b'<html lang="en"' in result.data


@pytest.fixture
def on_choices_page(app, client, all_types):
    path = all_types.invite()
    post_page(client, path, SCALES_PAGE)
    return path


@pytest.mark.parametrize("number", ["1_000", "1_0", "\u0661\u0660", "\u0967\u0966", "\uff11\uff10", "1e3",
                                    "0x10", "nan", "inf", "١٢٣٤"])
def test_numbers_only_in_ascii_digits(app, client, on_choices_page, number):
    result = post_page(client, on_choices_page, {"channel_used": "phone", "employees": number})
    assert result.status_code == 422, number
    assert "Vul een geheel getal in." in result.text
    assert "employees" not in stored(app, on_choices_page).answers


@pytest.mark.parametrize(("typed", "kept"), [("1000", 1000), (" 250 ", 250), ("1 000", 1000), ("+12", 12)])
def test_ordinary_numbers_still_count(app, client, on_choices_page, typed, kept):
    post_page(client, on_choices_page, {"channel_used": "phone", "employees": typed})
    assert stored(app, on_choices_page).answers["employees"] == kept


def test_text_direction_controls_are_removed_from_text_answers(app, client, loyalty):
    path = loyalty.invite()
    for data in LOYALTY_ANSWERS[:-1]:
        post_page(client, path, data)
    tricky = "Goed\u202e lepsnap\u202c en \u2066snel\u2069 \u202a\u202b\u202d\u2067\u2068geleverd"
    post_page(client, path, {"needs": tricky})
    assert stored(app, path).answers["needs"] == "Goed lepsnap en snel geleverd"


def test_unsubscribe_page_is_not_cached(app, client):
    from surveyapp.models import QuestionnaireVersion
    from surveyapp.surveys import create_survey

    with app.app_context():
        version = QuestionnaireVersion(key="q", version=1, content_hash="0" * 64, title="Q",
                                       definition={"id": "q", "languages": ["nl", "en"]},
                                       source_name="q.yaml", source_text="")
        db.session.add(version)
        db.session.commit()
        survey = create_survey("q", version)
        contact = Contact(survey_id=survey.id, email="anna@example.com", language="nl")
        db.session.add(contact)
        db.session.commit()
        token = unsubscribe_token(contact.id)
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and b"anna@example.com" in page.data
    assert "no-store" in page.headers.get("Cache-Control", "")
    assert "no-store" in client.get("/unsubscribe/forged").headers.get("Cache-Control", "")
