"""The questionnaire in memory: frozen dataclasses built from the normalized definition.

``Questionnaire.to_dict()`` gives the normalized, JSON-serializable definition that the database
stores; ``Questionnaire.from_dict()`` rebuilds the objects from it without looking at any file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from .expressions import Expression, parse_expression
from .texts import render_text, translate

#: The stored answer for "don't know / not applicable"; analysis treats it as missing.
DONT_KNOW = "dk"
ITEM_TYPES = ("likert", "nps", "ces", "rating", "single", "multiple", "text", "number", "matrix")
SCALE_TYPES = ("likert", "nps", "ces", "rating")
#: The scale type each scale-based item type needs.
SCALE_TYPE_OF_ITEM = {"likert": "likert", "nps": "nps", "ces": "ces", "rating": "rating", "matrix": "likert"}
ROLES = ("driver", "outcome", "kpi")
ATTRIBUTE_TYPES = ("text", "number", "choice")
#: Version of the normalized definition's shape.
FORMAT = 1

Text = Mapping[str, str]


def _text(value) -> dict[str, str] | None:
    return None if value is None else dict(value)


@dataclass(frozen=True)
class Scale:
    """Answer points shared by items. ``values`` are the stored answers, lowest first.

    likert: 1..points (5 or 7), 1 = strongly disagree. nps: 0..10. ces: 1..7, 1 = strongly
    disagree that it was easy, so a higher score means less effort. rating: ``start`` ..
    ``start + points - 1``.
    """

    id: str
    type: str
    points: int
    values: tuple[int, ...]
    labels: dict[int, dict[str, str]]
    dont_know: dict[str, str] | None = None  # the label, when the scale offers "don't know"
    display: str = "buttons"  # or "stars" (rating)

    @property
    def min(self) -> int:
        return self.values[0]

    @property
    def max(self) -> int:
        return self.values[-1]

    def label(self, value: int, language: str) -> str:
        return translate(self.labels.get(value), language)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "points": self.points,
            "values": list(self.values),
            # JSON keys are strings; the values list says which integer each one is.
            "labels": {str(value): dict(label) for value, label in self.labels.items()},
            "dont_know": _text(self.dont_know),
            "display": self.display,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Scale:
        values = tuple(d["values"])
        by_text = {str(value): value for value in values}
        return cls(
            id=d["id"],
            type=d["type"],
            points=d["points"],
            values=values,
            labels={by_text[key]: dict(label) for key, label in d["labels"].items()},
            dont_know=_text(d.get("dont_know")),
            display=d.get("display", "buttons"),
        )


@dataclass(frozen=True)
class Option:
    """An answer option of a single- or multiple-choice item."""

    value: str
    label: dict[str, str]
    fixed: bool = False  # keeps its place when the options are shuffled
    other: bool = False  # "other, namely": asks for a text when chosen

    def to_dict(self) -> dict:
        return {"value": self.value, "label": dict(self.label), "fixed": self.fixed, "other": self.other}

    @classmethod
    def from_dict(cls, d: dict) -> Option:
        return cls(d["value"], dict(d["label"]), d.get("fixed", False), d.get("other", False))


@dataclass(frozen=True)
class Item:
    """A question. A matrix holds its rows as items of type ``likert``; each row is an answer column."""

    id: str
    type: str
    text: dict[str, str]
    help: dict[str, str] | None = None
    required: bool = False
    show_if: Expression | None = None
    randomize: bool = False  # options (single, multiple) or rows (matrix)
    fixed: bool = False  # keeps its place when the page's items are shuffled
    scale: Scale | None = None
    options: tuple[Option, ...] | None = None
    dont_know: dict[str, str] | None = None  # the label, when "don't know" is offered
    min: float | None = None  # number
    max: float | None = None  # number
    integer: bool | None = None  # number: whole numbers only
    min_choices: int | None = None  # multiple
    max_choices: int | None = None  # multiple
    multiline: bool | None = None  # text
    max_length: int | None = None  # text
    rows: tuple[Item, ...] | None = None  # matrix

    @property
    def labels(self) -> dict[int, dict[str, str]]:
        """The scale's point labels, e.g. the end labels of an NPS item."""
        return self.scale.labels if self.scale else {}

    @property
    def other_option(self) -> Option | None:
        """The "other, namely" option, if the item has one."""
        return next((option for option in self.options or () if option.other), None)

    @property
    def is_answer(self) -> bool:
        """Whether the item holds an answer of its own (a matrix does not; its rows do)."""
        return self.type != "matrix"

    def values(self) -> list:
        """The substantive answers allowed: scale values or option values (not ``DONT_KNOW``)."""
        if self.scale is not None:
            return list(self.scale.values)
        if self.options is not None:
            return [option.value for option in self.options]
        return []

    def range(self) -> tuple[float | None, float | None] | None:
        """(lowest, highest) numeric answer for scale and number items; ``None`` otherwise."""
        if self.scale is not None:
            return (self.scale.min, self.scale.max)
        if self.type == "number":
            return (self.min, self.max)
        return None

    def option(self, value: str) -> Option | None:
        return next((option for option in self.options or () if option.value == value), None)

    def visible(self, values: dict) -> bool:
        return self.show_if is None or self.show_if.evaluate(values)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "text": dict(self.text),
            "help": _text(self.help),
            "required": self.required,
            "show_if": self.show_if.source if self.show_if else None,
            "randomize": self.randomize,
            "fixed": self.fixed,
            "scale": self.scale.to_dict() if self.scale else None,
            "options": [option.to_dict() for option in self.options] if self.options is not None else None,
            "dont_know": _text(self.dont_know),
            "min": self.min,
            "max": self.max,
            "integer": self.integer,
            "min_choices": self.min_choices,
            "max_choices": self.max_choices,
            "multiline": self.multiline,
            "max_length": self.max_length,
            "rows": [row.to_dict() for row in self.rows] if self.rows is not None else None,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Item:
        return cls(
            id=d["id"],
            type=d["type"],
            text=dict(d["text"]),
            help=_text(d.get("help")),
            required=d.get("required", False),
            show_if=parse_expression(d["show_if"]) if d.get("show_if") is not None else None,
            randomize=d.get("randomize", False),
            fixed=d.get("fixed", False),
            scale=Scale.from_dict(d["scale"]) if d.get("scale") is not None else None,
            options=tuple(Option.from_dict(o) for o in d["options"])
            if d.get("options") is not None
            else None,
            dont_know=_text(d.get("dont_know")),
            min=d.get("min"),
            max=d.get("max"),
            integer=d.get("integer"),
            min_choices=d.get("min_choices"),
            max_choices=d.get("max_choices"),
            multiline=d.get("multiline"),
            max_length=d.get("max_length"),
            rows=tuple(cls.from_dict(r) for r in d["rows"]) if d.get("rows") is not None else None,
        )


@dataclass(frozen=True)
class Page:
    id: str
    title: dict[str, str] | None
    items: tuple[Item, ...]
    show_if: Expression | None = None
    randomize: bool = False  # shuffle the items (those with ``fixed`` keep their place)

    def visible(self, values: dict) -> bool:
        return self.show_if is None or self.show_if.evaluate(values)

    def visible_items(self, answers: dict, attributes: dict | None = None) -> list[Item]:
        """The items whose ``show_if`` holds (regardless of the page's own condition)."""
        values = logic_values(answers, attributes)
        return [item for item in self.items if item.visible(values)]

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": _text(self.title),
            "show_if": self.show_if.source if self.show_if else None,
            "randomize": self.randomize,
            "items": [item.to_dict() for item in self.items],
        }

    @classmethod
    def from_dict(cls, d: dict) -> Page:
        return cls(
            id=d["id"],
            title=_text(d.get("title")),
            items=tuple(Item.from_dict(item) for item in d["items"]),
            show_if=parse_expression(d["show_if"]) if d.get("show_if") is not None else None,
            randomize=d.get("randomize", False),
        )


@dataclass(frozen=True)
class Attribute:
    """A value carried in from the invitation (segment, channel, the contact's name...)."""

    id: str
    type: str = "text"  # text, number or choice
    values: tuple[str, ...] | None = None  # choice
    label: dict[str, str] | None = None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "values": list(self.values) if self.values is not None else None,
            "label": _text(self.label),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Attribute:
        values = d.get("values")
        return cls(
            d["id"],
            d.get("type", "text"),
            tuple(values) if values is not None else None,
            _text(d.get("label")),
        )


@dataclass(frozen=True)
class Construct:
    """A named group of items scored together (the mean, after flipping ``reverse`` items)."""

    id: str
    label: dict[str, str]
    role: str  # driver, outcome or kpi
    items: tuple[str, ...]
    reverse: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "label": dict(self.label),
            "role": self.role,
            "items": list(self.items),
            "reverse": list(self.reverse),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Construct:
        return cls(d["id"], dict(d["label"]), d["role"], tuple(d["items"]), tuple(d.get("reverse", ())))


def logic_values(answers: dict | None, attributes: dict | None) -> dict:
    """The values conditions see: attributes and answers, with "don't know" as missing."""
    values = dict(attributes or {})
    for key, value in (answers or {}).items():
        values[key] = None if value == DONT_KNOW else value
    return values


@dataclass(frozen=True)
class Questionnaire:
    id: str
    title: dict[str, str]
    intro: dict[str, str]
    thank_you: dict[str, str]
    languages: tuple[str, ...]
    default_language: str
    attributes: dict[str, Attribute] = field(default_factory=dict)
    pages: tuple[Page, ...] = ()
    constructs: dict[str, Construct] = field(default_factory=dict)
    scales: dict[str, Scale] = field(default_factory=dict)

    # --- looking things up -------------------------------------------------------------------

    def items(self) -> list[Item]:
        """Every item that holds an answer, in questionnaire order; matrices give their rows."""
        return [answer for page in self.pages for item in page.items for answer in (item.rows or (item,))]

    @cached_property
    def _index(self) -> dict[str, Item]:
        index = {}
        for page in self.pages:
            for item in page.items:
                index[item.id] = item
                for row in item.rows or ():
                    index[row.id] = row
        return index

    @cached_property
    def _pages_of(self) -> dict[str, Page]:
        pages = {}
        for page in self.pages:
            for item in page.items:
                pages[item.id] = page
                for row in item.rows or ():
                    pages[row.id] = page
        return pages

    def item(self, item_id: str) -> Item:
        """The item (or matrix, or matrix row) with this id; ``KeyError`` if there is none."""
        return self._index[item_id]

    def page_of(self, item_id: str) -> Page:
        return self._pages_of[item_id]

    def page(self, page_id: str) -> Page:
        for page in self.pages:
            if page.id == page_id:
                return page
        raise KeyError(page_id)

    def constructs_by_role(self, role: str) -> list[Construct]:
        return [construct for construct in self.constructs.values() if construct.role == role]

    # --- what a respondent sees --------------------------------------------------------------

    def visible_pages(self, answers: dict, attributes: dict | None = None) -> list[Page]:
        """Pages whose ``show_if`` holds and that have at least one visible item."""
        values = logic_values(answers, attributes)
        return [
            page
            for page in self.pages
            if page.visible(values) and any(item.visible(values) for item in page.items)
        ]

    def piping_values(self, answers: dict, attributes: dict | None, language: str) -> dict:
        """Values for :func:`render_text`: choice answers as their labels, "don't know" as missing."""
        values = dict(attributes or {})
        for key, value in (answers or {}).items():
            if value == DONT_KNOW or value is None:
                values[key] = None
                continue
            item = self._index.get(key)
            if item is not None and item.options is not None:
                chosen = value if isinstance(value, list | tuple) else [value]
                labels = []
                for one in chosen:
                    option = item.option(one)
                    labels.append(translate(option.label, language, self.default_language) if option else one)
                value = labels if isinstance(value, list | tuple) else labels[0]
            values[key] = value
        return values

    def render(
        self, text: Text | None, language: str, answers: dict | None = None, attributes: dict | None = None
    ) -> str:
        """A text of this questionnaire in ``language`` with its placeholders filled in."""
        plain = translate(text, language, self.default_language)
        return render_text(plain, self.piping_values(answers or {}, attributes, language))

    # --- the stored form ---------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "id": self.id,
            "title": dict(self.title),
            "intro": dict(self.intro),
            "thank_you": dict(self.thank_you),
            "languages": list(self.languages),
            "default_language": self.default_language,
            "attributes": [attribute.to_dict() for attribute in self.attributes.values()],
            "scales": [scale.to_dict() for scale in self.scales.values()],
            "constructs": [construct.to_dict() for construct in self.constructs.values()],
            "pages": [page.to_dict() for page in self.pages],
        }

    @classmethod
    def from_dict(cls, d: dict) -> Questionnaire:
        return cls(
            id=d["id"],
            title=dict(d["title"]),
            intro=dict(d["intro"]),
            thank_you=dict(d["thank_you"]),
            languages=tuple(d["languages"]),
            default_language=d["default_language"],
            attributes={a["id"]: Attribute.from_dict(a) for a in d.get("attributes", [])},
            pages=tuple(Page.from_dict(page) for page in d["pages"]),
            constructs={c["id"]: Construct.from_dict(c) for c in d.get("constructs", [])},
            scales={s["id"]: Scale.from_dict(s) for s in d.get("scales", [])},
        )
