"""The questionnaire format: YAML files written by researchers, as a library.

No Flask and no database here: load and validate a file, get frozen dataclasses and a normalized
definition (a JSON-serializable dict) that the rest of the application stores and builds on.
See docs/questionnaire-format.md.
"""

from .errors import Problem, QuestionnaireError
from .expressions import Expression, ExpressionError, parse_expression
from .languages import LANGUAGES
from .model import (
    DONT_KNOW,
    ITEM_TYPES,
    ROLES,
    Attribute,
    Construct,
    Item,
    Option,
    Page,
    Questionnaire,
    Scale,
)
from .randomization import ordered_items, ordered_options, ordered_rows, respondent_order
from .texts import render_text, translate
from .validation import load_questionnaire, loads_questionnaire, validate_file
from .versions import Change, compare_versions, content_hash

__all__ = [
    "DONT_KNOW",
    "ITEM_TYPES",
    "LANGUAGES",
    "ROLES",
    "Attribute",
    "Change",
    "Construct",
    "Expression",
    "ExpressionError",
    "Item",
    "Option",
    "Page",
    "Problem",
    "Questionnaire",
    "QuestionnaireError",
    "Scale",
    "compare_versions",
    "content_hash",
    "load_questionnaire",
    "loads_questionnaire",
    "ordered_items",
    "ordered_options",
    "ordered_rows",
    "parse_expression",
    "render_text",
    "respondent_order",
    "translate",
    "validate_file",
]
