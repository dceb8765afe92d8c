"""The Babel catalogs in translations/ are complete and compiled."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from surveyapp.commands.translate import TRANSLATIONS, extract_messages
from surveyapp.questionnaire import LANGUAGES


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> dict:
    """Every text marked for translation in surveyapp/, extracted afresh."""
    path = extract_messages(tmp_path_factory.mktemp("babel") / "messages.pot")
    with path.open("rb") as file:
        return {message.id: message for message in read_po(file) if message.id}


def catalog(language: str, suffix: str = "po"):
    path = Path(TRANSLATIONS) / language / "LC_MESSAGES" / f"messages.{suffix}"
    assert path.exists(), f"{path} is missing: run `surveyapp translate update` and `surveyapp translate compile`"
    with path.open("rb") as file:
        return read_po(file, locale=language) if suffix == "po" else read_mo(file)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated(template, language):
    po = catalog(language)
    missing = []
    for msgid in template:
        message = po.get(msgid)
        strings = message.string if message is not None and isinstance(message.string, tuple) else (
            (message.string,) if message is not None else ("",))
        if message is None or not all(strings) or message.fuzzy:
            missing.append(msgid)
    assert not missing, (f"{language}: {len(missing)} text(s) untranslated or fuzzy; run `surveyapp translate "
                         f"update`, translate, then `surveyapp translate compile`: {missing[:5]}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_po_file(language):
    po, mo = catalog(language), catalog(language, "mo")
    for message in po:
        if not message.id or message.fuzzy:
            continue
        compiled = mo.get(message.id)
        assert compiled is not None and _plain(compiled.string) == _plain(message.string), (
            f"{language}: messages.mo is older than messages.po; run `surveyapp translate compile`")


def _plain(string):
    return tuple(string) if isinstance(string, list | tuple) else string


def test_dutch_is_dutch():
    po = catalog("nl")
    assert po.get("Next").string == "Volgende"
    assert po.get("Page %(number)d of %(total)d").string == "Pagina %(number)d van %(total)d"
