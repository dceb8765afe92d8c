"""Statistics on survey responses as pure functions on DataFrames: no Flask, no database.

Modules
-------
scoring
    ``construct_scores``: mean of a construct's items, reverse-coded items flipped.
kpis
    NPS, CES, engagement, top-2-box, 5Q means; ``breakdown`` by group; ``tracker`` over waves.
reliability
    ``cronbach_alpha``, ``item_analysis``, ``construct_reliability``.
drivers
    ``driver_analysis`` (OLS/WLS, HC3, LMG, relative weights, bootstrap), ``driver_analyses``,
    ``driver_analysis_of_chunks`` (a large file in one pass).
importance_performance, relationship_matrix
    ``importance_performance``, ``customer_relationship_matrix``.
driver_export
    A driver result as a terminal table and as an xlsx workbook.

The command line lives in :mod:`surveyapp.commands`; nothing here imports click, Flask or the
database.

The names below can be imported from this package directly; they are loaded on first use, so
that ``surveyapp drivers`` does not pay for importing ``scipy.stats`` it never needs.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "construct_scores": "scoring",
    "net_promoter_score": "kpis",
    "nps_from_counts": "kpis",
    "mean_score": "kpis",
    "top2box": "kpis",
    "customer_effort": "kpis",
    "dimension_means": "kpis",
    "kpi_summary": "kpis",
    "breakdown": "kpis",
    "tracker": "kpis",
    "cronbach_alpha": "reliability",
    "item_analysis": "reliability",
    "construct_reliability": "reliability",
    "DriverAnalysisError": "drivers",
    "DriverResult": "drivers",
    "driver_analysis": "drivers",
    "driver_analyses": "drivers",
    "driver_analysis_of_chunks": "drivers",
    "importance_performance": "importance_performance",
    "customer_relationship_matrix": "relationship_matrix",
    "lmg": "relative_importance",
    "relative_weights": "relative_importance",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
