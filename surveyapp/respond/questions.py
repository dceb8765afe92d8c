"""What the templates show for each question: texts in the respondent's language, the
choices in the respondent's order, what is filled in, and the message if any.

Texts stay plain strings here; Jinja escapes them. Nothing from a questionnaire file or an
answer is ever marked safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..questionnaire import DONT_KNOW, Item, translate
from ..questionnaire.texts import render_text
from .forms import dont_know_field_name, field_name, other_field_name
from .journey import Journey


@dataclass
class Choice:
    value: str
    label: str
    input_id: str
    checked: bool = False
    number: str = ""  # the point's number on a scale ("7"), shown in the button
    other: bool = False


@dataclass
class Question:
    id: str
    type: str
    name: str
    text: str
    help: str = ""
    required: bool = False
    error: str | None = None
    choices: list[Choice] = field(default_factory=list)
    dont_know: Choice | None = None
    multiple: bool = False
    #: "points": a row of numbered buttons with anchor labels (NPS, partly labelled scales);
    #: "labelled": every point has a label (a column on a phone, a row on a wide screen);
    #: "list": options of a single/multiple choice question.
    layout: str = "list"
    anchors: list[str] = field(default_factory=list)
    other_name: str = ""
    other_id: str = ""
    other_text: str = ""
    dont_know_name: str = ""  # text and number questions: the "don't know" tick box
    value: str = ""  # text and number questions
    multiline: bool = False
    integer: bool = False
    max_length: int | None = None
    rows: list[Question] = field(default_factory=list)
    header: list[str] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"q-{self.id}"

    @property
    def error_id(self) -> str:
        return f"q-{self.id}-error"

    @property
    def help_id(self) -> str:
        return f"q-{self.id}-help"

    @property
    def anchor(self) -> str:
        """The id of the field the error summary links to: the first input."""
        if self.rows:
            return self.rows[0].anchor
        if self.choices:
            return self.choices[0].input_id
        return f"{self.dom_id}-input"

    @property
    def columns(self) -> int:
        return len(self.choices) + (1 if self.dont_know else 0)

    @property
    def described_by(self) -> str:
        ids = []
        if self.help:
            ids.append(self.help_id)
        if self.error:
            ids.append(self.error_id)
        return " ".join(ids)

    def errors(self) -> list[Question]:
        """This question, or its matrix rows, that carry a message: the error summary's entries."""
        if self.rows:
            return [row for row in self.rows if row.error]
        return [self] if self.error else []


class QuestionBuilder:
    """Builds :class:`Question` objects for one page view."""

    def __init__(self, journey: Journey, language: str, answers: dict, *, raw: dict | None = None,
                 raw_other: dict | None = None, other_texts: dict | None = None, errors: dict | None = None):
        self.journey = journey
        self.questionnaire = journey.questionnaire
        self.language = language
        self.answers = answers
        self.piping = journey.piping_values(answers, language)
        # On a re-shown page what was posted wins over what is stored.
        self.raw = raw or {}
        self.raw_other = raw_other or {}
        self.other_texts = other_texts or {}
        self.errors = errors or {}

    def text(self, text) -> str:
        return render_text(translate(text, self.language, self.questionnaire.default_language), self.piping)

    def label(self, text) -> str:
        return translate(text, self.language, self.questionnaire.default_language)

    def selected(self, item: Item) -> list[str]:
        if item.id in self.raw:
            return [value for value in self.raw[item.id] if value]
        value = self.answers.get(item.id)
        if value is None:
            return []
        if isinstance(value, list):
            return [str(one) for one in value]
        return [str(value) if not isinstance(value, float) or not value.is_integer() else str(int(value))]

    def question(self, item: Item) -> Question:
        question = Question(
            id=item.id,
            type=item.type,
            name=field_name(item.id),
            text=self.text(item.text),
            help=self.text(item.help) if item.help else "",
            required=item.required,
            error=self.errors.get(item.id),
        )
        if item.type == "matrix":
            return self._matrix(item, question)
        selected = self.selected(item)
        if item.scale is not None:
            self._scale(item, question, selected)
        elif item.options is not None:
            self._options(item, question, selected)
        else:
            self._open(item, question, selected)
        if item.dont_know and item.type not in ("text", "number"):
            question.dont_know = Choice(DONT_KNOW, self.label(item.dont_know), f"{question.dom_id}-dk",
                                        checked=DONT_KNOW in selected)
        return question

    def _scale(self, item: Item, question: Question, selected: list[str]) -> None:
        scale = item.scale
        labelled = all(value in scale.labels for value in scale.values)
        question.layout = "labelled" if labelled else "points"
        for value in scale.values:
            label = self.label(scale.labels.get(value)) if value in scale.labels else ""
            question.choices.append(Choice(str(value), label, f"{question.dom_id}-{value}",
                                           checked=str(value) in selected, number=str(value)))
        if not labelled:
            question.anchors = [self.label(scale.labels[value]) if value in scale.labels else ""
                                for value in (scale.min, scale.max)]

    def _options(self, item: Item, question: Question, selected: list[str]) -> None:
        question.multiple = item.type == "multiple"
        for index, option in enumerate(self.journey.options(item)):
            question.choices.append(Choice(option.value, self.label(option.label), f"{question.dom_id}-o{index}",
                                           checked=option.value in selected, other=option.other))
            if option.other:
                question.other_name = other_field_name(item.id)
                question.other_id = f"{question.dom_id}-other"
                question.other_text = self.raw_other.get(item.id, self.other_texts.get(item.id) or "")

    def _open(self, item: Item, question: Question, selected: list[str]) -> None:
        question.multiline = bool(item.multiline)
        question.integer = bool(item.integer)
        question.max_length = item.max_length
        values = [value for value in selected if value != DONT_KNOW]
        question.value = values[0] if values else ""
        if item.dont_know:
            question.dont_know = Choice(DONT_KNOW, self.label(item.dont_know), f"{question.dom_id}-dk",
                                        checked=DONT_KNOW in selected)
            question.dont_know_name = dont_know_field_name(item.id)

    def _matrix(self, item: Item, question: Question) -> Question:
        rows = self.journey.rows(item, self.answers)
        question.rows = [self.question(row) for row in rows]
        first = question.rows[0] if question.rows else None
        if first is not None:
            question.header = [choice.label or choice.number for choice in first.choices]
            if first.dont_know:
                question.header.append(first.dont_know.label)
        return question


def page_context(journey: Journey, page, answers: dict, language: str, *, posted=None,
                 other_texts: dict | None = None) -> dict:
    """What a questionnaire page's template needs: its questions with their values and errors,
    texts, position and languages. For respondents' pages and the back office's preview alike."""
    questionnaire = journey.questionnaire
    builder = QuestionBuilder(
        journey, language, answers,
        raw=posted.raw if posted else None,
        raw_other=posted.raw_other if posted else None,
        other_texts=other_texts,
        errors=posted.errors if posted else None,
    )
    questions = [builder.question(item) for item in journey.items(page, answers)]
    position = journey.position(page, answers)
    return dict(
        survey_title=builder.label(questionnaire.title),
        page_title=builder.text(page.title) if page.title else "",
        intro=builder.text(questionnaire.intro) if position.first else "",
        page=page,
        position=position,
        questions=questions,
        errors=[entry for question in questions for entry in question.errors()],
        last=journey.next_page(page, answers) is None,
        languages=[other for other in questionnaire.languages if other != language],
        page_language=language,
    )
