"""The fast YAML reader (libyaml) reads every document exactly as the pure-Python one does.

``read_yaml`` uses libyaml's parser where it can and PyYAML's pure-Python parser where the two
differ; whichever reads a file, the data, every line and column and every problem must be the
same as the pure-Python parser's alone.
"""

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveyapp.questionnaire import loader

from .conftest import MINIMAL
from .test_robustness import SHIPPED_TEXT, documents

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _typed(value):
    """``value`` with the type of every part spelled out (1, 1.0 and True differ; nan equals nan)."""
    if isinstance(value, dict):
        return ("dict", [(_typed(key), _typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(item) for item in value])
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


def _as_read(document):
    return _typed(document.data), document.positions, document.value_positions, document.problems


def assert_read_alike(text):
    """``read_yaml`` gives what the pure-Python reader gives; returns the fast reader's document or None."""
    pure = loader._read_pure(text)
    assert _as_read(loader.read_yaml(text)) == _as_read(pure)
    fast = loader._read_fast(text) if not loader._NOT_FOR_LIBYAML.search(text) else None
    if fast is not None:
        assert _as_read(fast) == _as_read(pure)
    return fast


def _large_questionnaire(pages=12):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "bench_validation.py"
    spec = importlib.util.spec_from_file_location("bench_validation", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.questionnaire(pages)


def test_libyaml_is_there():
    # PyYAML's wheels include libyaml; without it every file is read by the pure-Python parser.
    assert yaml.__with_libyaml__


def test_shipped_and_generated_questionnaires_take_the_fast_reader():
    texts = [*SHIPPED_TEXT.values(), MINIMAL, _large_questionnaire()]
    for text in texts + [text.replace("\n", "\r\n") for text in texts] + [text.rstrip("\n") for text in texts]:
        assert assert_read_alike(text) is not None


def test_question_mark_in_a_plain_text_inside_braces_is_the_pure_parsers_syntax_error():
    # YAML allows "Waarom?" unquoted inside { }, and libyaml reads it; PyYAML's scanner stops at
    # "?", and the format has always been read the PyYAML way: a syntax error at the "?".
    for text in [
        "id: x\ntitle: {nl: Waarom?, en: Why?}\n",
        "id: x\ntitle: [Waarom?]\n",
        "id: x\ntitle: {nl: a?b}\n",
        "id: x\ntitle: {nl?: a}\n",
        "a:\n  - {x: [1, {y: b ?}]}\n",
    ]:
        assert loader._read_fast(text) is None
        document = assert_read_alike(text)
        assert document is None
    document = loader.read_yaml("id: x\ntitle: {nl: Waarom?, en: Why?}\n")
    [(message, path, position)] = document.problems
    assert (position.line, position.column) == (2, 19)
    assert message.startswith("YAML syntax error: while parsing a flow mapping; expected ',' or '}', but got '?'")
    assert message.endswith("(inside { } or [ ], put texts that contain , ? : { } [ ] or # in quotes)")
    # in quotes, and outside braces, both parsers read it alike
    for text in ["id: x\ntitle: {nl: 'Waarom?', en: \"Why?\"}\n", "id: x\ntitle: Waarom?\n", "a: b?c ?\n"]:
        assert assert_read_alike(text) is not None


def test_where_the_parsers_differ_the_pure_one_reads():
    for text in [
        "a: {b: , c: d}\n",  # an empty value after ":" inside braces: placed differently
        "a: [b: , c]\n",
        "a: {b: # note\n  , c: d}\n",
        "? a",  # an empty value at the end of a last line without a line break
        "---",
        "a: [!!str, 1]\n",  # a tag before "," inside brackets: PyYAML takes the comma into the tag
        "a: {b: !!int}\n",
        "a: &x 1\nb: *x\n",  # anchors and aliases are refused, as the pure-Python reader words it
        "a: [&x 1]\n",
        "a: 1\n---\nb: 2\n",  # a second document
        "a:\n\tb: 1\n",  # tabs, byte-order marks and rarer line breaks go to the pure-Python parser
        "a: b\u2028c: d\n",
        "a: [" * 70 + "]" * 70 + "\n",  # nested deeper than MAX_DEPTH
    ]:
        assert loader._read_fast(text) is None or loader._NOT_FOR_LIBYAML.search(text)
        assert_read_alike(text)
    for text in ["a:", "a:\n", "- ", "- \n- x\n"]:  # the same for both
        assert assert_read_alike(text) is not None


def test_values_problems_and_positions_on_the_fast_path():
    text = (
        'id: x\nn: 010\nf: 1_0.5e1\nb: [yes, No, ~, null, ""]\nd: 2024-01-01\nbig: ' + "9" * 5000 + "\n"
        "t: !!str 12\nu: !foo x\nm: !!set\n  a: 1\n1: one\ntrue: yes\n? [k]\n: v\nid: again\n"
        "s: |\n  literal\n   text\nq: 'single\n  quoted'\nw: \"\\u00e9\\x41\"\nempty:\n"
    )
    document = assert_read_alike(text)
    assert document is not None
    assert document.data["n"] == 8 and document.data["d"] == "2024-01-01" and document.data[1] == "one"
    messages = [message for message, _, _ in document.problems]
    assert any(message.startswith("cannot read the value") for message in messages)
    assert any("YAML tags such as !foo" in message for message in messages)
    assert any("a key must be a plain word" in message for message in messages)
    assert any('duplicate key "id" (first at line 1)' in message for message in messages)
    # nodes that are not built (a list or mapping as a key, the value of a duplicate key) are read past
    for text in [
        "? !!map\n  a: 1\n  b: [2]\n: v\nc: 3\n",
        "a: 1\na: !!seq\n  - {b: 2}\nc: 3\n",
        "? - x\n  - !!str y\n: - z\nc: 3\n",
    ]:
        document = assert_read_alike(text)
        assert document is not None and document.data["c"] == 3


@FUZZ
@given(st.sampled_from(sorted(SHIPPED_TEXT)), st.data())
def test_mangled_questionnaires_are_read_alike(name, data):
    lines = SHIPPED_TEXT[name].splitlines(keepends=True)
    pieces = list(" :-{}[]\"'#&*!?|>,%@`~.\\0123456789abcxyzé") + [
        ": ", "- ", "? ", "---", "...", "!!str ", "{a: b}", "[a, b]", " #", "|-", ">+", "  ", "\n", "\r\n",
    ]  # fmt: skip
    for _ in range(data.draw(st.integers(1, 5))):
        index = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["replace", "insert", "delete", "duplicate", "indent", "dedent"]))
        line = lines[index]
        at = data.draw(st.integers(0, len(line)))
        if action == "replace":
            lines[index] = line[:at] + data.draw(st.sampled_from(pieces)) + line[at + 1 :]
        elif action == "insert":
            lines[index] = line[:at] + data.draw(st.sampled_from(pieces)) + line[at:]
        elif action == "delete" and len(lines) > 1:
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "indent":
            lines[index] = "  " + line
        else:
            lines[index] = line[2:]
    text = "".join(lines)
    if data.draw(st.booleans()):
        text = text.rstrip("\n")
    assert_read_alike(text)


@FUZZ
@given(
    documents,
    st.sampled_from([None, True, False]),
    st.sampled_from([None, '"', "'", "|"]),
    st.sampled_from([12, 80, 1000]),
    st.booleans(),
)
def test_dumped_documents_are_read_alike(document, flow, style, width, unicode):
    assert_read_alike(
        yaml.safe_dump(
            document, default_flow_style=flow, default_style=style, width=width, allow_unicode=unicode
        )
    )


yaml_text = st.lists(
    st.sampled_from(
        list("ab1 :-{}[],?#&*!|>'\"\n\\%@é.~+<=")
        + ["  ", ": ", "- ", "? ", "\n  ", "!!str ", "!x", "!<tag:x>", "---", "...", "yes", "~", "2.5", "0o7"]
        + ["|-", ">+", "|2", "\r\n", "#c", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "\\x41", "''", '""', "1:2", "<<"]
    ),
    max_size=40,
).map("".join)


@FUZZ
@given(yaml_text)
def test_random_yaml_like_text_is_read_alike(text):
    assert_read_alike(text)
