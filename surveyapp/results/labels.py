"""The names and numbers of an analysis as a reader sees them, in the reader's language.

The charts, the workbook, the PDF and the CRM file show constructs, KPIs, quadrants and
numbers the same way: through :class:`Labels`. Texts come from the Babel catalogs, so code
that uses them runs inside :func:`in_language` (a request already has a language; the CLI
chooses one with ``--language``).
"""

from __future__ import annotations

import math
from contextlib import contextmanager

from babel.numbers import format_decimal, format_percent
from flask_babel import force_locale
from flask_babel import gettext as _

from ..questionnaire import Questionnaire, translate

#: Display patterns per style (Babel in text, Excel in workbooks); the same as results/_numbers.html.
NUMBER_PATTERNS = {
    "percent": ("#,##0%", "0%"),
    "share": ("#,##0.0%", "0.0%"),
    "index": ("#,##0.0", "0.0"),
    "coefficient": ("#,##0.000", "0.000"),
    "score": ("#,##0.00", "0.00"),
    "p": ("0.000", "0.000"),
    "count": ("#,##0", "#,##0"),
}


@contextmanager
def in_language(language: str):
    """Translate texts (``gettext``) into ``language`` inside the block."""
    with force_locale(language):
        yield


class Labels:
    """Names of constructs, KPIs, items and attributes, and numbers, in one language."""

    def __init__(self, questionnaire: Questionnaire, language: str):
        self.questionnaire = questionnaire
        self.language = language

    # --- names ------------------------------------------------------------------------------

    def text(self, text: dict | None, fallback: str = "") -> str:
        if not text:
            return fallback
        return translate(text, self.language, self.questionnaire.default_language)

    def construct(self, name: str) -> str:
        from .survey_analysis import LOYALTY_INDEX

        construct = self.questionnaire.constructs.get(name)
        if construct is None:
            return _("Loyalty index") if name == LOYALTY_INDEX else name
        return self.text(construct.label, name)

    def kpi(self, name: str, spec: dict) -> str:
        from .survey_analysis import LOYALTY_INDEX

        if name == LOYALTY_INDEX:
            return _("Loyalty index (0–100)")
        label = self.construct(spec["column"])
        kind = spec["kind"]
        if kind == "nps":
            return _("Net Promoter Score (%(label)s)", label=label)
        if kind == "top2box":
            return _("%(label)s: top 2 box", label=label)
        if kind == "low_effort":
            return _("%(label)s: low effort (%(threshold)s or more of %(maximum)s)", label=label,
                     threshold=spec["threshold"], maximum=spec["scale_max"])
        return label

    def quadrant(self, key: str) -> str:
        return {
            "fix first": _("Fix first"),
            "keep up": _("Keep up"),
            "possible overkill": _("Possible overkill"),
            "low priority": _("Low priority"),
        }.get(key, key)

    def attribute(self, name: str) -> str:
        attribute = self.questionnaire.attributes.get(name)
        if name == "language":
            return _("Language")
        if name == "wave":
            return _("Wave")
        if attribute is None or not attribute.label:
            return name.replace("_", " ")
        return self.text(attribute.label, name)

    def item(self, item_id: str) -> str:
        try:
            item = self.questionnaire.item(item_id)
        except KeyError:
            return item_id
        return self.text(item.text, item_id)

    def careless_flag(self, name: str) -> str:
        """A careless-response flag (see :mod:`surveyapp.analysis.careless`)."""
        return {
            "speeder": _("speeder"),
            "straightliner": _("straightliner"),
            "duplicate": _("duplicate"),
            "inconsistent": _("inconsistent"),
        }.get(name, name)

    def careless_flags(self, names) -> str:
        """A response's flags, named and joined: "speeder, duplicate" ("" for none)."""
        return ", ".join(self.careless_flag(name) for name in names)

    def versions(self, numbers) -> str:
        """The questionnaire versions a definition of a KPI holds for: "version 1", "versions 2, 3"."""
        numbers = [str(n) for n in numbers]
        if len(numbers) == 1:
            return _("version %(number)s", number=numbers[0])
        return _("versions %(numbers)s", numbers=", ".join(numbers))

    def relationship_cell(self, row) -> str:
        return row["segment_nl"] if self.language == "nl" else row["segment_en"]

    # --- numbers ----------------------------------------------------------------------------

    def number(self, value, style: str = "score") -> str:
        """``value`` formatted for reading (a dash when it is missing)."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "–"
        pattern = NUMBER_PATTERNS.get(style, NUMBER_PATTERNS["score"])[0]
        if style in ("percent", "share"):
            return format_percent(value, pattern, locale=self.language)
        return format_decimal(value, pattern, locale=self.language)

    def interval(self, low, high, style: str = "score") -> str:
        if not _finite(low) or not _finite(high):
            return "–"
        return f"{self.number(low, style)} – {self.number(high, style)}"

    def p_value(self, value) -> str:
        if not _finite(value):
            return "–"
        if value < 0.001:
            return "< " + format_decimal(0.001, "0.000", locale=self.language)
        return format_decimal(value, "0.000", locale=self.language)


def kpi_style(name: str, spec: dict) -> str:
    """How a KPI's value is shown: as a percentage, an index (NPS, loyalty index) or a score."""
    from .survey_analysis import LOYALTY_INDEX

    if spec["kind"] in ("top2box", "low_effort"):
        return "percent"
    if spec["kind"] == "nps" or name == LOYALTY_INDEX:
        return "index"
    return "score"


def excel_format(style: str) -> str:
    return NUMBER_PATTERNS.get(style, NUMBER_PATTERNS["score"])[1]


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
