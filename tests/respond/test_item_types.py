"""Every item type of questionnaires/all-item-types.yaml renders, validates and stores."""

from __future__ import annotations

import re

import pytest

from .conftest import post_page, stored

SCALES_PAGE = {"helpful": "6", "nps": "8", "ces": "5", "stars": "4", "friendly": "7", "expert": "dk", "slow": "2"}


def radios(html: str, item_id: str) -> list[str]:
    return re.findall(rf'<input type="radio" name="a-{item_id}" id="[^"]+"\s+value="([^"]+)"', html)


def test_scale_items_and_matrix_render_as_radio_groups(client, all_types):
    html = client.get(all_types.invite()).text
    for item_id in ("helpful", "nps", "ces", "stars", "friendly", "expert", "slow"):
        assert f'id="q-{item_id}"' in html
        assert re.search(rf'<fieldset class="question [^"]*"\s+id="q-{item_id}"', html)
    assert radios(html, "helpful") == ["1", "2", "3", "4", "5", "6", "7", "dk"]
    assert radios(html, "nps") == [str(point) for point in range(11)]
    assert radios(html, "ces") == [str(point) for point in range(1, 8)]
    assert radios(html, "stars") == ["1", "2", "3", "4", "5"]
    assert radios(html, "slow") == ["1", "2", "3", "4", "5", "6", "7", "dk"]
    # Every radio has a real label, and the end points say what they mean.
    for value in re.findall(r'<input type="radio"[^>]*id="([^"]+)"', html):
        assert f'<label for="{value}">' in html
    assert '<span class="point-number">0</span><span class="visually-hidden"> Zeer onwaarschijnlijk</span>' in html
    # The matrix: one fieldset with a legend per row, the header only for the eye.
    assert html.count('class="question matrix-row') == 3
    assert '<div class="matrix-head" aria-hidden="true">' in html


def test_scale_page_requires_the_required_item_and_stores_numbers_and_dont_know(app, client, all_types):
    path = all_types.invite()
    missing = post_page(client, path, {k: v for k, v in SCALES_PAGE.items() if k != "helpful"})
    assert missing.status_code == 422
    assert 'id="q-helpful-error"' in missing.text
    assert re.search(r'id="q-nps-8"\s+value="8" checked', missing.text)  # what was filled in stays
    result = post_page(client, path, SCALES_PAGE)
    assert "Pagina 2 van 2" in result.text
    assert stored(app, path).answers == {"helpful": 6, "nps": 8, "ces": 5, "stars": 4, "friendly": 7,
                                         "expert": "dk", "slow": 2}


@pytest.fixture
def on_choices_page(app, client, all_types):
    path = all_types.invite()
    post_page(client, path, SCALES_PAGE)
    return path


@pytest.mark.parametrize(("data", "message"), [
    ({"channel_used": "other"}, "Vul alstublieft in wat uw andere antwoord is."),
    ({"channel_used": "fax"}, "Kies een van de antwoorden."),
    ({"channels_preferred": ["phone", "email", "visit", "other"], "a-channels_preferred-other": "post"},
     "Kies hoogstens 3 antwoorden."),
    ({"channels_preferred": ["phone", "pigeon"]}, "Kies een van de antwoorden."),
    ({"employees": "veel"}, "Vul een geheel getal in."),
    ({"employees": "12,5"}, "Vul een geheel getal in."),
    ({"employees": "0"}, "Vul een getal van 1 tot en met 100000 in."),
    ({"employees": "40", "a-employees-dk": "dk"}, "Geef een antwoord of kies “Dat weet ik niet”, niet allebei."),
])
def test_choices_page_validates_each_item_type(app, client, on_choices_page, data, message):
    result = post_page(client, on_choices_page, data)
    assert result.status_code == 422
    assert message in result.text
    assert stored(app, on_choices_page).current_page == "choices"
    assert set(stored(app, on_choices_page).answers) == set(SCALES_PAGE)


def test_choices_page_stores_choices_other_text_numbers_and_dont_know(app, client, on_choices_page):
    result = post_page(client, on_choices_page, {
        "channel_used": "other", "a-channel_used-other": "Brief", "channels_preferred": ["email", "phone"],
        "a-employees-dk": "dk",
    })
    assert "Bedankt, Anna de Vries!" in result.text
    response = stored(app, on_choices_page)
    assert response.completed
    assert response.answers["channel_used"] == "other"
    assert response.other_texts == {"channel_used": "Brief"}
    assert response.answers["channels_preferred"] == ["phone", "email"]  # questionnaire order
    assert response.answers["employees"] == "dk"


def test_an_answer_can_bring_up_a_question_on_the_same_page(app, client, on_choices_page):
    page = client.get(on_choices_page).text
    assert 'id="q-chat_wish"' not in page
    shown = post_page(client, on_choices_page, {"channels_preferred": ["chat"], "employees": "12"})
    assert shown.status_code == 200
    assert 'id="q-chat_wish"' in shown.text and "Pagina 2 van 2" in shown.text
    assert re.search(r'value="chat" checked', shown.text)
    done = post_page(client, on_choices_page, {"channels_preferred": ["chat"], "employees": "12",
                                               "chat_wish": "Snel antwoord"})
    assert "Bedankt" in done.text
    assert stored(app, on_choices_page).answers["chat_wish"] == "Snel antwoord"


def test_a_page_shown_by_logic_pipes_an_earlier_answer(app, client, on_choices_page):
    result = post_page(client, on_choices_page, {"channel_used": "dk", "employees": "250"})
    assert "Pagina 3 van 3" in result.text
    assert "Voor grote klanten" in result.text
    assert "U gaf ons een 8. Wat kunnen wij voor een organisatie als de uwe beter doen?" in result.text
    post_page(client, on_choices_page, {"improvement": "Vaker langskomen."})
    answers = stored(app, on_choices_page).answers
    assert answers["channel_used"] == "dk" and answers["employees"] == 250
    assert answers["improvement"] == "Vaker langskomen."


def test_messages_in_english_for_an_english_respondent(client, all_types):
    path = all_types.invite(language="en")
    post_page(client, path, SCALES_PAGE)
    result = post_page(client, path, {"channels_preferred": ["phone", "email", "visit", "chat"]})
    assert "Please choose at most 3 options." in result.text
    assert "There is 1 problem on this page" in result.text
    assert '<html lang="en">' in result.text
