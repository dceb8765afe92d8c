from pathlib import Path
from textwrap import dedent

import pytest

from surveyapp.questionnaire import validate_file

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"

#: A small valid questionnaire; tests change one thing at a time.
MINIMAL = """\
id: mini
title: {nl: Mini, en: Mini}
languages: [nl, en]
attributes:
  segment: {type: choice, values: [large, small]}
scales:
  agree5:
    type: likert
    points: 5
pages:
  - id: first
    items:
      - id: q1
        type: likert
        scale: agree5
        text: {nl: Een, en: One}
"""


@pytest.fixture
def check(tmp_path):
    """Write YAML text to a file and return its problems as strings."""

    def check(text: str, name: str = "test.yaml") -> list[str]:
        path = tmp_path / name
        path.write_text(dedent(text), encoding="utf-8")
        return [str(problem) for problem in validate_file(path)]

    return check


def has(problems: list[str], prefix: str, fragment: str = "") -> bool:
    """Whether one problem starts with ``prefix`` (file:line:col: path) and contains ``fragment``."""
    return any(problem.startswith(prefix) and fragment in problem for problem in problems)
