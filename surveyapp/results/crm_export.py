"""The CRM file: one row per contact with their NPS group, scores and a follow-up flag.

A CSV file meant for import into a CRM system, so its column names are fixed codes (the same
in every language) and its values plain: ``crm_id, wave, completed_at, nps_score, nps_group
(promoter / passive / detractor), <construct scores>, loyalty_index, follow_up`` (1 for a
detractor: someone should call them back). A contact who answered in several waves appears
once, with their latest response. Responses without a CRM id (open links) are left out; names
and email addresses are never written.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, BinaryIO

import pandas as pd

from ..extensions import db
from ..models import Response
from .raw_data import inert

if TYPE_CHECKING:
    from .reports import ReportScope
    from .survey_analysis import SurveyAnalysis


def nps_group(score) -> str | None:
    """promoter (9-10), passive (7-8) or detractor (0-6); None without an answer."""
    if score is None or pd.isna(score):
        return None
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def crm_frame(scope: ReportScope, analysis: SurveyAnalysis) -> pd.DataFrame:
    from .survey_analysis import LOYALTY_INDEX

    scores = analysis.scores
    rows = db.session.execute(
        db.select(Response.id, Response.attributes, Response.completed_at)
        .where(Response.survey_id == scope.survey.id, Response.status == "completed")
    ).all()
    wanted = set(scores.index)
    contacts = pd.DataFrame(
        [(row.id, (row.attributes or {}).get("crm_id"), row.completed_at) for row in rows if row.id in wanted],
        columns=["response_id", "crm_id", "completed_at"],
    ).set_index("response_id")
    frame = scores.join(contacts, how="inner")
    frame = frame[frame["crm_id"].notna() & (frame["crm_id"].astype(str) != "")]
    order = [c for c in ("wave_opens_at", "completed_at") if c in frame.columns]
    if order:
        frame = frame.sort_values(order, kind="stable")
    frame = frame.drop_duplicates("crm_id", keep="last")

    nps_column = analysis.kpis.get("nps", {}).get("column")
    constructs = [c for c in scope.questionnaire.constructs if c in frame.columns and c != nps_column]
    result = pd.DataFrame({"crm_id": frame["crm_id"].astype(str).map(inert)}, index=frame.index)
    if "wave" in frame.columns:
        result["wave"] = frame["wave"]
    result["completed_at"] = pd.to_datetime(frame["completed_at"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if nps_column:
        result["nps_score"] = frame[nps_column].astype("Int64")
        result["nps_group"] = frame[nps_column].map(nps_group)
    else:
        result["nps_score"] = pd.NA
        result["nps_group"] = None
    for construct in constructs:
        result[construct] = frame[construct]
    if LOYALTY_INDEX in frame.columns:
        result[LOYALTY_INDEX] = frame[LOYALTY_INDEX]
    result["follow_up"] = (result["nps_group"] == "detractor").astype(int)
    return result.sort_values("crm_id", kind="stable")


def write_crm(scope: ReportScope, analysis: SurveyAnalysis, out: BinaryIO) -> None:
    frame = crm_frame(scope, analysis)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    frame.to_csv(text, index=False)
    text.flush()
    text.detach()
