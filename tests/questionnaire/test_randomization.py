"""Per-respondent order of shuffled options, rows and items, with fixed entries in place."""

import json
import random

from surveyapp.questionnaire import (
    load_questionnaire,
    ordered_items,
    ordered_options,
    ordered_rows,
    respondent_order,
)
from surveyapp.questionnaire.randomization import shuffle_unfixed

from .conftest import QUESTIONNAIRES


def test_fixed_entries_keep_their_place():
    keys = list("abcdef")
    fixed = [False, True, False, False, False, True]
    for seed in range(50):
        order = shuffle_unfixed(keys, fixed, random.Random(seed))
        assert order[1] == "b" and order[5] == "f"
        assert sorted(order) == keys


def test_order_is_reproducible_from_a_seed_and_varies_between_respondents():
    example = load_questionnaire(QUESTIONNAIRES / "all-item-types.yaml")
    assert respondent_order(example, 42) == respondent_order(example, 42)
    orders = {json.dumps(respondent_order(example, seed), sort_keys=True) for seed in range(30)}
    assert len(orders) > 5


def test_other_stays_last_and_only_randomized_things_appear():
    example = load_questionnaire(QUESTIONNAIRES / "all-item-types.yaml")
    for seed in range(30):
        order = respondent_order(example, random.Random(seed))
        assert set(order["items"]) == {"channels_preferred", "service_grid"}
        assert order["items"]["channels_preferred"][-1] == "other"
        assert sorted(order["items"]["service_grid"]) == ["expert", "friendly", "slow"]
        assert order["pages"] == {}
        json.dumps(order)


def test_page_items_are_shuffled_with_fixed_items_in_place():
    text = (QUESTIONNAIRES / "all-item-types.yaml").read_text()
    from surveyapp.questionnaire import loads_questionnaire

    text = text.replace("  - id: scales\n", "  - id: scales\n    randomize: true\n").replace(
        "      - id: service_grid\n", "      - id: service_grid\n        fixed: true\n"
    )
    example = loads_questionnaire(text)
    page = example.page("scales")
    for seed in range(20):
        order = respondent_order(example, seed)
        assert order["pages"]["scales"][-1] == "service_grid"
        assert [item.id for item in ordered_items(page, order)] == order["pages"]["scales"]


def test_applying_a_stored_order():
    example = load_questionnaire(QUESTIONNAIRES / "all-item-types.yaml")
    item = example.item("channels_preferred")
    order = {"items": {"channels_preferred": ["chat", "email", "phone", "visit", "other"]}}
    assert [o.value for o in ordered_options(item, order)] == ["chat", "email", "phone", "visit", "other"]
    # an order stored for an older version: unknown entries dropped, new ones kept at the end
    order = {"items": {"channels_preferred": ["gone", "visit", "phone"]}}
    assert [o.value for o in ordered_options(item, order)] == ["visit", "phone", "email", "chat", "other"]
    assert [o.value for o in ordered_options(item, None)] == ["phone", "email", "chat", "visit", "other"]
    grid = example.item("service_grid")
    assert [
        r.id for r in ordered_rows(grid, {"items": {"service_grid": ["slow", "expert", "friendly"]}})
    ] == ["slow", "expert", "friendly"]
