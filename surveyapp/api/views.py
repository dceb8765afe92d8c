"""The JSON API, ``/api/v1/``: surveys, waves, KPIs, drivers, responses; contacts in.

Every call but ``GET /api/v1/openapi.json`` needs ``Authorization: Bearer KEY`` (see
:mod:`surveyapp.apikeys`); cookies are never looked at, so the API needs no CSRF token.
A key acts as its user: role and survey grants from :mod:`surveyapp.access`. Figures come
from :func:`surveyapp.results.survey_analysis.analyze_stored_survey`, the same function
behind the results pages and ``surveyapp analyze``.
"""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, current_app, g, jsonify, request
from marshmallow import Schema, ValidationError, fields

from ..access import accessible_surveys, survey_for_user
from ..apikeys import user_for_key
from ..extensions import csrf, db, limiter
from ..models import Answer, QuestionnaireVersion, Response, Survey, Wave
from ..models.base import utcnow
from . import schemas
from .problems import fail

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

#: Roles that may read a granted survey's figures and responses; and write its contacts.
READERS = ("manager", "researcher")
WRITERS = ("researcher",)
#: Attributes never used as filters (they single out a person) nor returned.
PERSONAL = ("name", "email")
NOT_FILTERABLE = (*PERSONAL, "crm_id")


def _rate_limit() -> str:
    return current_app.config.get("RATELIMIT_API", "120 per minute")


limiter.limit(_rate_limit)(bp)


@bp.before_request
def authenticate():
    if request.endpoint == "api.openapi":
        return
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        fail(401, "Send your API key as: Authorization: Bearer KEY")
    user = user_for_key(key.strip())
    if user is None:
        fail(401, "This API key is unknown or revoked, or its user is deactivated.")
    g.api_user = user


@bp.after_request
def no_store(response):
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def _require(*roles: str) -> None:
    if not g.api_user.has_role(*roles):
        fail(403, f"Your role ({g.api_user.role}) does not allow this.")


def _survey(slug: str) -> Survey:
    return survey_for_user(slug, g.api_user)  # 404 (problem+json) when missing or not granted


def _query(schema: Schema) -> dict:
    """The query string loaded with ``schema`` (list fields take every value); 422 when bad."""
    raw = {}
    for name, values in request.args.lists():
        field = schema.fields.get(name)
        raw[name] = values if isinstance(field, fields.List) else values[0]
    try:
        return schema.load(raw)
    except ValidationError as error:
        fail(422, errors=error.normalized_messages())


def _body(schema: Schema) -> dict:
    data = request.get_json(silent=True)
    if data is None:
        fail(422, "The body must be JSON (Content-Type: application/json).", errors={"body": ["not JSON"]})
    try:
        return schema.load(data)
    except ValidationError as error:
        messages = error.normalized_messages()
        fail(422, errors=messages if isinstance(messages, dict) else {"body": messages})


# --- documents --------------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    from .spec import openapi_document

    return jsonify(openapi_document())


# --- surveys ------------------------------------------------------------------------------------------


def _languages(survey: Survey) -> list[str]:
    from ..invitations.operations import survey_languages

    return list(survey_languages(survey))


def _survey_json(survey: Survey, version_numbers: dict[int, int]) -> dict:
    wave = survey.current_wave(utcnow())
    return {"slug": survey.slug, "title": survey.title, "questionnaire_key": survey.questionnaire_key,
            "questionnaire_version": version_numbers.get(survey.questionnaire_version_id, 0),
            "languages": _languages(survey), "open_wave": wave.name if wave else None,
            "created_at": survey.created_at}


def _version_numbers(surveys: list[Survey]) -> dict[int, int]:
    ids = {s.questionnaire_version_id for s in surveys}
    if not ids:
        return {}
    return dict(db.session.execute(
        db.select(QuestionnaireVersion.id, QuestionnaireVersion.version).where(QuestionnaireVersion.id.in_(ids))).all())


@bp.get("/surveys")
def surveys():
    _require(*READERS)
    items = accessible_surveys(g.api_user)
    numbers = _version_numbers(items)
    return schemas.SurveyListSchema().dump({"surveys": [_survey_json(s, numbers) for s in items]})


@bp.get("/surveys/<slug>")
def survey(slug: str):
    _require(*READERS)
    item = _survey(slug)
    return schemas.SurveySchema().dump(_survey_json(item, _version_numbers([item])))


@bp.get("/surveys/<slug>/waves")
def waves(slug: str):
    _require(*READERS)
    item = _survey(slug)
    completed = dict(db.session.execute(
        db.select(Response.wave_id, db.func.count(Response.id))
        .where(Response.survey_id == item.id, Response.status == "completed").group_by(Response.wave_id)).all())
    now = utcnow()
    return schemas.WaveListSchema().dump({"survey": item.slug, "waves": [
        {"name": w.name, "opens_at": w.opens_at, "closes_at": w.closes_at, "is_open": w.is_open(now),
         "completed_responses": completed.get(w.id, 0)} for w in item.waves]})


# --- figures ------------------------------------------------------------------------------------------


def _wave(survey: Survey, name: str | None) -> Wave | None:
    if not name:
        return None
    wave = next((w for w in survey.waves if w.name == name), None)
    if wave is None:
        fail(422, errors={"wave": [f"survey {survey.slug} has no wave {name!r}"]})
    return wave


def _filterable(survey: Survey) -> list[str]:
    from ..results.dataset import ATTRIBUTE_COLUMNS

    questionnaire = db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()
    names = [*schemas.COMMON_FILTERS, *ATTRIBUTE_COLUMNS, *questionnaire.attributes]
    return [name for name in dict.fromkeys(names) if name not in NOT_FILTERABLE]


def _analysis(slug: str):
    """(survey, wave, filters, analysis or None) for the figures endpoints."""
    from ..analysis.kpis import DEFAULT_MIN_N
    from ..results.survey_analysis import analyze_stored_survey

    _require(*READERS)
    item = _survey(slug)
    query_schema = schemas.FilterQuerySchema()
    query = _query(query_schema)
    allowed = _filterable(item)
    filters = {name: list(values) for name, values in query.items() if name not in ("wave", "careless") and values}
    for name, values in request.args.lists():  # attributes a questionnaire declares itself
        if name in query_schema.fields:
            continue
        if name not in allowed:
            fail(422, errors={name: [f"not an attribute to filter by; use one of: {', '.join(allowed)}"]})
        filters[name] = values
    wave = _wave(item, query.get("wave"))
    exclude = query.get("careless") == "exclude"
    analysis = analyze_stored_survey(item, wave, min_n=DEFAULT_MIN_N, filters=filters or None,
                                     **({"exclude_flagged": True} if exclude else {}))
    context = {"survey": item.slug, "wave": wave.name if wave else None, "filters": filters,
               "n": 0 if analysis is None else analysis.n, "min_n": DEFAULT_MIN_N,
               "warnings": [] if analysis is None else [str(w) for w in analysis.warnings],
               "careless": {**({} if analysis is None else analysis.flag_counts), "excluded": exclude}}
    return analysis, context


@bp.get("/surveys/<slug>/kpis")
def kpis(slug: str):
    from ..results.survey_analysis import finite

    analysis, context = _analysis(slug)
    rows = []
    if analysis is not None:
        for name, row in analysis.summary.iterrows():
            n = int(row["n"])
            # A small filtered group could single people out: counts only, like the breakdowns.
            hidden = bool(context["filters"]) and n < context["min_n"]
            kpi = {"name": str(name), "kind": analysis.kpis[name]["kind"], "n": n, "suppressed": hidden,
                   "comparable": analysis.comparable(name),
                   **{key: None if hidden else finite(row.get(key)) for key in ("value", "ci_low", "ci_high", "moe", "mdc")}}
            if not kpi["comparable"]:
                versions = analysis.kpi_versions[analysis.kpi_versions["kpi"] == name]
                kpi["per_version"] = [
                    {"versions": [int(v) for v in version.versions], "n": int(version.n),
                     **{key: None if hidden else finite(getattr(version, key)) for key in ("value", "ci_low", "ci_high")}}
                    for version in versions.itertuples()]
            rows.append(kpi)
    return schemas.KpisSchema().dump({**context, "kpis": rows})


@bp.get("/surveys/<slug>/drivers")
def drivers(slug: str):
    from ..results.survey_analysis import LOYALTY_INDEX, finite

    analysis, context = _analysis(slug)
    results = []
    if analysis is not None and analysis.drivers is not None:
        overall = [(outcome, result) for (outcome, segment), result in analysis.drivers.results.items()
                   if segment is None]
        overall.sort(key=lambda pair: pair[0] != LOYALTY_INDEX)
        for outcome, result in overall:
            try:
                quadrants = result.importance_performance("lmg_share").table["quadrant"]
            except (ValueError, KeyError):
                quadrants = {}
            results.append({"outcome": outcome, "n": int(result.n), "r2": finite(result.r2),
                            "adj_r2": finite(result.adj_r2), "drivers": [
                                {"name": str(name), "beta_std": finite(row["beta_std"]), "p": finite(row["p"]),
                                 "lmg_share": finite(row["lmg_share"]),
                                 "relative_weight_share": finite(row["relative_weight_share"]),
                                 "mean": finite(row["mean"]), "quadrant": quadrants.get(name)}
                                for name, row in result.table.iterrows()]})
    return schemas.DriversSchema().dump({**context, "results": results})


# --- responses ----------------------------------------------------------------------------------------


def _cursor_id(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind == "r" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    fail(422, errors={"cursor": ["not a cursor this API gave out; start without one"]})


def _cursor(response_id: int) -> str:
    return base64.urlsafe_b64encode(f"r:{response_id}".encode()).decode().rstrip("=")


@bp.get("/surveys/<slug>/responses")
def responses(slug: str):
    _require(*READERS)
    item = _survey(slug)
    query = _query(schemas.ResponsesQuerySchema())
    after = _cursor_id(query.get("cursor"))
    limit = query["limit"]
    wave = _wave(item, query.get("wave"))
    statement = (
        db.select(Response, Wave.name).join(Wave, Wave.id == Response.wave_id)
        .where(Response.survey_id == item.id, Response.status == "completed", Response.id > after)
        .order_by(Response.id).limit(limit + 1)
    )
    if wave is not None:
        statement = statement.where(Response.wave_id == wave.id)
    rows = db.session.execute(statement).all()
    page, more = rows[:limit], len(rows) > limit
    answers: dict[int, dict] = {row.Response.id: {} for row in page}
    if answers:
        for response_id, item_id, value, other_text in db.session.execute(
                db.select(Answer.response_id, Answer.item_id, Answer.value, Answer.other_text)
                .where(Answer.response_id.in_(answers))):
            answers[response_id][item_id] = value
            if other_text:
                answers[response_id][f"{item_id}__other_text"] = other_text
    body = {"responses": [
        {"id": row.Response.id, "wave": row.name, "language": row.Response.language,
         "completed_at": row.Response.completed_at,
         "attributes": {k: v for k, v in (row.Response.attributes or {}).items() if k not in PERSONAL},
         "answers": answers[row.Response.id]} for row in page],
        "next_cursor": _cursor(page[-1].Response.id) if more else None}
    return schemas.ResponsePageSchema().dump(body)


# --- contacts -----------------------------------------------------------------------------------------


@bp.post("/surveys/<slug>/contacts")
def contacts(slug: str):
    from ..invitations.importing import KNOWN_COLUMNS, ContactFile, _column_name
    from ..invitations.operations import import_contact_rows

    _require(*WRITERS)
    item = _survey(slug)
    body = _body(schemas.ContactsInSchema())
    rows, columns = [], dict.fromkeys(KNOWN_COLUMNS)
    for number, contact in enumerate(body["contacts"], start=1):
        row = {key: contact.get(key) for key in KNOWN_COLUMNS}
        for name, value in (contact.get("attributes") or {}).items():
            column = _column_name(name)
            if column and column not in KNOWN_COLUMNS:
                row[column] = value
                columns[column] = None
        rows.append((number, row))
    report = import_contact_rows(item, ContactFile(list(columns), rows), dry_run=body["dry_run"],
                                 actor=f"api {g.api_user.email}", source="API request")
    result = {"dry_run": body["dry_run"], "created": report.created, "updated": report.updated,
              "rejected": [{"row": row, "reason": reason} for row, reason in report.errors],
              "suppressed": sorted(report.suppressed)}
    return schemas.ContactsResultSchema().dump(result)

