"""A respondent's way through a questionnaire: which pages and items they see, in which order.

Display logic is applied here, on the server, and nowhere else: the pages and items shown,
the answers kept, and the stale answers removed when an earlier answer changes all come
from :class:`Journey`.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from ..questionnaire import (
    Item,
    Page,
    Questionnaire,
    ordered_items,
    ordered_options,
    ordered_rows,
    respondent_order,
)
from ..questionnaire.model import logic_values
from ..signing import ORDER, keyed_digest

_parsed: dict[tuple[int, str], Questionnaire] = {}


def questionnaire_of(version) -> Questionnaire:
    """The questionnaire a response answers; published versions never change, so kept parsed."""
    key = (version.id, version.content_hash)
    questionnaire = _parsed.get(key)
    if questionnaire is None:
        if len(_parsed) > 64:
            _parsed.clear()
        questionnaire = _parsed[key] = Questionnaire.from_dict(version.definition)
    return questionnaire


def draw_order(questionnaire: Questionnaire, link: str | None = None) -> dict:
    """A new respondent's order of shuffled items, options and rows.

    With ``link`` (a secret of the respondent's link: the token's hash, the open link's
    session key) the order follows from it, keyed with the secret key, so the page shown
    before anything is stored has the order the response will keep; without, a fresh seed.
    """
    if link is None:
        return respondent_order(questionnaire, random.Random(secrets.randbits(64)))
    digest = keyed_digest(ORDER, link)
    return respondent_order(questionnaire, random.Random(int.from_bytes(digest[:8], "big")))


@dataclass(frozen=True)
class Position:
    """Where a page stands among the pages the respondent sees: ``number`` of ``total``."""

    number: int
    total: int

    @property
    def first(self) -> bool:
        return self.number == 1

    @property
    def last(self) -> bool:
        return self.number == self.total


class Journey:
    """The questionnaire as one respondent sees it, given their attributes and order."""

    def __init__(self, questionnaire: Questionnaire, *, attributes: dict | None = None,
                 order: dict | None = None):
        self.questionnaire = questionnaire
        self.attributes = dict(attributes or {})
        self.order = order or {}

    # --- what is visible ----------------------------------------------------------------------

    def pages(self, answers: dict) -> list[Page]:
        return self.questionnaire.visible_pages(answers, self.attributes)

    def page(self, page_id: str | None, answers: dict) -> Page | None:
        """The visible page with this id, or None."""
        return next((page for page in self.pages(answers) if page.id == page_id), None)

    def position(self, page: Page, answers: dict) -> Position:
        pages = self.pages(answers)
        return Position(pages.index(page) + 1, len(pages))

    def next_page(self, page: Page, answers: dict) -> Page | None:
        """The first visible page after ``page`` in questionnaire order (None: it was the last)."""
        visible = {p.id for p in self.pages(answers)}
        after = self.questionnaire.pages[self.questionnaire.pages.index(page) + 1:]
        return next((p for p in after if p.id in visible), None)

    def previous_page(self, page: Page, answers: dict) -> Page | None:
        visible = {p.id for p in self.pages(answers)}
        before = self.questionnaire.pages[: self.questionnaire.pages.index(page)]
        return next((p for p in reversed(before) if p.id in visible), None)

    def items(self, page: Page, answers: dict) -> list[Item]:
        """The page's visible questions in the respondent's order (matrices keep their rows)."""
        values = logic_values(answers, self.attributes)
        return [item for item in ordered_items(page, self.order) if item.visible(values)]

    def rows(self, matrix: Item, answers: dict) -> list[Item]:
        values = logic_values(answers, self.attributes)
        return [row for row in ordered_rows(matrix, self.order) if row.visible(values)]

    def options(self, item: Item):
        return ordered_options(item, self.order)

    def answer_items(self, page: Page, answers: dict) -> list[Item]:
        """The visible items of ``page`` that hold an answer: questions and matrix rows."""
        result = []
        for item in self.items(page, answers):
            result.extend(self.rows(item, answers) if item.rows is not None else [item])
        return result

    # --- keeping answers consistent with the logic ------------------------------------------------

    def visible_answer_ids(self, answers: dict) -> set[str]:
        return {item.id for page in self.pages(answers) for item in self.answer_items(page, answers)}

    def without_hidden(self, answers: dict) -> tuple[dict, set[str]]:
        """``answers`` without those to items the logic now hides, and the ids removed.

        Repeated until nothing changes, because removing one answer can hide another item.
        """
        kept = dict(answers)
        removed: set[str] = set()
        while True:
            visible = self.visible_answer_ids(kept)
            hidden = {item_id for item_id in kept if item_id not in visible}
            if not hidden:
                return kept, removed
            for item_id in hidden:
                del kept[item_id]
            removed |= hidden

    def first_unanswered_page(self, answers: dict) -> Page | None:
        """The first visible page with a visible required item left unanswered (None: all done)."""
        for page in self.pages(answers):
            if any(item.required and item.id not in answers for item in self.answer_items(page, answers)):
                return page
        return None

    def resume_page(self, page_id: str | None, answers: dict) -> Page | None:
        """The page to show a returning respondent: where they left off, else the first."""
        pages = self.pages(answers)
        return self.page(page_id, answers) or (pages[0] if pages else None)

    def piping_values(self, answers: dict, language: str) -> dict:
        return self.questionnaire.piping_values(answers, self.attributes, language)
