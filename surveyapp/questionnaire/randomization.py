"""Per-respondent order of shuffled options, matrix rows and page items.

The researcher asks for shuffling with ``randomize: true`` and keeps single entries in place with
``fixed: true`` (typically "other, namely" last). ``respondent_order`` draws one respondent's order,
which is stored with the response so the same order is shown on every visit and can be analysed.
"""

from __future__ import annotations

import random

from .model import Item, Page, Questionnaire


def shuffle_unfixed(keys: list, fixed: list[bool], rng: random.Random) -> list:
    """Shuffle ``keys``, leaving every key whose ``fixed`` flag is set at its index."""
    free = [key for key, stays in zip(keys, fixed, strict=True) if not stays]
    rng.shuffle(free)
    shuffled = iter(free)
    return [key if stays else next(shuffled) for key, stays in zip(keys, fixed, strict=True)]


def respondent_order(questionnaire: Questionnaire, rng: random.Random | int | str | None = None) -> dict:
    """One respondent's order, as JSON-serializable data::

        {"pages": {page_id: [item ids]}, "items": {item_id: [option values or row ids]}}

    Only what is randomized appears. ``rng`` is a ``random.Random`` or a seed for one.
    """
    if not isinstance(rng, random.Random):
        rng = random.Random(rng)
    order: dict = {"pages": {}, "items": {}}
    for page in questionnaire.pages:
        if page.randomize:
            order["pages"][page.id] = shuffle_unfixed(
                [item.id for item in page.items], [item.fixed for item in page.items], rng
            )
        for item in page.items:
            if not item.randomize:
                continue
            if item.rows is not None:
                order["items"][item.id] = shuffle_unfixed(
                    [row.id for row in item.rows], [row.fixed for row in item.rows], rng
                )
            elif item.options is not None:
                order["items"][item.id] = shuffle_unfixed(
                    [option.value for option in item.options], [option.fixed for option in item.options], rng
                )
    return order


def _apply(entries, key, stored: list | None):
    """``entries`` in the stored order; entries the order does not know keep their own place last."""
    if not stored:
        return list(entries)
    by_key = {key(entry): entry for entry in entries}
    ordered = [by_key.pop(k) for k in stored if k in by_key]
    return ordered + [entry for entry in entries if key(entry) in by_key]


def ordered_items(page: Page, order: dict | None) -> list[Item]:
    return _apply(page.items, lambda item: item.id, ((order or {}).get("pages") or {}).get(page.id))


def ordered_options(item: Item, order: dict | None):
    return _apply(
        item.options or (), lambda option: option.value, ((order or {}).get("items") or {}).get(item.id)
    )


def ordered_rows(item: Item, order: dict | None) -> list[Item]:
    return _apply(item.rows or (), lambda row: row.id, ((order or {}).get("items") or {}).get(item.id))
