"""Answering the loyalty tracker page by page: saving, resuming, logic, validation, language."""

from __future__ import annotations

import re

import pytest

from .conftest import LOYALTY_ANSWERS, count_responses, csrf_token, make_fieldwork, post_page, stored


def test_a_respondent_answers_every_page_and_the_response_is_locked(app, client, loyalty):
    path = loyalty.invite()
    for number, data in enumerate(LOYALTY_ANSWERS, start=1):
        page = client.get(path)
        assert f"Pagina {number} van 6" in page.text
        assert ("Versturen" if number == 6 else "Volgende") in page.text
        post_page(client, path, data)
    response = stored(app, path)
    assert response.status == "completed" and response.completed_at is not None
    answers = response.answers
    assert answers["nps"] == 9
    assert answers["infrastructure_systems"] == "dk"  # "don't know", missing in analysis
    assert answers["needs"] == "Snellere levering."
    assert "detractor_reason" not in answers and "account_manager" not in answers
    assert len(answers) == sum(len(page) for page in LOYALTY_ANSWERS)


def test_answers_are_saved_per_page_and_resume_on_another_device(app, client, loyalty):
    path = loyalty.invite()
    post_page(client, path, LOYALTY_ANSWERS[0])
    post_page(client, path, LOYALTY_ANSWERS[1])
    response = stored(app, path)
    assert response.current_page == "people"
    assert response.answers["product_fit"] == 5

    phone = app.test_client()
    resumed = phone.get(path)
    assert "Pagina 3 van 6" in resumed.text
    back = post_page(phone, path, {}, action="back")
    assert "Pagina 2 van 6" in back.text
    assert re.search(r'id="q-product_fit-5"\s+value="5" checked', back.text)


def test_back_keeps_what_was_filled_in_without_requiring_it(app, client, loyalty):
    path = loyalty.invite()
    post_page(client, path, LOYALTY_ANSWERS[0])
    result = post_page(client, path, {"product_quality": "2"}, action="back")
    assert "Pagina 1 van 6" in result.text
    assert stored(app, path).answers == {"nps": 9, "product_quality": 2}


def test_required_question_left_open_shows_errors_next_to_it(app, client, loyalty):
    path = loyalty.invite()
    result = post_page(client, path, {})
    assert result.status_code == 422
    html = result.text
    assert 'class="error-summary"' in html and "autofocus" in html
    assert "Er is 1 probleem op deze pagina" in html
    assert '<a href="#q-nps-0">' in html
    assert 'id="q-nps-error"' in html and "Beantwoord deze vraag alstublieft." in html
    assert 'aria-describedby="q-nps-error"' in html
    assert 'aria-invalid="true"' in html
    assert "<title>Fout: Pagina 1 van 6" in html
    assert stored(app, path).current_page == "recommendation"  # still on the first page


def test_an_invalid_value_is_refused(app, client, loyalty):
    path = loyalty.invite()
    result = post_page(client, path, {"nps": "11"})
    assert result.status_code == 422
    assert "Kies een van de antwoorden." in result.text
    assert stored(app, path).answers == {}


def test_hidden_items_are_not_stored_and_stale_answers_are_removed(app, client, loyalty):
    path = loyalty.invite()
    post_page(client, path, {"nps": "9"})
    # detractor_reason is only for nps <= 6: what is posted for it anyway is dropped.
    post_page(client, path, {**LOYALTY_ANSWERS[1], "detractor_reason": "sneaky"})
    assert "detractor_reason" not in stored(app, path).answers
    # account_manager is only for large customers (this one is medium).
    post_page(client, path, {**LOYALTY_ANSWERS[2], "account_manager": "8"})
    assert "account_manager" not in stored(app, path).answers

    # A detractor explains; then changes their mind about the score: the reason must go.
    for _ in range(3):
        post_page(client, path, {}, action="back")
    post_page(client, path, {"nps": "3"})
    page = client.get(path)
    assert "U gaf ons een 3. Wat is de belangrijkste reden voor dat cijfer?" in page.text
    post_page(client, path, {**LOYALTY_ANSWERS[1], "detractor_reason": "Te duur."})
    assert stored(app, path).answers["detractor_reason"] == "Te duur."
    post_page(client, path, {}, action="back")
    post_page(client, path, {}, action="back")
    post_page(client, path, {"nps": "10"})
    assert "detractor_reason" not in stored(app, path).answers


def test_a_second_submit_changes_nothing(app, client, loyalty):
    path = loyalty.invite()
    for data in LOYALTY_ANSWERS[:-1]:
        post_page(client, path, data)
    last = client.get(path)
    token, page = csrf_token(last.data), "needs"
    first = client.post(path, data={"csrf_token": token, "page": page, "action": "next", "a-needs": "Eerste."})
    second = client.post(path, data={"csrf_token": token, "page": page, "action": "next", "a-needs": "Tweede."},
                         follow_redirects=True)
    assert first.status_code == 303
    assert second.status_code == 200 and "Hartelijk dank" in second.text
    response = stored(app, path)
    assert response.completed
    assert response.answers["needs"] == "Eerste."
    assert count_responses(app) == 1


@pytest.mark.parametrize(("language", "texts"), [
    ("nl", ["Volgende", "Pagina 1 van 6", "Andere taal:", "(verplicht)", "Direct naar de inhoud"]),
    ("en", ["Next", "Page 1 of 6", "Other language:", "(required)", "Skip to content"]),
])
def test_buttons_and_messages_come_from_the_catalog_of_the_invitations_language(client, loyalty, language, texts):
    path = loyalty.invite(language=language)
    html = client.get(path, headers={"Accept-Language": "de"}).text
    assert f'<html lang="{language}">' in html
    for text in texts:
        assert text in html
    other = {"nl": "Volgende", "en": "Next"}["en" if language == "nl" else "nl"]
    assert f">{other}<" not in html


def test_switching_language_keeps_the_pages_input(app, client, loyalty):
    path = loyalty.invite()
    post_page(client, path, LOYALTY_ANSWERS[0])
    switched = post_page(client, path, {"product_quality": "4", "language": "en"}, action=None)
    assert '<html lang="en">' in switched.text
    assert "Page 2 of 6" in switched.text and "What we offer" in switched.text
    assert re.search(r'id="q-product_quality-4"\s+value="4" checked', switched.text)
    response = stored(app, path)
    assert response.language == "en" and response.current_page == "offer"
    # Invalid input is shown again, in the new language, rather than lost.
    kept = post_page(client, path, {"nps": "x", "language": "nl"}, action=None)
    assert kept.status_code == 200 and "Pagina 2 van 6" in kept.text


def test_piping_escapes_names_and_answers(app, client, tmp_path):
    source = tmp_path / "piping.yaml"
    source.write_text("""
id: piping
title: "Piping <b>test</b>"
languages: [nl, en]
attributes:
  name: text
intro: "Beste {name}, <script>alert('yaml')</script>"
pages:
  - id: one
    items:
      - id: favourite
        type: text
        multiline: false
        text: "Wat is uw favoriete product?"
  - id: two
    items:
      - id: why
        type: text
        text: "Waarom vindt u {favourite} goed?"
""", encoding="utf-8")
    fieldwork = make_fieldwork(app, source, "piping")
    path = fieldwork.invite(name="<script>alert('name')</script>")
    first = client.get(path).text
    assert "<script>alert" not in first
    assert "Beste &lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;," in first
    assert "&lt;script&gt;alert(&#39;yaml&#39;)&lt;/script&gt;" in first
    assert "Piping &lt;b&gt;test&lt;/b&gt;" in first
    second = post_page(client, path, {"favourite": "<img src=x onerror=alert(1)>"}).text
    assert "<img src=x" not in second
    assert "Waarom vindt u &lt;img src=x onerror=alert(1)&gt; goed?" in second


def test_each_respondent_keeps_their_own_random_order(app, loyalty):
    orders = set()
    for number in range(12):
        client = app.test_client()
        path = loyalty.invite(f"r{number}@example.com")
        for data in LOYALTY_ANSWERS[:3]:
            post_page(client, path, data)
        order = stored(app, path).randomization["items"]["brand_grid"]
        assert sorted(order) == ["brand_quality", "brand_reliable", "brand_reputation"]
        for _ in range(2):  # the same order on every visit
            html = client.get(path).text
            shown = re.findall(r'<fieldset class="question matrix-row[^>]*id="q-(brand_\w+)"', html)
            assert shown == order
        orders.add(tuple(order))
    assert len(orders) > 1


def test_control_characters_in_text_answers_are_dropped_not_a_server_error(app, client, loyalty):
    """A NUL byte is refused by PostgreSQL's JSONB; nobody types one, so it is removed."""
    path = loyalty.invite(email="nul@example.com")
    post_page(client, path, {"nps": "3"})  # a detractor: the next page asks why
    result = post_page(client, path, {**LOYALTY_ANSWERS[1], "detractor_reason": "te\x00 laat\x07\r\nnogmaals"})
    assert result.status_code == 200
    assert stored(app, path).answers["detractor_reason"] == "te laat\nnogmaals"
