"""``surveyapp translate``: keep the Babel catalogs in ``translations/`` up to date.

The workflow of Miguel Grinberg's microblog: ``extract`` the texts marked with ``_()``
from the code and templates into ``messages.pot``, ``update`` every language's
``messages.po`` from it (or ``init`` a new language), translate, then ``compile`` the
``.mo`` files the application reads. The ``.mo`` files are kept in git so a checkout runs
without a build step.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = PROJECT_ROOT / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
KEYWORDS = ("_", "_l", "gettext", "lazy_gettext", "ngettext:1,2", "lazy_ngettext:1,2")
#: The language the texts are written in: its catalog repeats each text, filled in automatically.
SOURCE_LANGUAGE = "en"
PO_WIDTH = 110


def _pybabel(*args: str) -> None:
    command = [sys.executable, "-m", "babel.messages.frontend", *args]
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise click.ClickException(f"pybabel {args[0]} failed:\n{result.stderr.strip()}")


def extract_messages(output: Path = TEMPLATE) -> Path:
    """Write every translatable text in ``surveyapp/`` to ``output`` (a .pot file)."""
    keywords = [option for keyword in KEYWORDS for option in ("-k", keyword)]
    _pybabel("extract", "-F", "babel.cfg", *keywords, "--no-location", "--sort-output",
             "--project", "surveyapp", "-o", str(output), ".")
    return output


@click.group()
def translate():
    """Translation and localization commands."""


@translate.command()
def extract():
    """Extract the texts to translate into translations/messages.pot."""
    click.echo(f"Wrote {extract_messages().relative_to(PROJECT_ROOT)}")


@translate.command()
@click.argument("language")
def init(language):
    """Start the catalog of a new LANGUAGE."""
    extract_messages()
    _pybabel("init", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "-l", language)
    click.echo(f"Created translations/{language}/LC_MESSAGES/messages.po")


@translate.command()
def update():
    """Extract the texts again and merge them into every language's catalog."""
    extract_messages()
    _pybabel("update", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "--no-fuzzy-matching",
             "--ignore-obsolete", "--width", str(PO_WIDTH))
    filled = fill_source_catalog()
    click.echo(f"Updated the catalogs ({filled} new English entries filled in); translate the new texts, "
               "then run: surveyapp translate compile")


def fill_source_catalog() -> int:
    """Give every empty entry of the source language's catalog its own text. Returns how many."""
    from babel.messages.pofile import read_po, write_po

    path = TRANSLATIONS / SOURCE_LANGUAGE / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        catalog = read_po(file)
    filled = 0
    for message in catalog:
        if message.id and not message.string:
            message.string = message.id
            filled += 1
    if filled:
        with path.open("wb") as file:
            write_po(file, catalog, width=PO_WIDTH, no_location=True, sort_output=True)
    return filled


@translate.command()
def compile():
    """Compile every catalog into the .mo file the application reads."""
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")
    click.echo("Compiled translations/*/LC_MESSAGES/messages.mo")
