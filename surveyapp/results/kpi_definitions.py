"""Which questionnaire versions measure a KPI the same way.

A tracker survey may move to a new questionnaire version while it runs. Each response is scored
with the version it answered; a KPI whose definition differs between the answered versions
(another scale, other items, other reverse coding, other outcomes in the loyalty index) has a
*break*: the figures on either side are not comparable, so they are reported per definition and
the change across the break is not tested.

A KPI's definition is its spec (kind, scale, threshold) together with the construct definitions
(items, reverse-coded items, scale) it is computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ..questionnaire import Questionnaire
from .dataset import construct_definitions


class AnsweredVersion(NamedTuple):
    """A questionnaire version some responses answered: its number and its content."""

    number: int
    questionnaire: Questionnaire


@dataclass
class KpiDefinition:
    """One way a KPI was measured, shared by one or more questionnaire versions."""

    spec: dict
    constructs: dict  # construct id -> definition (items, reverse, scale) the KPI is computed from
    version_ids: list[int] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)  # version numbers

    @property
    def label(self) -> str:
        return "v" + "+v".join(str(v) for v in self.versions)

    def same_as(self, spec: dict, constructs: dict) -> bool:
        return self.spec == spec and self.constructs == constructs


def kpi_constructs(spec: dict, questionnaire: Questionnaire, loyalty_index: str) -> dict:
    """The definitions of the constructs a KPI is computed from in ``questionnaire``."""
    definitions = construct_definitions(questionnaire)
    if spec["column"] == loyalty_index:
        names = [c.id for c in questionnaire.constructs_by_role("outcome")]
    else:
        names = [spec["column"]]
    return {name: _plain(definitions[name]) for name in names if name in definitions}


def _plain(definition: dict) -> dict:
    return {"items": sorted(definition["items"]), "reverse": sorted(definition["reverse"]),
            "scale_min": definition["scale_min"], "scale_max": definition["scale_max"]}


def group_definitions(per_version: list[tuple[int, AnsweredVersion, dict, dict]]) -> list[KpiDefinition]:
    """Group ``(version_id, version, spec, constructs)`` by equal definitions, oldest version first."""
    groups: list[KpiDefinition] = []
    for version_id, version, spec, constructs in sorted(per_version, key=lambda entry: entry[1].number):
        group = next((g for g in groups if g.same_as(spec, constructs)), None)
        if group is None:
            group = KpiDefinition(spec=spec, constructs=constructs)
            groups.append(group)
        group.version_ids.append(version_id)
        group.versions.append(version.number)
    return groups


def describe_change(old: KpiDefinition, new: KpiDefinition) -> str:
    """What differs between two definitions of a KPI, in a short sentence."""
    parts = []
    for name in dict.fromkeys([*old.constructs, *new.constructs]):
        before, after = old.constructs.get(name), new.constructs.get(name)
        if before is None:
            parts.append(f"{name} added")
            continue
        if after is None:
            parts.append(f"{name} removed")
            continue
        removed = [i for i in before["items"] if i not in after["items"]]
        added = [i for i in after["items"] if i not in before["items"]]
        if removed:
            parts.append(f"{name}: item(s) {', '.join(removed)} removed")
        if added:
            parts.append(f"{name}: item(s) {', '.join(added)} added")
        if (before["scale_min"], before["scale_max"]) != (after["scale_min"], after["scale_max"]):
            parts.append(f"{name}: scale {_scale(before)} became {_scale(after)}")
        if before["reverse"] != after["reverse"]:
            parts.append(f"{name}: reverse-coded items changed")
    if not parts and old.spec != new.spec:
        parts.append("KPI definition changed")
    return f"{old.label} to {new.label}: " + "; ".join(parts)


def _scale(definition: dict) -> str:
    if definition["scale_min"] is None:
        return "none"
    return f"{definition['scale_min']:g}-{definition['scale_max']:g}"
