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

import functools
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
    from flask import current_app

    # The careless-response threshold is a setting of the installation, not an option of a reader.
    settings = {"speeder_share": current_app.config.get("SPEEDER_SHARE")}
    plain = json.dumps({"format": _format(), "wave": wave.id if wave else None, "filters": filters,
                        "options": options, "settings": settings}, sort_keys=True, default=str)
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
    options = _without_defaults(options)
    key = scope_key(wave, filters, options)
    current = fingerprint(survey)
    row = _row(survey, key)
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
    payload = scores = None
    if analysis is not None:
        # The per-respondent scores are most of the bytes and few readers need them: kept apart,
        # read only when a reader touches ``analysis.scores``.
        scores = _dumps(analysis.scores)
        payload = _dumps(analysis.without_scores())
    _store(survey, wave, key, filters, options, current, seconds, payload=payload, scores=scores,
           responses=analysis.n if analysis is not None else 0)
    log.info("analysis of %s (wave %s, filters %s) computed in %.2f s", survey.slug,
             wave.name if wave else "all", filters or "none", seconds)
    return analysis


#: The options of a stored row that holds careless-response flags rather than an analysis.
QUALITY_FLAGS = {"stored": "quality_flags"}


def stored_quality_flags(survey: Survey, compute, settings: dict):
    """The careless-response flags of every completed response of ``survey``, as computed for its
    current data (the same fingerprint as the analyses) and ``settings`` (thresholds); else
    ``compute()``, stored."""
    options = {**QUALITY_FLAGS, **settings}
    key = scope_key(None, {}, options)
    current = fingerprint(survey)
    row = _row(survey, key)
    if row is not None and row.fingerprint == current and row.payload is not None:
        flags = _loads(row.payload)
        if flags is not None:
            return flags
    started = time.perf_counter()
    flags = compute()
    _store(survey, None, key, {}, options, current, time.perf_counter() - started,
           payload=_dumps(flags), scores=None, responses=len(flags))
    return flags


def _without_defaults(options: dict) -> dict:
    """``options`` without those that equal :func:`.survey_analysis.analyze_survey`'s defaults, so
    that ``min_n=10`` and no ``min_n`` share one stored analysis."""
    defaults = _analysis_defaults()
    return {name: value for name, value in options.items() if name not in defaults or defaults[name] != value}


@functools.cache
def _analysis_defaults() -> dict:
    import inspect

    from .survey_analysis import analyze_survey

    return {name: parameter.default for name, parameter in inspect.signature(analyze_survey).parameters.items()
            if parameter.default is not inspect.Parameter.empty}


def _row(survey: Survey, key: str) -> StoredAnalysis | None:
    return db.session.scalar(db.select(StoredAnalysis).where(StoredAnalysis.survey_id == survey.id,
                                                             StoredAnalysis.key == key))


def forget_stored_analyses(survey: Survey) -> None:
    """Drop every stored analysis of ``survey`` (a new questionnaire version, an erasure)."""
    db.session.execute(db.delete(StoredAnalysis).where(StoredAnalysis.survey_id == survey.id))


def _stored_scores(row_id: int):
    payload = db.session.scalar(db.select(StoredAnalysis.scores).where(StoredAnalysis.id == row_id))
    return _loads(payload) if payload is not None else None


def _store(survey, wave, key, filters, options, current, seconds, *, payload, scores, responses) -> None:
    values = {"fingerprint": current, "responses": responses,
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
