"""Whatever the file holds, loading gives a Questionnaire or a QuestionnaireError, nothing else."""

import json
import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveyapp.questionnaire import Questionnaire, QuestionnaireError, load_questionnaire, loads_questionnaire

from .conftest import QUESTIONNAIRES

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHIPPED_TEXT = {path.name: path.read_text(encoding="utf-8") for path in sorted(QUESTIONNAIRES.glob("*.yaml"))}
SHIPPED_DATA = {name: yaml.safe_load(text) for name, text in SHIPPED_TEXT.items()}

KEYS = sorted(
    {
        "id",
        "title",
        "intro",
        "thank_you",
        "languages",
        "default_language",
        "attributes",
        "scales",
        "options",
        "constructs",
        "pages",
        "items",
        "type",
        "text",
        "help",
        "required",
        "show_if",
        "randomize",
        "fixed",
        "scale",
        "dont_know",
        "min",
        "max",
        "integer",
        "min_choices",
        "max_choices",
        "multiline",
        "max_length",
        "rows",
        "points",
        "start",
        "labels",
        "display",
        "value",
        "label",
        "other",
        "role",
        "reverse",
        "values",
        "nl",
        "en",
        "likert",
        "nps",
        "matrix",
        "single",
        "multiple",
    }
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(KEYS + ["nps <= 6", "{name}", "{", "}", "a in [", "agree5", "q1", "driver", "dk", ""]),
    st.text(max_size=20),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.integers()), children, max_size=6
        ),
    ),
    max_leaves=40,
)


def outcome(text: str):
    """Load ``text``; only a Questionnaire or a QuestionnaireError may come out."""
    try:
        questionnaire = loads_questionnaire(text, "fuzz.yaml")
    except QuestionnaireError as error:
        assert error.problems
        lines = len(re.findall("\r\n|[\r\n\x85\u2028\u2029]", text)) + 2  # YAML's line breaks
        for problem in error.problems:
            assert problem.file == "fuzz.yaml"
            assert problem.line is None or 1 <= problem.line <= lines
            assert str(problem)
            assert "internal error" not in problem.message
        return error
    definition = questionnaire.to_dict()
    assert Questionnaire.from_dict(json.loads(json.dumps(definition))).to_dict() == definition
    return questionnaire


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text):
    outcome(text)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_in_a_file(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "garbage.yaml"
    path.write_bytes(data)
    try:
        load_questionnaire(path)
    except QuestionnaireError:
        pass


@FUZZ
@given(documents)
def test_random_yaml_documents(document):
    outcome(yaml.safe_dump(document, allow_unicode=True))


@FUZZ
@given(st.sampled_from(sorted(SHIPPED_TEXT)), st.data())
def test_mangled_lines_of_the_shipped_questionnaires(name, data):
    lines = SHIPPED_TEXT[name].splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 4))):
        if not lines:
            break
        index = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "swap", "char", "insert", "indent"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "swap":
            other = data.draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif action == "char":
            line = lines[index]
            at = data.draw(st.integers(0, max(len(line) - 1, 0)))
            char = data.draw(st.sampled_from(list(" :-{}[]\"'\t#&*!?|>,0123456789abcxyz\x00é")))
            lines[index] = line[:at] + char + line[at + 1 :]
        elif action == "insert":
            lines.insert(index, data.draw(st.text(max_size=30)) + "\n")
        else:
            lines[index] = "  " + lines[index]
    outcome("".join(lines))


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, path + (index,))


@FUZZ
@given(st.sampled_from(sorted(SHIPPED_DATA)), st.data())
def test_mutated_values_of_the_shipped_questionnaires(name, data):
    document = json.loads(json.dumps(SHIPPED_DATA[name]))  # a deep copy with string keys
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [path for path in _paths(document) if path]
        path = data.draw(st.sampled_from(paths))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(documents)
    outcome(yaml.safe_dump(document, allow_unicode=True))


def test_pathological_inputs():
    for text in [
        "[" * 5000,
        "{a: " * 3000,
        "- " * 3000 + "x",
        "a: &x [1]\nb: *x\n",
        "x: " + "9" * 10000,
        "\ufeffid: x\n",
        "id: x\n---\nid: y\n",
        "\x00\x01\x02",
        "? [a, b]\n: c\n",
        "!!python/object:os.system x",
        "pages: !!set {a, b}",
        "a: 2024-01-01\n",
        "\t",
        "id: x\ntitle: x\nlanguages: [nl]\npages:\n- id: p\n  items:\n  - {id: a, type: text, text: x, show_if: '"
        + "(" * 200
        + "'}\n",
    ]:
        assert isinstance(outcome(text), QuestionnaireError)
