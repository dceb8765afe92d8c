"""Reading and checking the answers posted from one page.

The questions on a page come from the questionnaire, so the form is built from its items
rather than declared as a WTForms class; CSRF protection still comes from Flask-WTF (see
``views.py``). Messages are in the respondent's language through the Babel catalogs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext

from ..questionnaire import DONT_KNOW, Item

#: Longest text kept from an open question without a ``max_length`` of its own.
TEXT_LIMIT = 5000
OTHER_TEXT_LIMIT = 500


def field_name(item_id: str) -> str:
    """The form field of an item (prefixed so no item id can clash with csrf_token, page, ...)."""
    return f"a-{item_id}"


def other_field_name(item_id: str) -> str:
    return f"a-{item_id}-other"


def dont_know_field_name(item_id: str) -> str:
    """The "don't know" tick box next to an open text or number question."""
    return f"a-{item_id}-dk"


@dataclass
class PageInput:
    """What one page's form said: valid answers, messages, and the raw input to show again."""

    answers: dict[str, object] = field(default_factory=dict)
    other_texts: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, list[str]] = field(default_factory=dict)
    raw_other: dict[str, str] = field(default_factory=dict)


#: Control characters a person cannot type (NUL breaks PostgreSQL's JSONB); newline and tab stay.
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\n\t")
_CONTROL[0x7F] = None
#: Text-direction embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they make an
#: answer read differently from what it holds ("Trojan Source") when shown in results or exports.
_CONTROL.update(dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))

#: A number as people type it, in ASCII digits only: no ``1_000`` (Python's float() takes it),
#: no Arabic-Indic or full-width digits, no exponent, hex, nan or inf.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def _printable(text: str) -> str:
    return text.replace("\r\n", "\n").translate(_CONTROL)


def read_page(items: list[Item], form) -> PageInput:
    """Parse the posted values of ``items`` (questions and matrix rows) without requiring any."""
    result = PageInput()
    for item in items:
        raw = [_printable(value) for value in form.getlist(field_name(item.id)) if isinstance(value, str)]
        result.raw[item.id] = raw
        other = _printable(form.get(other_field_name(item.id), ""))
        result.raw_other[item.id] = other
        dont_know = item.type in ("text", "number") and form.get(dont_know_field_name(item.id)) == DONT_KNOW
        if dont_know:
            result.raw[item.id] = [*raw, DONT_KNOW]
        try:
            value, other_text = _parse(item, raw, other.strip(), dont_know)
        except _Invalid as invalid:
            result.errors[item.id] = invalid.message
            continue
        if value is not None:
            result.answers[item.id] = value
            if other_text:
                result.other_texts[item.id] = other_text
    return result


def require_answers(items: list[Item], page_input: PageInput) -> None:
    """Add a message for every required item left unanswered."""
    for item in items:
        if item.required and item.id not in page_input.answers and item.id not in page_input.errors:
            page_input.errors[item.id] = _("Please answer this question.")


class _Invalid(Exception):
    def __init__(self, message: str):
        self.message = message


def _parse(item: Item, raw: list[str], other: str, dont_know: bool = False) -> tuple[object, str | None]:
    if item.type in ("text", "number"):
        text = raw[0].strip() if raw else ""
        if item.dont_know and dont_know:
            if text:
                raise _Invalid(_("Give an answer or choose “%(label)s”, not both.", label=_dont_know(item)))
            return DONT_KNOW, None
        if not text:
            return None, None
        return (_number(item, text) if item.type == "number" else _text(item, text)), None
    raw = [value.strip() for value in raw if value.strip()]
    if item.type == "multiple":
        return _choices(item, raw, other)
    if len(raw) > 1:
        raise _Invalid(_("Please choose one answer."))
    if not raw:
        return None, None
    value = raw[0]
    if value == DONT_KNOW and item.dont_know:
        return DONT_KNOW, None
    if item.scale is not None:
        try:
            number = int(value)
        except ValueError:
            raise _Invalid(_("Please choose one of the options.")) from None
        if number not in item.values():
            raise _Invalid(_("Please choose one of the options."))
        return number, None
    option = item.option(value)
    if option is None:
        raise _Invalid(_("Please choose one of the options."))
    if option.other:
        return value, _other_text(other)
    return value, None


def _dont_know(item: Item) -> str:
    from flask_babel import get_locale

    from ..questionnaire import translate

    return translate(item.dont_know, str(get_locale()))


def _other_text(other: str) -> str:
    if not other:
        raise _Invalid(_("Please say what your other answer is."))
    if len(other) > OTHER_TEXT_LIMIT:
        raise _Invalid(_("Please use at most %(number)d characters.", number=OTHER_TEXT_LIMIT))
    return other


def _choices(item: Item, raw: list[str], other: str) -> tuple[object, str | None]:
    if not raw:
        return None, None
    if DONT_KNOW in raw and item.dont_know:
        if len(raw) > 1:
            raise _Invalid(_("“%(label)s” cannot be combined with other answers.", label=_dont_know(item)))
        return DONT_KNOW, None
    allowed = item.values()
    if any(value not in allowed for value in raw):
        raise _Invalid(_("Please choose one of the options."))
    chosen = [value for value in allowed if value in raw]  # questionnaire order, no duplicates
    if item.min_choices and len(chosen) < item.min_choices:
        raise _Invalid(ngettext("Please choose at least %(num)d option.", "Please choose at least %(num)d options.",
                                item.min_choices))
    if item.max_choices and len(chosen) > item.max_choices:
        raise _Invalid(ngettext("Please choose at most %(num)d option.", "Please choose at most %(num)d options.",
                                item.max_choices))
    other_option = item.other_option
    if other_option is not None and other_option.value in chosen:
        return chosen, _other_text(other)
    return chosen, None


def _text(item: Item, text: str) -> str:
    limit = item.max_length or TEXT_LIMIT
    if len(text) > limit:
        raise _Invalid(_("Please use at most %(number)d characters.", number=limit))
    return text


def _number(item: Item, text: str) -> int | float:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    # Dutch writes 3,5 where English writes 3.5; a thousands separator is not accepted.
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    number = float(cleaned) if _NUMBER.fullmatch(cleaned) else math.nan
    if not math.isfinite(number) or len(cleaned) > 30:
        raise _Invalid(_("Please enter a whole number.") if item.integer else _("Please enter a number."))
    if item.integer:
        if not number.is_integer():
            raise _Invalid(_("Please enter a whole number."))
    low, high = item.min, item.max
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            raise _Invalid(_("Please enter a number from %(min)s to %(max)s.", min=_plain(low), max=_plain(high)))
        if low is not None:
            raise _Invalid(_("Please enter a number of at least %(min)s.", min=_plain(low)))
        raise _Invalid(_("Please enter a number of at most %(max)s.", max=_plain(high)))
    return int(number) if number.is_integer() else number


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
