"""Every kind of problem is reported with file, line, column and path; all of them at once."""

from surveyapp.questionnaire import Problem, QuestionnaireError, load_questionnaire, validate_file

from .conftest import MINIMAL, has


def test_minimal_file_is_valid(check):
    assert check(MINIMAL) == []


def test_yaml_syntax_error_has_line_and_column(check):
    problems = check("id: x\ntitle: [unclosed\npages: []\n", name="broken.yaml")
    assert len(problems) == 1
    assert problems[0].startswith("broken.yaml:3:")
    assert "YAML syntax error" in problems[0]


def test_tabs_are_explained(check):
    problems = check("id: x\n\ttitle: y\n")
    assert has(problems, "test.yaml:2:1", "tabs")


def test_unquoted_question_mark_in_flow_mapping_gets_a_hint(check):
    problems = check("id: x\ntitle: {nl: Waarom?, en: Why?}\n")
    assert has(problems, "test.yaml:2:", "in quotes")


def test_duplicate_keys_are_reported_not_silently_overwritten(check):
    text = MINIMAL.replace("        scale: agree5\n", "        scale: agree5\n        scale: agree5\n")
    problems = check(text)
    assert has(problems, "test.yaml:16:9: pages[0].items[0].scale: duplicate key", "first at line 15")


def test_unknown_key_suggests_the_right_one(check):
    text = MINIMAL.replace("languages: [nl, en]\n", "languages: [nl, en]\ndefualt_language: nl\n")
    problems = check(text)
    assert problems == [
        'test.yaml:4:1: defualt_language: unknown key "defualt_language" (did you mean "default_language"?)'
    ]


def test_unknown_key_in_an_item(check):
    text = MINIMAL.replace("        scale: agree5\n", "        sclae: agree5\n")
    problems = check(text)
    assert has(problems, "test.yaml:15:9: pages[0].items[0].sclae:", 'did you mean "scale"')
    assert has(problems, "test.yaml:13:9: pages[0].items[0].scale:", "a likert item needs scale")


def test_key_that_the_item_type_does_not_take(check):
    text = MINIMAL.replace("        scale: agree5\n", "        scale: agree5\n        max_choices: 2\n")
    assert has(check(text), "test.yaml:16:9: pages[0].items[0].max_choices:", "a likert item does not take")


def test_wrong_types(check):
    text = MINIMAL.replace("    points: 5", "    points: five").replace(
        "        scale: agree5\n", "        scale: agree5\n        required: maybe\n"
    )
    problems = check(text)
    assert has(problems, "test.yaml:9:5: scales.agree5.points:", "whole number")
    assert has(problems, "test.yaml:16:9: pages[0].items[0].required:", "true or false")


def test_yes_no_read_as_booleans_gets_a_hint(check):
    text = MINIMAL.replace("text: {nl: Een, en: One}", "text: {nl: Een, en: yes}")
    assert has(check(text), "test.yaml:16:", "put it in quotes")


def test_missing_required_keys(check):
    problems = check("id: x\nlanguages: [nl]\npages:\n  - id: p\n    items:\n      - id: a\n")
    assert has(problems, "test.yaml:1:1: title:", "is required")
    assert has(problems, "test.yaml:6:9: pages[0].items[0].type:", "is required")
    assert has(problems, "test.yaml:6:9: pages[0].items[0].text:", "is required")


def test_the_top_level_must_be_a_mapping(check):
    assert check("- a\n- b\n") == [
        "test.yaml:1:1: the file must be a mapping of keys such as id, title and pages, not a list"
    ]


def test_missing_translation(check):
    text = MINIMAL.replace("text: {nl: Een, en: One}", "text: {nl: Een}")
    assert check(text) == ["test.yaml:16:9: pages[0].items[0].text: missing translation: en"]


def test_unknown_language_and_language_not_offered(check):
    text = MINIMAL.replace("languages: [nl, en]", "languages: [nl]").replace(
        "text: {nl: Een, en: One}", "text: {nl: Een, en: One, de: Eins}"
    )
    problems = check(text)
    assert has(problems, "test.yaml:16:", 'unknown language "de"')
    assert has(problems, "test.yaml:16:", '"en" is not one of the languages offered')


def test_one_string_for_all_languages_is_allowed(check):
    assert check(MINIMAL.replace("text: {nl: Een, en: One}", "text: NPS")) == []


def test_unknown_scale_reference(check):
    text = MINIMAL.replace("        scale: agree5", "        scale: agree7")
    assert check(text) == [
        'test.yaml:15:9: pages[0].items[0].scale: unknown scale "agree7" (did you mean "agree5"?)'
    ]


def test_scale_of_the_wrong_type(check):
    text = MINIMAL.replace(
        "        type: likert\n        scale: agree5", "        type: nps\n        scale: agree5"
    )
    assert has(check(text), "test.yaml:15:9: pages[0].items[0].scale:", "a nps item needs a nps scale")


def test_likert_points(check):
    assert has(
        check(MINIMAL.replace("points: 5", "points: 6")), "test.yaml:9:5: scales.agree5.points:", "5 or 7"
    )


def test_scale_label_for_a_point_that_does_not_exist(check):
    text = MINIMAL.replace("    points: 5\n", "    points: 5\n    labels:\n      6: {nl: Zes, en: Six}\n")
    assert has(check(text), "test.yaml:11:7: scales.agree5.labels[6]:", "not a point of this scale")


def test_unknown_option_set(check):
    text = MINIMAL + (
        "      - id: q2\n        type: single\n        options: chanels\n        text: Kanaal\n"
    ).replace("chanels", "colours")
    text = text.replace("pages:", "options:\n  colors:\n    - {value: red, label: Rood}\npages:")
    assert has(check(text), "test.yaml:22:9: pages[0].items[1].options:", 'did you mean "colors"')


def test_duplicate_option_values_and_two_other_options(check):
    text = MINIMAL + (
        "      - id: q2\n"
        "        type: multiple\n"
        "        text: Kanaal\n"
        "        options:\n"
        "          - {value: a, label: A, other: true}\n"
        "          - {value: a, label: B, other: true}\n"
    )
    problems = check(text)
    assert has(problems, "test.yaml:22:"[:13], 'option value "a" is used twice')
    assert has(problems, "test.yaml:22:", 'only one option can be "other, namely"')


def test_duplicate_item_ids_including_matrix_rows(check):
    text = MINIMAL + (
        "      - id: grid\n"
        "        type: matrix\n"
        "        scale: agree5\n"
        "        text: Raster\n"
        "        rows:\n"
        "          - {id: q1, text: Nog een}\n"
    )
    assert has(check(text), "test.yaml:22:14: pages[0].items[1].rows[0].id:", 'item id "q1" is used twice')


def test_item_id_that_clashes_with_an_attribute(check):
    text = MINIMAL.replace("      - id: q1", "      - id: segment").replace("- id: first", "- id: first")
    assert has(check(text), "test.yaml:13:", "also the name of an attribute")


def test_invalid_ids(check):
    text = MINIMAL.replace("- id: q1", "- id: Q-1")
    assert has(check(text), "test.yaml:13:9: pages[0].items[0].id:", "not a valid name")


def test_construct_references(check):
    text = MINIMAL.replace(
        "pages:",
        "constructs:\n"
        "  quality:\n"
        "    label: Kwaliteit\n"
        "    role: drivr\n"
        "    items: [q1, q9]\n"
        "    reverse: [q3]\n"
        "pages:",
    )
    problems = check(text)
    assert has(problems, "test.yaml:13:5: constructs.quality.role:", 'did you mean "driver"')
    assert has(problems, "test.yaml:14:17: constructs.quality.items[1]:", 'unknown item "q9"')
    assert has(problems, "test.yaml:15:15: constructs.quality.reverse[0]:", 'unknown item "q3"')


def test_construct_items_must_share_a_scale_and_be_on_a_scale(check):
    text = MINIMAL.replace(
        "pages:",
        "constructs:\n  mixed:\n    label: Gemengd\n    role: kpi\n    items: [q1, nps, note]\npages:",
    ) + (
        "      - id: nps\n        type: nps\n        text: Aanbevelen\n"
        "      - id: note\n        type: text\n        text: Opmerking\n"
    )
    problems = check(text)
    assert has(problems, "test.yaml:14:", "a text item")
    assert has(problems, "test.yaml:14:", "items on different scales")


def test_logic_syntax_error_points_into_the_condition(check):
    text = MINIMAL + "      - id: q2\n        type: text\n        text: Waarom?\n        show_if: q1 = 3\n"
    assert check(text) == ["test.yaml:20:21: pages[0].items[1].show_if: condition: use == to compare"]


def test_logic_with_unknown_name(check):
    text = MINIMAL + "      - id: q2\n        type: text\n        text: Waarom?\n        show_if: q11 <= 2\n"
    assert check(text) == [
        'test.yaml:20:18: pages[0].items[1].show_if: the condition names "q11", '
        'which is no item or attribute (did you mean "q1"?)'
    ]


def test_logic_naming_a_later_item(check):
    text = (
        MINIMAL.replace("        scale: agree5\n", '        scale: agree5\n        show_if: q2 == "x"\n', 1)
        + "      - id: q2\n        type: text\n        text: Later\n"
    )
    assert has(check(text), "test.yaml:16:18: pages[0].items[0].show_if:", "asked later")


def test_logic_naming_the_item_itself(check):
    text = MINIMAL.replace("        scale: agree5\n", "        scale: agree5\n        show_if: q1 > 3\n", 1)
    assert has(check(text), "test.yaml:16:", "this item itself")


def test_page_logic_may_only_use_earlier_pages(check):
    text = MINIMAL.replace("  - id: first\n", "  - id: first\n    show_if: q1 > 3\n")
    assert has(check(text), "test.yaml:12:14: pages[0].show_if:", "only depend on earlier pages")


def test_logic_on_a_later_page_and_with_attributes_is_fine(check):
    text = MINIMAL + (
        "  - id: second\n"
        '    show_if: q1 >= 4 or segment == "large"\n'
        "    items:\n"
        "      - id: q2\n"
        "        type: text\n"
        "        text: Waarom?\n"
    )
    assert check(text) == []


def test_logic_comparing_with_a_value_that_does_not_exist(check):
    text = (
        MINIMAL + '      - id: q2\n        type: text\n        text: x\n        show_if: segment == "lage"\n'
    )
    assert has(check(text), "test.yaml:20:", 'has no value "lage" (did you mean "large"?)')


def test_logic_naming_a_matrix(check):
    text = MINIMAL + (
        "      - id: grid\n        type: matrix\n        scale: agree5\n        text: Raster\n"
        "        rows:\n          - {id: r1, text: Een}\n"
        "  - id: second\n    show_if: grid > 3\n    items:\n      - {id: q9, type: text, text: x}\n"
    )
    assert has(check(text), "test.yaml:24:14: pages[1].show_if:", "name one of its rows")


def test_unknown_placeholder(check):
    text = MINIMAL.replace("text: {nl: Een, en: One}", "text: {nl: 'Beste {nmae}', en: 'Dear {name}'}")
    problems = check(text)
    assert has(problems, "test.yaml:16:", '"nmae", which is no item or attribute')
    assert has(problems, "test.yaml:16:", '"name", which is no item or attribute')


def test_placeholder_of_a_later_answer(check):
    text = MINIMAL.replace("text: {nl: Een, en: One}", "text: 'U gaf {q2}'") + (
        "      - id: q2\n        type: text\n        text: x\n"
    )
    assert has(check(text), "test.yaml:16:", "asked later")


def test_malformed_placeholder(check):
    text = MINIMAL.replace("text: {nl: Een, en: One}", "text: 'Beste {naam'")
    assert has(check(text), "test.yaml:16:", "{ without closing }")


def test_intro_may_only_use_attributes(check):
    text = MINIMAL.replace("languages: [nl, en]\n", "languages: [nl, en]\nintro: 'U gaf {q1}'\n")
    assert has(check(text), "test.yaml:4:", "only attributes can be used here")


def test_every_problem_is_reported_at_once(check):
    text = (
        MINIMAL.replace("points: 5", "points: 4")
        .replace("scale: agree5", "scale: agree9")
        .replace("text: {nl: Een, en: One}", "text: {nl: Een}")
    )
    problems = check(text)
    assert len(problems) == 3
    assert [problem.split(":")[1] for problem in problems] == ["9", "15", "16"]


def test_load_questionnaire_raises_with_all_problems(tmp_path):
    path = tmp_path / "loyalty.yaml"
    path.write_text(MINIMAL.replace("scale: agree5", "scale: agree7").replace("points: 5", "points: 3"))
    try:
        load_questionnaire(path)
    except QuestionnaireError as error:
        assert len(error.problems) == 2
        assert all(isinstance(problem, Problem) for problem in error.problems)
        assert error.problems[1].file == "loyalty.yaml"
        assert error.problems[1].line == 15
        assert error.problems[1].path == "pages[0].items[0].scale"
        assert "loyalty.yaml:15:9: pages[0].items[0].scale: unknown scale" in str(error)
        assert str(error).endswith("2 problems found.")
    else:
        raise AssertionError("expected QuestionnaireError")


def test_files_that_cannot_be_read(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes("id: x\ntitle: caf\xe9\n".encode("latin-1"))
    (tmp_path / "empty.yaml").write_text("")
    assert [str(p) for p in validate_file(tmp_path / "latin1.yaml")] == [
        "latin1.yaml:2:11: the file is not UTF-8 text (byte 0xe9); save it as UTF-8"
    ]
    assert [str(p) for p in validate_file(tmp_path / "empty.yaml")] == ["empty.yaml: the file is empty"]
    assert "cannot read" in str(validate_file(tmp_path / "missing.yaml")[0])
    assert "cannot read" in str(validate_file(tmp_path)[0])


def test_anchors_and_aliases_are_refused(check):
    problems = check("id: &a x\ntitle: *a\n")
    assert has(problems, "test.yaml:1:5", "anchors (&a) are not supported")


def test_yaml_tags_are_refused(check):
    assert has(check(MINIMAL.replace("id: mini", "id: !!binary aGk=")), "test.yaml:1:5: id:", "not supported")


def test_huge_numbers(check):
    problems = check(MINIMAL.replace("points: 5", "points: " + "9" * 5000))
    assert has(problems, "test.yaml:9:5: scales.agree5.points:")
    problems = check(MINIMAL + "      - {id: n, type: number, text: x, max: .inf}\n")
    assert has(problems, "test.yaml:17:", "finite")
