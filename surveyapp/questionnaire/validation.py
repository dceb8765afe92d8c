"""Reading a questionnaire file: every problem at once, each with file, line and column."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from .errors import Problem, QuestionnaireError, format_path
from .loader import Document, decode, paused_gc, read_yaml
from .model import Questionnaire
from .rules import check, normalize
from .schema import structure_errors

log = logging.getLogger(__name__)

#: Larger files are certainly not questionnaires (the loyalty tracker is ~15 kB).
MAX_FILE_SIZE = 2_000_000


def _flatten(errors, path=()):
    """marshmallow's nested error dict -> (path, message) pairs."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _flatten(value, path if key == "_schema" else path + (key,))
    elif isinstance(errors, list | tuple):
        for message in errors:
            yield from _flatten(message, path)
    else:
        yield path, str(errors)


def _located(name: str, document: Document, path: tuple, message: str, offset: int | None = None) -> Problem:
    position = document.position(path)
    line = column = None
    if position is not None:
        line, column = position.line, position.column
    value = document.value_positions.get(path)
    if offset is not None and value is not None and value.single_line:
        line, column = value.line, value.column + offset + (1 if value.quoted else 0)
    return Problem(name, line, column, format_path(path), message)


def check_text(text: str, name: str = "<text>") -> tuple[dict | None, list[Problem]]:
    """Validate YAML ``text``: (normalized definition or None, problems). Never raises."""
    try:
        with paused_gc():  # many small objects, no cycles: see loader.paused_gc
            return _check_text(text, name)
    except Exception:  # a bug here must not take the caller down with something else than problems
        log.exception("unexpected error while checking %s", name)
        return None, [
            Problem(name, None, None, "", "internal error while checking this file; please report it")
        ]


def _check_text(text: str, name: str) -> tuple[dict | None, list[Problem]]:
    document = read_yaml(text)
    problems = [
        Problem(name, pos.line if pos else None, pos.column if pos else None, format_path(path), message)
        for message, path, pos in document.problems
    ]
    if document.data is None:
        if not problems:
            problems.append(Problem(name, 1, 1, "", "the file holds no questionnaire, only an empty value"))
        return None, problems
    try:
        loaded, errors = structure_errors(document.data)
        found = [(path, message, None) for path, message in _flatten(errors)]
        found += check(document.data)
    except RecursionError:
        return None, problems + [Problem(name, None, None, "", "the document is nested too deeply")]
    seen = set()
    for path, message, offset in found:
        if (path, message) in seen:
            continue
        seen.add((path, message))
        problems.append(_located(name, document, path, message, offset))
    if problems or loaded is None:
        return None, sorted(problems, key=_order)
    return normalize(loaded), []


def _order(problem: Problem):
    return (problem.line or 0, problem.column or 0, problem.path, problem.message)


def _read(path) -> tuple[str | None, str, list[Problem]]:
    name = os.path.basename(str(path)) or str(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_SIZE:
            return None, name, [Problem(name, None, None, "", f"the file is too large ({size} bytes)")]
        data = Path(path).read_bytes()
    except OSError as error:
        return None, name, [Problem(name, None, None, "", f"cannot read the file: {error.strerror or error}")]
    text, failure = decode(data)
    if failure is not None:
        message, position = failure
        return None, name, [Problem(name, position.line, position.column, "", message)]
    return text, name, []


def validate_file(path) -> list[Problem]:
    """Every problem in the questionnaire file at ``path``; an empty list when it is valid."""
    text, name, problems = _read(path)
    if text is None:
        return problems
    return check_text(text, name)[1]


def load_questionnaire(path) -> Questionnaire:
    """Read and validate the file at ``path``; raises :class:`QuestionnaireError` listing every problem."""
    text, name, problems = _read(path)
    if text is None:
        raise QuestionnaireError(problems)
    definition, problems = check_text(text, name)
    if problems:
        raise QuestionnaireError(problems)
    return Questionnaire.from_dict(definition)


def loads_questionnaire(text: str, name: str = "<text>") -> Questionnaire:
    """Like :func:`load_questionnaire`, for YAML text already in memory."""
    definition, problems = check_text(text, name)
    if problems:
        raise QuestionnaireError(problems)
    return Questionnaire.from_dict(definition)
