"""Piping answers and attributes into texts."""

import pytest

from surveyapp.questionnaire import render_text
from surveyapp.questionnaire.texts import TextError, parse_text, translate


def test_placeholders_are_replaced():
    assert render_text("Beste {name},", {"name": "Anna"}) == "Beste Anna,"
    assert render_text("U gaf ons een {nps}.", {"nps": 4}) == "U gaf ons een 4."


def test_missing_values_render_empty_or_as_the_fallback():
    assert render_text("Beste {name},", {}) == "Beste ,"
    assert render_text("Beste {name|klant},", {}) == "Beste klant,"
    assert render_text("Beste {name|klant},", {"name": ""}) == "Beste klant,"
    assert render_text("Beste {name|klant},", {"name": "Anna"}) == "Beste Anna,"
    assert render_text("{ name | beste klant }", {}) == " beste klant "


def test_values_are_formatted_as_plain_text():
    assert render_text("{x}", {"x": 7.0}) == "7"
    assert render_text("{x}", {"x": 7.5}) == "7.5"
    assert render_text("{x}", {"x": ["Telefoon", "E-mail"]}) == "Telefoon, E-mail"


def test_values_are_inserted_as_they_are_never_as_markup():
    # Escaping is the template's job; rendering must neither escape twice nor add markup.
    assert render_text("Beste {name}", {"name": "<b>Anna</b> & co"}) == "Beste <b>Anna</b> & co"
    assert render_text("{name}", {"name": "{nps}"}) == "{nps}"  # values are not rendered again


def test_literal_braces():
    assert render_text("{{name}} is {name}", {"name": "Anna"}) == "{name} is Anna"


@pytest.mark.parametrize("text", ["Beste {name", "Beste }", "Beste {na me}", "{}"])
def test_malformed_placeholders(text):
    with pytest.raises(TextError):
        parse_text(text)
    assert render_text(text, {"name": "x"}) == text


def test_translate_falls_back_to_the_default_language():
    assert translate({"nl": "Hallo", "en": "Hello"}, "en") == "Hello"
    assert translate({"nl": "Hallo"}, "en", "nl") == "Hallo"
    assert translate(None, "nl") == ""
