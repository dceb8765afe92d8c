"""The questionnaires shipped in questionnaires/ and the in-memory API built from them."""

import json
import re
from pathlib import Path

import pytest

from surveyapp.questionnaire import (
    DONT_KNOW,
    LANGUAGES,
    Questionnaire,
    load_questionnaire,
    loads_questionnaire,
    validate_file,
)

from .conftest import QUESTIONNAIRES

SHIPPED = sorted(QUESTIONNAIRES.glob("*.yaml"))


@pytest.fixture(scope="module")
def tracker():
    return load_questionnaire(QUESTIONNAIRES / "loyalty-tracker.yaml")


@pytest.fixture(scope="module")
def example():
    return load_questionnaire(QUESTIONNAIRES / "all-item-types.yaml")


def test_the_configured_folder_holds_the_questionnaire_the_demo_publishes(tmp_path):
    from surveyapp.config import load_config
    from surveyapp.demo import DEMO_QUESTIONNAIRE

    folder = Path(load_config(str(tmp_path))["QUESTIONNAIRE_DIR"])
    assert load_questionnaire(folder / DEMO_QUESTIONNAIRE).id == "loyalty-tracker"
    assert {path.name for path in SHIPPED} >= {DEMO_QUESTIONNAIRE, "all-item-types.yaml"}  # the tests below are not empty


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_questionnaires_validate_cleanly(path):
    assert [str(problem) for problem in validate_file(path)] == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_round_trip_through_the_database_is_exact(app, path):
    # Published, then read back in a new session: what respondents are served is what was written.
    from surveyapp.extensions import db
    from surveyapp.models import QuestionnaireVersion
    from surveyapp.surveys import publish_questionnaire

    loaded = load_questionnaire(path)
    with app.app_context():
        version_id = publish_questionnaire(path).version.id
        db.session.remove()
        stored = db.session.get(QuestionnaireVersion, version_id)
        assert stored.definition == json.loads(json.dumps(loaded.to_dict()))
        rebuilt = stored.questionnaire()
    assert rebuilt == loaded
    assert rebuilt.to_dict() == loaded.to_dict()
    assert isinstance(rebuilt, Questionnaire)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_text_is_complete_in_every_language(path):
    definition = load_questionnaire(path).to_dict()

    def texts(node, key=None):
        if isinstance(node, dict):
            if node and set(node) <= set(LANGUAGES) and all(isinstance(v, str) for v in node.values()):
                yield key, node
            else:
                for k, v in node.items():
                    yield from texts(v, k)
        elif isinstance(node, list):
            for v in node:
                yield from texts(v, key)

    found = list(texts(definition))
    assert len(found) > 20
    for key, text in found:
        assert set(text) == set(definition["languages"]), key


def test_tracker_measures_the_five_quality_dimensions(tracker):
    drivers = tracker.constructs_by_role("driver")
    assert [c.id for c in drivers] == ["product", "processes", "infrastructure", "interaction", "atmosphere"]
    for construct in drivers:
        assert len(construct.items) >= 3
        assert all(tracker.item(item_id).type == "likert" for item_id in construct.items)
    assert any(construct.reverse for construct in drivers)


def test_tracker_outcomes_and_kpis(tracker):
    outcomes = {c.id: c.items for c in tracker.constructs_by_role("outcome")}
    assert outcomes["recommend"] == ("nps",)
    for intention in ("keep_spending", "spend_more", "do_more"):
        assert outcomes[intention] == (intention,)
        assert tracker.item(intention).scale.points == 5
    kpis = {c.id: c for c in tracker.constructs_by_role("kpi")}
    assert kpis["ces"].items == ("ces",)
    assert 2 <= len(kpis["engagement"].items) <= 3
    assert "brand_image" in kpis
    assert tracker.item("nps").type == "nps"
    assert tracker.item("nps").values() == list(range(11))
    assert tracker.item("nps").labels[0]["nl"] and tracker.item("nps").labels[10]["en"]
    assert tracker.item("ces").type == "ces" and tracker.item("ces").range() == (1, 7)
    assert tracker.item("needs").type == "text"


def test_tracker_attributes_and_languages(tracker):
    assert tracker.default_language == "nl"
    assert tracker.languages == ("nl", "en")
    assert set(tracker.attributes) == {
        "segment",
        "customer_value",
        "potential_value",
        "channel",
        "persona",
        "crm_id",
        "name",
    }
    assert tracker.attributes["segment"].values == ("large", "medium", "small")
    assert 5 <= len(tracker.pages) <= 6
    assert any(item.type == "matrix" for page in tracker.pages for item in page.items)


def test_tracker_greets_by_name_and_pipes_the_score(tracker):
    assert tracker.render(tracker.intro, "nl", attributes={"name": "Anna"}).startswith("Beste Anna,")
    assert tracker.render(tracker.intro, "en").startswith("Dear customer,")
    reason = tracker.item("detractor_reason")
    assert reason.show_if.source == "nps <= 6"
    assert "U gaf ons een 4." in tracker.render(reason.text, "nl", {"nps": 4})


def test_detractor_follow_up_is_shown_only_to_detractors(tracker):
    offer = tracker.page("offer")
    assert "detractor_reason" in [i.id for i in offer.visible_items({"nps": 6})]
    assert "detractor_reason" not in [i.id for i in offer.visible_items({"nps": 7})]
    assert "detractor_reason" not in [i.id for i in offer.visible_items({"nps": DONT_KNOW})]
    assert "detractor_reason" not in [i.id for i in offer.visible_items({})]


def test_items_are_flat_with_matrix_rows_expanded(tracker):
    ids = [item.id for item in tracker.items()]
    assert ids[0] == "nps"
    assert "product_grid" not in ids and "product_quality" in ids
    assert len(ids) == len(set(ids))
    assert tracker.item("product_grid").rows[0] is tracker.item("product_quality")
    assert tracker.page_of("product_quality").id == "offer"
    assert all(item.is_answer for item in tracker.items())


def test_example_has_every_item_type(example):
    types = {item.type for page in example.pages for item in page.items}
    assert types == {"likert", "nps", "ces", "rating", "single", "multiple", "text", "number", "matrix"}


def test_example_options_dont_know_and_ranges(example):
    channel = example.item("channels_preferred")
    assert channel.other_option.value == "other"
    assert channel.options[-1].fixed
    assert channel.max_choices == 3
    assert channel.dont_know is None
    assert example.item("channel_used").dont_know["nl"] == "Weet niet / n.v.t."
    assert example.item("employees").range() == (1, 100000)
    assert example.item("employees").dont_know["en"] == "I do not know"
    assert example.item("employees").integer is True
    assert example.item("helpful").values() == [1, 2, 3, 4, 5, 6, 7]
    assert example.item("stars").scale.display == "stars"


def test_example_page_logic_with_attributes_and_answers(example):
    assert [p.id for p in example.visible_pages({}, {"segment": "small"})] == ["scales", "choices"]
    assert [p.id for p in example.visible_pages({}, {"segment": "large"})][-1] == "large_customers"
    assert [p.id for p in example.visible_pages({"employees": 300}, {})][-1] == "large_customers"
    assert [p.id for p in example.visible_pages({"employees": DONT_KNOW}, {})][-1] == "choices"


def test_piping_shows_option_labels(example):
    values = example.piping_values(
        {"channel_used": "email", "channels_preferred": ["chat", "phone"]}, {}, "en"
    )
    assert values["channel_used"] == "Email"
    assert values["channels_preferred"] == ["Chat", "Phone"]


def test_the_complete_example_in_the_documentation_is_valid():
    doc = (QUESTIONNAIRES.parent / "docs" / "questionnaire-format.md").read_text()
    example = re.search(r"## A complete example\n\n```yaml\n(.*?)```", doc, re.S).group(1)
    questionnaire = loads_questionnaire(example, "example.yaml")
    assert questionnaire.constructs["processes"].reverse == ("waiting",)
    assert [page.id for page in questionnaire.visible_pages({"nps": 9}, {"segment": "small"})] == [
        "recommendation",
        "processes",
    ]
