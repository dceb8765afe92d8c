"""The structure of a questionnaire file, as marshmallow schemas.

These schemas check shapes and types: which keys exist, what kind of value each holds, which
keys each item type takes. References between parts (scales, items, logic) are checked in
:mod:`.rules`, which knows the whole document. Error messages are written for researchers.
"""

from __future__ import annotations

import difflib
import math
import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates_schema

from .languages import LANGUAGES
from .model import ATTRIBUTE_TYPES, DONT_KNOW, ITEM_TYPES, ROLES, SCALE_TYPES

#: Ids of items, pages, scales, option sets, constructs and attributes: usable in logic and as
#: column names.
NAME_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
#: A questionnaire id also appears in URLs and file names.
QUESTIONNAIRE_ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
OPTION_VALUE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
RESERVED_NAMES = frozenset({"and", "or", "not", "in", "true", "false", "null", DONT_KNOW})

_COMMON_ITEM_KEYS = {"id", "type", "text", "help", "required", "show_if", "fixed"}
#: The keys each item type takes besides the common ones.
ITEM_KEYS = {
    "likert": {"scale", "dont_know"},
    "nps": {"scale", "dont_know"},
    "ces": {"scale", "dont_know"},
    "rating": {"scale", "dont_know"},
    "single": {"options", "randomize", "dont_know"},
    "multiple": {"options", "randomize", "dont_know", "min_choices", "max_choices"},
    "text": {"multiline", "max_length"},
    "number": {"min", "max", "integer", "dont_know"},
    "matrix": {"scale", "rows", "randomize", "dont_know"},
}
REQUIRED_ITEM_KEYS = {
    "likert": ("scale",),
    "rating": ("scale",),
    "single": ("options",),
    "multiple": ("options",),
    "matrix": ("scale", "rows"),
}


def did_you_mean(word, candidates) -> str:
    names = sorted(candidate for candidate in candidates if isinstance(candidate, str))
    matches = difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    return f' (did you mean "{matches[0]}"?)' if matches else ""


def _kind_of(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"yes/no ({str(value).lower()})"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


_MESSAGES = {
    "required": "is required",
    "null": "is empty; give a value or leave the key out",
}


class _Field(fields.Field):
    default_error_messages = _MESSAGES

    def _validate(self, value):
        if self.validators:  # marshmallow builds an empty validator chain for every value otherwise
            super()._validate(value)


class Name(_Field):
    """An id: lowercase letters, digits and _, starting with a letter."""

    def __init__(self, pattern=NAME_RE, **kwargs):
        super().__init__(**kwargs)
        self.pattern = pattern

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(f"must be a name, not {_kind_of(value)}")
        check_name(value, self.pattern)
        return value


def check_name(value: str, pattern=NAME_RE):
    if not pattern.match(value):
        allowed = (
            "lowercase letters, digits, _ and -"
            if pattern is QUESTIONNAIRE_ID_RE
            else "lowercase letters, digits and _"
        )
        raise ValidationError(f'"{value}" is not a valid name: use {allowed}, starting with a letter')
    if len(value) > 100:
        raise ValidationError("is longer than 100 characters")
    if value in RESERVED_NAMES:
        raise ValidationError(f'"{value}" is a reserved word')


class Flag(_Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError(f"must be true or false, not {_kind_of(value)}")
        return value


class Integer(_Field):
    def __init__(self, minimum=None, maximum=None, **kwargs):
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"must be a whole number, not {_kind_of(value)}")
        if self.minimum is not None and value < self.minimum:
            raise ValidationError(f"must be at least {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise ValidationError(f"must be at most {self.maximum}")
        return value


class Number(_Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(f"must be a number, not {_kind_of(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError("must be a finite number")
        if abs(value) > 1e15:
            raise ValidationError("is too large")
        return value


class Condition(_Field):
    """A display condition; parsed and checked against the items in :mod:`.rules`."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(f'must be a condition in text, e.g. "nps <= 6", not {_kind_of(value)}')
        return value


class Text(_Field):
    """One string for every language, or a mapping ``{nl: ..., en: ...}``.

    Completeness against the questionnaire's languages is checked in :mod:`.rules`.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            errors = {}
            result = {}
            for language, text in value.items():
                if language not in LANGUAGES:
                    errors[language] = [
                        f'unknown language "{language}"{did_you_mean(language, LANGUAGES)}; '
                        f"languages are {', '.join(LANGUAGES)}"
                    ]
                    continue
                try:
                    result[language] = _plain_text(text)
                except ValidationError as error:
                    errors[language] = error.messages
            if errors:
                raise ValidationError(errors)
            if not result:
                raise ValidationError("is empty; give the text, or one per language")
            return result
        return _plain_text(value)


def _plain_text(value) -> str:
    if isinstance(value, bool):
        raise ValidationError(f"must be text; YAML read this as {_kind_of(value)}, so put it in quotes")
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise ValidationError(f"must be text, not {_kind_of(value)}")
    return value


class DontKnow(_Field):
    """``true``/``false``, or the label to show for "don't know"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        return _TEXT._deserialize(value, attr, data)


class List(fields.List):
    default_error_messages = {**_MESSAGES, "invalid": "must be a list"}

    def __init__(self, inner, *, non_empty=False, **kwargs):
        super().__init__(inner, **kwargs)
        self.non_empty = non_empty

    def _validate(self, value):
        if self.validators:
            super()._validate(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ValidationError(f"must be a list, not {_kind_of(value)}")
        result = super()._deserialize(value, attr, data, **kwargs)
        if self.non_empty and not result:
            raise ValidationError("must not be empty")
        return result


class Named(_Field):
    """A mapping of names to definitions: ``scales: {agree5: {...}, ...}``."""

    def __init__(self, values: fields.Field, **kwargs):
        super().__init__(**kwargs)
        self.values = values

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError(f"must be a mapping of names to definitions, not {_kind_of(value)}")
        result, errors = {}, {}
        for name, definition in value.items():
            try:
                if not isinstance(name, str):
                    raise ValidationError(f"{name!r} is not a valid name")
                check_name(name)
            except ValidationError as error:
                errors[name] = error.messages
                continue
            try:
                result[name] = self.values.deserialize(definition)
            except ValidationError as error:
                errors[name] = error.messages
        if errors:
            raise ValidationError(errors)
        return result


class OptionsOrName(_Field):
    """``options: channels`` (an option set) or an inline list of options."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return _OPTION_LIST.deserialize(value)
        raise ValidationError(
            f"must be the name of an option set or a list of options, not {_kind_of(value)}"
        )


class Labels(_Field):
    """Scale point labels: ``{1: ..., 5: ...}``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError(
                f"must be a mapping of points to labels, e.g. 1: Helemaal mee oneens, not {_kind_of(value)}"
            )
        result, errors = {}, {}
        for point, label in value.items():
            if isinstance(point, bool) or not isinstance(point, int):
                errors[point] = [f"{point!r} is not a point of the scale: use a whole number"]
                continue
            try:
                result[point] = _TEXT.deserialize(label)
            except ValidationError as error:
                errors[point] = error.messages
        if errors:
            raise ValidationError(errors)
        return result


class OptionValue(_Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValidationError(f"must be a short code such as a, b or web, not {_kind_of(value)}")
        if not OPTION_VALUE_RE.match(value) or len(value) > 50:
            raise ValidationError(f'"{value}" is not a valid option value: use letters, digits, _, - and .')
        if value == DONT_KNOW:
            raise ValidationError(f'"{DONT_KNOW}" is reserved for "don\'t know"; use dont_know: true')
        return value


class Choice(_Field):
    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or value not in self.choices:
            shown = value if isinstance(value, str) else _kind_of(value)
            raise ValidationError(
                f'"{shown}" is not one of {", ".join(self.choices)}{did_you_mean(shown, self.choices)}'
            )
        return value


# --- schemas --------------------------------------------------------------------------------------


class StrictSchema(Schema):
    """Reports every key it does not know, with a suggestion for typos."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": "must be a mapping (key: value lines)"}

    def known_keys(self, original) -> set:
        try:
            return self._known_keys
        except AttributeError:
            self._known_keys = {field.data_key or name for name, field in self.load_fields.items()}
            return self._known_keys

    def suggested_keys(self, original) -> set:
        return self.known_keys(original)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _reject_unknown_keys(self, data, original_data, **kwargs):
        if not isinstance(original_data, dict):
            return
        known = self.known_keys(original_data)
        errors = {
            key: [f'unknown key "{key}"{did_you_mean(key, self.suggested_keys(original_data))}']
            for key in original_data
            if key not in known
        }
        if errors:
            raise ValidationError(errors)


class OptionSchema(StrictSchema):
    value = OptionValue(required=True)
    label = Text(required=True)
    fixed = Flag(load_default=False)
    other = Flag(load_default=False)


#: Field and schema instances used inside other fields: made once, like marshmallow's own.
_TEXT = Text()
_OPTION_LIST = List(fields.Nested(OptionSchema), non_empty=True)


class ScaleSchema(StrictSchema):
    type = Choice(SCALE_TYPES, required=True)
    points = Integer()
    start = Integer(minimum=-100, maximum=100)
    labels = Labels(load_default=dict)
    dont_know = DontKnow(load_default=False)
    display = Choice(("buttons", "stars"), load_default="buttons")

    @validates_schema(skip_on_field_errors=False)
    def _check_points(self, data, **kwargs):
        kind = data.get("type")
        points = data.get("points")
        errors = {}
        if kind == "likert" and points not in (5, 7):
            errors["points"] = ["a likert scale has 5 or 7 points"]
        elif kind == "nps" and points not in (None, 11):
            errors["points"] = ["an NPS scale always has 11 points (0-10); leave points out"]
        elif kind == "ces" and points not in (None, 7):
            errors["points"] = ["a CES scale always has 7 points; leave points out"]
        elif kind == "rating" and not (isinstance(points, int) and 2 <= points <= 11):
            errors["points"] = ["a rating scale needs points: 2 to 11"]
        if kind in SCALE_TYPES and kind != "rating":
            if data.get("start") is not None:
                errors["start"] = ["only a rating scale takes start"]
            if data.get("display") == "stars":
                errors["display"] = ["only a rating scale can show stars"]
        if errors:
            raise ValidationError(errors)


class AttributeSchema(StrictSchema):
    type = Choice(ATTRIBUTE_TYPES, load_default="text")
    values = List(OptionValue(), non_empty=True)
    label = Text()

    @validates_schema(skip_on_field_errors=False)
    def _check_values(self, data, **kwargs):
        if data.get("type") == "choice" and "values" not in data:
            raise ValidationError({"values": ["a choice attribute lists its values"]})
        if data.get("type") in ("text", "number") and data.get("values") is not None:
            raise ValidationError({"values": ["only a choice attribute lists values"]})


_ATTRIBUTE_SCHEMA = AttributeSchema()


class AttributeField(_Field):
    """``segment: {type: choice, values: [...]}`` or the short ``crm_id: text``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {"type": value}
        elif value is None:
            value = {}
        return _ATTRIBUTE_SCHEMA.load(value)


class ConstructSchema(StrictSchema):
    label = Text(required=True)
    role = Choice(ROLES, required=True)
    items = List(Name(), required=True, non_empty=True)
    reverse = List(Name(), load_default=list)


class RowSchema(StrictSchema):
    id = Name(required=True)
    text = Text(required=True)
    fixed = Flag(load_default=False)


class ItemSchema(StrictSchema):
    id = Name(required=True)
    type = Choice(ITEM_TYPES, required=True)
    text = Text(required=True)
    help = Text()
    required = Flag(load_default=False)
    show_if = Condition()
    fixed = Flag(load_default=False)
    randomize = Flag(load_default=False)
    scale = Name()
    options = OptionsOrName()
    dont_know = DontKnow()
    min = Number()
    max = Number()
    integer = Flag()
    min_choices = Integer(minimum=0)
    max_choices = Integer(minimum=1)
    multiline = Flag()
    max_length = Integer(minimum=1, maximum=100_000)
    rows = List(fields.Nested(RowSchema), non_empty=True)

    def suggested_keys(self, original) -> set:
        kind = original.get("type")
        if isinstance(kind, str) and kind in ITEM_KEYS:
            return _COMMON_ITEM_KEYS | ITEM_KEYS[kind]
        return super().known_keys(original)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_type_keys(self, data, original_data, **kwargs):
        if not isinstance(original_data, dict):
            return
        kind = original_data.get("type")
        kind = kind if isinstance(kind, str) else None
        errors = {}
        if kind in ITEM_KEYS:
            for key in original_data:
                if key in self.load_fields and key not in _COMMON_ITEM_KEYS | ITEM_KEYS[kind]:
                    errors[key] = [f"a {kind} item does not take {key}"]
            for key in REQUIRED_ITEM_KEYS.get(kind, ()):
                if key not in original_data:
                    errors[key] = [f"a {kind} item needs {key}"]
        if kind == "number" and not errors:
            low, high = data.get("min"), data.get("max")
            if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
                errors["max"] = [f"max ({high}) is below min ({low})"]
            if data.get("integer", True):
                for key in ("min", "max"):
                    if isinstance(data.get(key), float) and not data[key].is_integer():
                        errors[key] = [
                            "is not a whole number, but the item asks for whole numbers (integer: true)"
                        ]
        if kind == "multiple":
            low, high = data.get("min_choices"), data.get("max_choices")
            if low is not None and high is not None and low > high:
                errors["max_choices"] = [f"max_choices ({high}) is below min_choices ({low})"]
        if errors:
            raise ValidationError(errors)


class PageSchema(StrictSchema):
    id = Name(required=True)
    title = Text()
    show_if = Condition()
    randomize = Flag(load_default=False)
    items = List(fields.Nested(ItemSchema), required=True, non_empty=True)


class QuestionnaireSchema(StrictSchema):
    id = Name(QUESTIONNAIRE_ID_RE, required=True)
    title = Text(required=True)
    intro = Text()
    thank_you = Text()
    languages = List(Choice(LANGUAGES), required=True, non_empty=True)
    default_language = Choice(LANGUAGES)
    attributes = Named(AttributeField(), load_default=dict)
    scales = Named(fields.Nested(ScaleSchema), load_default=dict)
    options = Named(List(fields.Nested(OptionSchema), non_empty=True), load_default=dict)
    constructs = Named(fields.Nested(ConstructSchema), load_default=dict)
    pages = List(fields.Nested(PageSchema), required=True, non_empty=True)

    @validates_schema(skip_on_field_errors=False)
    def _check_languages(self, data, **kwargs):
        languages = data.get("languages") or []
        if len(set(languages)) != len(languages):
            raise ValidationError({"languages": ["lists a language twice"]})
        default = data.get("default_language")
        if default is not None and languages and default not in languages:
            raise ValidationError({"default_language": [f'"{default}" is not one of the languages offered']})


def structure_errors(data) -> tuple[dict | None, dict]:
    """Load ``data`` with :class:`QuestionnaireSchema`: (loaded data or None, nested errors)."""
    if not isinstance(data, dict):
        return None, {
            "_schema": [
                f"the file must be a mapping of keys such as id, title and pages, not {_kind_of(data)}"
            ]
        }
    try:
        return QuestionnaireSchema().load(data), {}
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return None, messages
