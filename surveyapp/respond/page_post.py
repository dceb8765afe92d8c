"""One posted questionnaire page: what the respondent sent, merged with the answers before it, and
where it leads. The respondent's pages (``/s/<token>``) and the back office's preview share it, so
the preview follows exactly the same display logic, checks and page order as the real thing; each
stores the result its own way (the database, a file).
"""

from __future__ import annotations

from dataclasses import dataclass

from .forms import PageInput, read_page, require_answers
from .journey import Journey


@dataclass
class PagePost:
    page: object  # the page posted
    posted: PageInput  # its answers and texts, with errors only for questions still visible
    merged: dict  # every answer after this post, those the display logic now hides left out
    hidden: set  # answers the display logic hides after this post (to clear)
    on_page_ids: set  # the answer ids of the page
    language: str  # the page's language after this post
    switching_language: bool  # the post asked for another language (it stays on the page)
    action: str | None  # "next", "back" or None

    @property
    def page_answers(self) -> dict:
        """This page's answers after the post."""
        return {key: self.merged[key] for key in self.on_page_ids if key in self.merged}

    @property
    def clear(self) -> set:
        """Answers to remove: this page's questions left empty, and those the logic now hides."""
        return (self.on_page_ids - self.page_answers.keys()) | self.hidden

    @property
    def page_other_texts(self) -> dict:
        """The "other, namely" texts of this page's answers."""
        return {key: text for key, text in self.posted.other_texts.items() if key in self.merged
                and key in self.on_page_ids}

    def destination(self, journey: Journey) -> tuple[str, object] | None:
        """Where the respondent goes: ``("next", page)`` (page None: the questionnaire is done),
        ``("back", page)``, or None to show this page again (errors, questions just revealed, a
        language switch)."""
        if self.switching_language:
            return None
        if self.action == "next" and not self.posted.errors:
            following = journey.next_page(self.page, self.merged)
            if following is None:
                # The server keeps the page order: a page skipped (a forged form, a stale tab) is
                # asked for before the questionnaire can be done.
                following = journey.first_unanswered_page(self.merged)
            return ("next", following)
        if self.action == "back":
            return ("back", journey.previous_page(self.page, self.merged) or self.page)
        return None


def post_page(journey: Journey, page, stored: dict, form, language: str) -> PagePost:
    """Read ``form`` (a POST of ``page``) against the ``stored`` answers.

    On "next", every visible required question must be answered; a question this post just
    revealed is shown first (without an error) rather than skipped.
    """
    shown = {item.id for item in journey.answer_items(page, stored)}
    on_page = [answer for item in page.items for answer in (item.rows or (item,))]
    on_page_ids = {item.id for item in on_page}
    switch_to = form.get("language")
    if switch_to in journey.questionnaire.languages:
        language = switch_to
    posted = read_page(on_page, form)
    merged = {key: value for key, value in stored.items() if key not in on_page_ids} | posted.answers
    merged, hidden = journey.without_hidden(merged)
    visible = journey.answer_items(page, merged)
    visible_ids = {item.id for item in visible}
    posted.errors = {key: message for key, message in posted.errors.items() if key in visible_ids}
    action = form.get("action") if form.get("action") in ("next", "back") else None
    result = PagePost(page, posted, merged, set(hidden), on_page_ids, language, switch_to is not None, action)
    if switch_to is None and action == "next":
        require_answers(visible, posted)
        revealed = visible_ids - shown  # questions this page's answers just brought up
        for item_id in revealed:
            posted.errors.pop(item_id, None)
        if revealed:
            result.action = None  # stay: show them before going on
    return result
