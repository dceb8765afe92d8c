"""Versions of a questionnaire: a content hash, and what changed between two versions.

A tracker asks the same questions wave after wave. Some edits keep the answers comparable with
earlier waves (a clearer wording, a new question); others do not (a question dropped, a scale
with other points or other meanings for its points, a construct made of other items).
``compare_versions`` tells them apart so publishing can warn the researcher.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .model import Questionnaire


def _definition(definition) -> dict:
    return definition.to_dict() if isinstance(definition, Questionnaire) else definition


def canonical_json(definition) -> str:
    return json.dumps(_definition(definition), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(definition) -> str:
    """sha256 (hex) of the canonical JSON of the normalized definition (or a Questionnaire)."""
    return hashlib.sha256(canonical_json(definition).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Change:
    """One difference between two versions.

    ``breaking`` changes make answers incomparable with waves answered on the old version.
    """

    kind: str
    subject: str  # the item, construct or page concerned
    message: str
    breaking: bool

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


def _answer_items(definition: dict) -> dict[str, dict]:
    items = {}
    for page in definition.get("pages", []):
        for item in page.get("items", []):
            for answer in item.get("rows") or [item]:
                items[answer["id"]] = answer
    return items


def _scale_signature(scale: dict | None):
    if scale is None:
        return None
    return (scale.get("type"), scale.get("points"), tuple(scale.get("values", ())))


def compare_versions(old_definition, new_definition) -> list[Change]:
    """The changes from ``old_definition`` to ``new_definition`` (normalized dicts or Questionnaires).

    Breaking: an item removed, an item's type changed, a scale's points or values changed, the
    labels of scale points changed (the points mean something else), option values removed or
    added, a construct removed or made of other items, reverse coding changed. Harmless: texts
    edited, items added, items moved, conditions, randomization and required flags changed.
    """
    old, new = _definition(old_definition), _definition(new_definition)
    changes: list[Change] = []

    def add(kind, subject, message, breaking):
        changes.append(Change(kind, subject, message, breaking))

    old_items, new_items = _answer_items(old), _answer_items(new)
    for item_id, item in old_items.items():
        if item_id not in new_items:
            add("item_removed", item_id, "item removed", True)
            continue
        other = new_items[item_id]
        if item["type"] != other["type"]:
            add("item_type_changed", item_id, f"type changed from {item['type']} to {other['type']}", True)
            continue
        old_scale, new_scale = item.get("scale"), other.get("scale")
        if _scale_signature(old_scale) != _scale_signature(new_scale):
            add("scale_changed", item_id, "scale changed (points or values)", True)
        elif old_scale and old_scale.get("labels") != new_scale.get("labels"):
            add("scale_labels_changed", item_id, "labels of the scale points changed", True)
        old_values = [o["value"] for o in item.get("options") or []]
        new_values = [o["value"] for o in other.get("options") or []]
        if set(old_values) != set(new_values):
            removed = sorted(set(old_values) - set(new_values))
            added = sorted(set(new_values) - set(old_values))
            parts = ([f"removed {', '.join(removed)}"] if removed else []) + (
                [f"added {', '.join(added)}"] if added else []
            )
            add("options_changed", item_id, "answer options changed: " + "; ".join(parts), True)
        elif [o["label"] for o in item.get("options") or []] != [
            o["label"] for o in other.get("options") or []
        ]:
            add("option_labels_changed", item_id, "option labels edited", False)
        if bool(item.get("dont_know")) != bool(other.get("dont_know")):
            state = "now offers" if other.get("dont_know") else "no longer offers"
            add("dont_know_changed", item_id, f"{state} don't know", False)
        if item.get("text") != other.get("text") or item.get("help") != other.get("help"):
            add("text_changed", item_id, "text edited", False)
        if item.get("show_if") != other.get("show_if"):
            add(
                "condition_changed",
                item_id,
                f"condition changed to {other.get('show_if') or 'always shown'}",
                False,
            )
        for key in ("min", "max", "integer", "min_choices", "max_choices"):
            if item.get(key) != other.get(key):
                add(
                    "range_changed", item_id, f"{key} changed from {item.get(key)} to {other.get(key)}", False
                )
        for key in ("required", "randomize"):
            if item.get(key) != other.get(key):
                add("setting_changed", item_id, f"{key} changed to {other.get(key)}", False)
    for item_id in new_items:
        if item_id not in old_items:
            add("item_added", item_id, "item added", False)

    old_constructs = {c["id"]: c for c in old.get("constructs", [])}
    new_constructs = {c["id"]: c for c in new.get("constructs", [])}
    for construct_id, construct in old_constructs.items():
        other = new_constructs.get(construct_id)
        if other is None:
            add("construct_removed", construct_id, "construct removed", True)
            continue
        if set(construct["items"]) != set(other["items"]):
            add("construct_items_changed", construct_id, "construct made of other items", True)
        if set(construct.get("reverse", [])) != set(other.get("reverse", [])):
            add("construct_reverse_changed", construct_id, "reverse-coded items changed", True)
        if construct["role"] != other["role"]:
            add("construct_role_changed", construct_id, f"role changed to {other['role']}", False)
        if construct["label"] != other["label"]:
            add("text_changed", construct_id, "label edited", False)
    for construct_id in new_constructs:
        if construct_id not in old_constructs:
            add("construct_added", construct_id, "construct added", False)

    for key in ("title", "intro", "thank_you"):
        if old.get(key) != new.get(key):
            add("text_changed", key, "text edited", False)
    if old.get("languages") != new.get("languages"):
        add("languages_changed", "languages", f"languages now {', '.join(new.get('languages', []))}", False)
    old_pages = {p["id"]: p for p in old.get("pages", [])}
    for page in new.get("pages", []):
        before = old_pages.get(page["id"])
        if before is None:
            continue
        if before.get("show_if") != page.get("show_if"):
            add(
                "condition_changed",
                page["id"],
                f"page condition changed to {page.get('show_if') or 'always shown'}",
                False,
            )
        if before.get("title") != page.get("title"):
            add("text_changed", page["id"], "page title edited", False)
    if [i for p in old.get("pages", []) for i in _ids(p)] != [
        i for p in new.get("pages", []) for i in _ids(p)
    ] and not any(c.kind in ("item_removed", "item_added") for c in changes):
        add("order_changed", "pages", "items moved", False)
    return changes


def _ids(page):
    return [item["id"] for item in page.get("items", [])]
