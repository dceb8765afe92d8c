"""Content hashes and the changes that break comparability between waves."""

import copy

import pytest

from surveyapp.questionnaire import compare_versions, content_hash, load_questionnaire

from .conftest import QUESTIONNAIRES


@pytest.fixture
def tracker():
    return load_questionnaire(QUESTIONNAIRES / "loyalty-tracker.yaml").to_dict()


def test_hash_is_stable_and_hex(tracker):
    digest = content_hash(tracker)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert content_hash(copy.deepcopy(tracker)) == digest
    assert content_hash(load_questionnaire(QUESTIONNAIRES / "loyalty-tracker.yaml")) == digest


def test_hash_ignores_layout_and_comments_of_the_file(tmp_path):
    source = (QUESTIONNAIRES / "loyalty-tracker.yaml").read_text()
    edited = tmp_path / "loyalty-tracker.yaml"
    edited.write_text("# a comment\n" + source.replace("languages: [nl, en]", "languages:\n  - nl\n  - en"))
    assert content_hash(load_questionnaire(edited)) == content_hash(
        load_questionnaire(QUESTIONNAIRES / "loyalty-tracker.yaml")
    )


def test_hash_changes_on_any_edit(tmp_path):
    source = (QUESTIONNAIRES / "loyalty-tracker.yaml").read_text()
    edited = tmp_path / "loyalty-tracker.yaml"
    edited.write_text(source.replace("Wij komen onze afspraken na.", "Wij komen al onze afspraken na."))
    assert content_hash(load_questionnaire(edited)) != content_hash(
        load_questionnaire(QUESTIONNAIRES / "loyalty-tracker.yaml")
    )


def _items(definition):
    for page in definition["pages"]:
        for item in page["items"]:
            yield item
            yield from item["rows"] or []


def _item(definition, item_id):
    return next(item for item in _items(definition) if item["id"] == item_id)


def test_identical_versions_have_no_changes(tracker):
    assert compare_versions(tracker, copy.deepcopy(tracker)) == []


def test_text_edits_are_harmless(tracker):
    new = copy.deepcopy(tracker)
    _item(new, "product_quality")["text"]["nl"] = "De kwaliteit is uitstekend."
    new["intro"]["en"] = "Hello!"
    changes = compare_versions(tracker, new)
    assert {(c.kind, c.subject) for c in changes} == {
        ("text_changed", "product_quality"),
        ("text_changed", "intro"),
    }
    assert not any(change.breaking for change in changes)


def test_item_added_is_harmless(tracker):
    new = copy.deepcopy(tracker)
    extra = copy.deepcopy(_item(new, "needs"))
    extra["id"] = "needs_extra"
    new["pages"][-1]["items"].append(extra)
    changes = compare_versions(tracker, new)
    assert [(c.kind, c.breaking) for c in changes] == [("item_added", False)]


def test_item_removed_breaks_comparability(tracker):
    new = copy.deepcopy(tracker)
    new["pages"][-1]["items"] = [i for i in new["pages"][-1]["items"] if i["id"] != "needs"] or None
    new["pages"] = [page for page in new["pages"] if page["items"]]
    changes = compare_versions(tracker, new)
    assert [(c.kind, c.subject, c.breaking) for c in changes] == [("item_removed", "needs", True)]
    assert str(changes[0]) == "needs: item removed"


def test_scale_points_changed_breaks_comparability(tracker):
    new = copy.deepcopy(tracker)
    scale = _item(new, "spend_more")["scale"]
    scale.update(points=7, values=list(range(1, 8)))
    changes = compare_versions(tracker, new)
    assert [(c.kind, c.subject, c.breaking) for c in changes] == [("scale_changed", "spend_more", True)]


def test_scale_labels_changed_breaks_comparability(tracker):
    new = copy.deepcopy(tracker)
    _item(new, "nps")["scale"]["labels"]["10"]["en"] = "Definitely"
    changes = compare_versions(tracker, new)
    assert [(c.kind, c.breaking) for c in changes] == [("scale_labels_changed", True)]


def test_item_type_changed_breaks_comparability(tracker):
    new = copy.deepcopy(tracker)
    _item(new, "needs")["type"] = "number"
    assert [(c.kind, c.breaking) for c in compare_versions(tracker, new)] == [("item_type_changed", True)]


def test_construct_items_changed_breaks_comparability(tracker):
    new = copy.deepcopy(tracker)
    construct = next(c for c in new["constructs"] if c["id"] == "product")
    construct["items"] = construct["items"][:2]
    changes = compare_versions(tracker, new)
    assert [(c.kind, c.subject, c.breaking) for c in changes] == [
        ("construct_items_changed", "product", True)
    ]


def test_options_changed_breaks_but_option_label_edit_does_not():
    example = load_questionnaire(QUESTIONNAIRES / "all-item-types.yaml").to_dict()
    new = copy.deepcopy(example)
    _item(new, "channel_used")["options"][0]["label"]["en"] = "Telephone"
    assert [(c.kind, c.breaking) for c in compare_versions(example, new)] == [
        ("option_labels_changed", False)
    ]
    del _item(new, "channel_used")["options"][1]
    changes = compare_versions(example, new)
    assert [(c.kind, c.breaking) for c in changes] == [("options_changed", True)]
    assert "removed email" in changes[0].message


def test_questionnaire_objects_are_accepted(tracker):
    questionnaire = load_questionnaire(QUESTIONNAIRES / "loyalty-tracker.yaml")
    assert compare_versions(questionnaire, tracker) == []
