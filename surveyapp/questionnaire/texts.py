"""Texts in several languages, and piping answers and attributes into them.

A text in a questionnaire file is one string (the same in every language) or a mapping per
language. After loading, every text is a full ``{language: str}`` mapping.

Placeholders are names in single braces: ``"Beste {name},"``, ``"U gaf ons een {nps}."``.
``{name|klant}`` gives a fallback used when the value is missing. ``{{`` and ``}}`` write a
literal brace. Texts are plain text: rendering inserts values as they are and never produces
markup; escaping for HTML is the template's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .languages import LANGUAGES

#: Default label of the "don't know / not applicable" answer.
DONT_KNOW_LABEL = {"nl": "Weet niet / n.v.t.", "en": "Don't know / not applicable"}
#: Default closing text.
THANK_YOU = {"nl": "Hartelijk dank voor het invullen!", "en": "Thank you for taking part!"}

_PLACEHOLDER_RE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|(.*))?", re.DOTALL)


@dataclass(frozen=True)
class Placeholder:
    name: str
    fallback: str | None
    position: int  # 0-based offset of the opening brace


class TextError(ValueError):
    def __init__(self, message: str, position: int):
        super().__init__(message)
        self.message = message
        self.position = position


_BRACE_RE = re.compile(r"[{}]")


def parse_text(text: str) -> list[str | Placeholder]:
    """Split ``text`` into literal parts and placeholders; raises :class:`TextError`."""
    parts: list[str | Placeholder] = []
    literal = []
    position = 0
    while position < len(text):
        brace = _BRACE_RE.search(text, position)
        if brace is None:
            literal.append(text[position:])
            break
        if brace.start() > position:
            literal.append(text[position : brace.start()])
            position = brace.start()
        char = text[position]
        if char == "{" and text.startswith("{{", position):
            literal.append("{")
            position += 2
        elif char == "}" and text.startswith("}}", position):
            literal.append("}")
            position += 2
        elif char == "{":
            end = text.find("}", position)
            if end < 0:
                raise TextError("{ without closing } (write {{ for a brace)", position)
            inner = text[position + 1 : end]
            match = _PLACEHOLDER_RE.fullmatch(inner)
            if not match or "{" in inner:
                raise TextError(
                    f"{{{inner}}} is not a placeholder; write {{name}} or {{name|fallback}}", position
                )
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(Placeholder(match.group(1), match.group(2), position))
            position = end + 1
        else:
            raise TextError("} without opening { (write }} for a brace)", position)
    if literal:
        parts.append("".join(literal))
    return parts


def placeholders(text: str) -> list[Placeholder]:
    return [part for part in parse_text(text) if isinstance(part, Placeholder)]


def format_value(value) -> str:
    """A value as plain text: lists joined with commas, 7.0 as 7, missing as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return ", ".join(format_value(one) for one in value if one is not None)
    return str(value)


def render_text(text: str, values: dict) -> str:
    """``text`` with every placeholder replaced by its value from ``values``, as plain text.

    A missing or empty value gives the placeholder's fallback, or an empty string. A text that
    does not parse (it never does after validation) is returned unchanged.
    """
    try:
        parts = parse_text(text)
    except TextError:
        return text
    out = []
    for part in parts:
        if isinstance(part, Placeholder):
            value = format_value(values.get(part.name))
            if value == "" and part.fallback is not None:
                value = part.fallback
            out.append(value)
        else:
            out.append(part)
    return "".join(out)


def translate(text: dict | None, language: str, default_language: str | None = None) -> str:
    """The text in ``language``, falling back to the default language, then to any."""
    if not text:
        return ""
    for candidate in (language, default_language, *LANGUAGES):
        if candidate in text:
            return text[candidate]
    return next(iter(text.values()))


def full_text(value, languages) -> dict[str, str]:
    """A validated text (str or mapping) as a ``{language: str}`` mapping over ``languages``."""
    if isinstance(value, str):
        return {language: value for language in languages}
    return {language: value[language] for language in languages}
