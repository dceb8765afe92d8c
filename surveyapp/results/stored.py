"""Stored analyses: compute a survey's figures once per scope, keep them, recompute when stale.

A scope is (wave, attribute filters, analysis options). Its figures are kept in
:class:`~surveyapp.models.StoredAnalysis` with a *fingerprint* of the data they came from:
the survey's questionnaire version and the count, highest id and latest completion time of
its completed responses. A reader compares the stored fingerprint with the current one (one
small aggregate query on an indexed column); when they differ -- a response was completed
(or erased), the survey moved to another questionnaire version, or new weights were stored -- the figures are stale
and this reader recomputes and stores them.

The payload is the pickled :class:`~.survey_analysis.SurveyAnalysis`, zlib-compressed and
signed with an HMAC of the secret key: only this application can have written it, so
unpickling it is no more dangerous than running the code itself. A payload that fails the
signature, or was written by another ``FORMAT``, is recomputed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import pickle
import time
import zlib

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Response, StoredAnalysis, Survey, Wave
from ..models.base import utcnow
from ..signing import STORED_ANALYSIS, keyed_digest

log = logging.getLogger(__name__)

#: Bump when something pickled inside SurveyAnalysis changes shape: old rows are recomputed.
#: (A field added to or removed from SurveyAnalysis itself changes the key by itself.)
FORMAT = 2


def _format() -> str:
    from dataclasses import fields

    from .survey_analysis import SurveyAnalysis

    return f"{FORMAT}:" + ",".join(sorted(f.name for f in fields(SurveyAnalysis)))


def scope_key(wave: Wave | None, filters: dict, options: dict) -> str:
    plain = json.dumps({"format": _format(), "wave": wave.id if wave else None, "filters": filters,
                        "options": options}, sort_keys=True, default=str)
    return hashlib.sha256(plain.encode()).hexdigest()


def fingerprint(survey: Survey) -> str:
    """What the figures of ``survey`` depend on, as a short string."""
    count, last_id, last_completed, weights = db.session.execute(
        db.select(db.func.count(Response.id), db.func.max(Response.id), db.func.max(Response.completed_at),
                  db.func.sum(Response.weight))
        .where(Response.survey_id == survey.id, Response.status == "completed")
    ).one()
    # The weights' sum changes when `surveyapp survey weights` stores new ones.
    weighted = f"{float(weights):.9g}" if weights is not None else "-"
    return f"v{survey.questionnaire_version_id}:n{count}:id{last_id or 0}:t{last_completed or '-'}:w{weighted}"


def _filter_value(value):
    """One value as text, several (``?segment=a&segment=b``: either) as a sorted list of texts."""
    if isinstance(value, list | tuple | set | frozenset):
        return sorted({str(v) for v in value})
    return str(value)


def stored_analysis(survey: Survey, wave: Wave | None, filters: dict, options: dict):
    """The analysis of one scope: stored when fresh, else computed and stored."""
    from .survey_analysis import compute_survey_analysis

    filters = {str(k): _filter_value(v) for k, v in sorted(filters.items()) if v not in (None, "", [], ())}
    key = scope_key(wave, filters, options)
    current = fingerprint(survey)
    row = db.session.scalar(db.select(StoredAnalysis).where(StoredAnalysis.survey_id == survey.id,
                                                            StoredAnalysis.key == key))
    if row is not None and row.fingerprint == current:
        if row.payload is None:
            return None
        analysis = _loads(row.payload)
        if analysis is not None:
            analysis.attach_scores(lambda row_id=row.id: _stored_scores(row_id))
            return analysis
    started = time.perf_counter()
    analysis = compute_survey_analysis(survey, wave, filters, **options)
    seconds = time.perf_counter() - started
    _store(survey, wave, key, filters, options, current, analysis, seconds)
    log.info("analysis of %s (wave %s, filters %s) computed in %.2f s", survey.slug,
             wave.name if wave else "all", filters or "none", seconds)
    return analysis


def forget_stored_analyses(survey: Survey) -> None:
    """Drop every stored analysis of ``survey`` (a new questionnaire version, an erasure)."""
    db.session.execute(db.delete(StoredAnalysis).where(StoredAnalysis.survey_id == survey.id))


def _stored_scores(row_id: int):
    payload = db.session.scalar(db.select(StoredAnalysis.scores).where(StoredAnalysis.id == row_id))
    return _loads(payload) if payload is not None else None


def _store(survey, wave, key, filters, options, current, analysis, seconds) -> None:
    payload = scores = None
    if analysis is not None:
        # The per-respondent scores are most of the bytes and few readers need them: kept apart,
        # read only when a reader touches ``analysis.scores``.
        scores = _dumps(analysis.scores)
        payload = _dumps(analysis.without_scores())
    values = {"fingerprint": current, "responses": analysis.n if analysis is not None else 0,
              "payload": payload, "scores": scores, "computed_at": utcnow(), "seconds": seconds,
              "wave_id": wave.id if wave else None, "filters": filters,
              "options": json.loads(json.dumps(options, default=str))}
    try:
        updated = db.session.execute(
            db.update(StoredAnalysis)
            .where(StoredAnalysis.survey_id == survey.id, StoredAnalysis.key == key)
            .values(**values).execution_options(synchronize_session=False)
        ).rowcount
        if not updated:
            db.session.add(StoredAnalysis(survey_id=survey.id, key=key, **values))
        db.session.commit()
    except IntegrityError:
        # Another reader stored the same scope a moment ago: theirs is as good as ours.
        db.session.rollback()


def _signature(data: bytes) -> bytes:
    return keyed_digest(STORED_ANALYSIS, data)


def _dumps(analysis) -> bytes:
    data = zlib.compress(pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL), 1)
    return _signature(data) + data


def _loads(payload: bytes):
    signature, data = payload[:32], payload[32:]
    if not hmac.compare_digest(signature, _signature(data)):
        log.warning("stored analysis with a wrong signature ignored (secret key changed?)")
        return None
    try:
        return pickle.loads(zlib.decompress(data))  # noqa: S301 -- signed by this application, see above
    except Exception:  # written by other code (a field renamed): recompute
        log.warning("stored analysis could not be read; recomputing", exc_info=True)
        return None
