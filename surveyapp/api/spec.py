"""The OpenAPI 3 document of /api/v1/, generated with apispec from the marshmallow schemas."""

from __future__ import annotations

from functools import cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from . import schemas
from .problems import PROBLEM_MIMETYPE

SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"},
        "description": "The survey's slug."}
PROBLEMS = {
    "401": "No API key, or an unknown, revoked or deactivated one.",
    "403": "The key's role does not allow this.",
    "404": "No such survey, or it is not shared with the key's user.",
    "422": "A field of the query or body is invalid; `errors` names it.",
    "429": "Too many requests.",
}


def _problems(*codes: str) -> dict:
    return {code: {"description": PROBLEMS[code],
                   "content": {PROBLEM_MIMETYPE: {"schema": "Problem"}}} for code in codes}


def _ok(schema: str, description: str) -> dict:
    return {"200": {"description": description, "content": {"application/json": {"schema": schema}}}}


def _get(summary: str, schema: str, *, query=None, slug=True, codes=("401", "403", "404", "422", "429")) -> dict:
    operation = {"summary": summary, "responses": {**_ok(schema, summary), **_problems(*codes)}}
    parameters = [SLUG] if slug else []
    if query is not None:
        parameters.append({"in": "query", "schema": query})
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


@cache
def openapi_document() -> dict:
    spec = APISpec(
        title="surveyapp API", version="1", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Surveys, waves, KPIs, driver analysis and responses of the surveys shared with "
                             "you; contacts in. Send a personal key (surveyapp apikey create EMAIL) as "
                             "`Authorization: Bearer KEY`. Errors are application/problem+json (RFC 9457)."},
        servers=[{"url": "/api/v1"}],
        security=[{"bearer": []}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name in ("Problem", "Survey", "SurveyList", "Wave", "WaveList", "Kpis", "Drivers", "ResponsePage",
                 "ContactsIn", "ContactsResult"):
        spec.components.schema(name, schema=getattr(schemas, f"{name}Schema"))

    spec.path(path="/surveys", operations=_get(
        "The surveys shared with you (admins: all).", "SurveyList", slug=False, codes=("401", "403", "429")))
    spec.path(path="/surveys/{slug}", operations=_get("One survey.", "Survey"))
    spec.path(path="/surveys/{slug}/waves", operations=_get("The survey's waves.", "WaveList"))
    spec.path(path="/surveys/{slug}/kpis", operations=_get(
        "KPIs (NPS, CES, loyalty index, constructs) of one wave or all, for the respondents matching the filters.",
        "Kpis", query=schemas.FilterQuerySchema))
    spec.path(path="/surveys/{slug}/drivers", operations=_get(
        "Driver analysis: how strongly each quality dimension drives each loyalty outcome.",
        "Drivers", query=schemas.FilterQuerySchema))
    spec.path(path="/surveys/{slug}/responses", operations=_get(
        "Completed responses, oldest first, a page at a time; follow next_cursor.",
        "ResponsePage", query=schemas.ResponsesQuerySchema))
    spec.path(path="/surveys/{slug}/contacts", operations={"post": {
        "summary": "Add or update contacts, checked like a contacts file; rejected rows are reported by number.",
        "parameters": [SLUG],
        "requestBody": {"required": True, "content": {"application/json": {"schema": "ContactsIn"}}},
        "responses": {**_ok("ContactsResult", "What was (or, with dry_run, would be) imported."),
                      **_problems("401", "403", "404", "422", "429")},
    }})
    spec.path(path="/openapi.json", operations={"get": {
        "summary": "This document.", "security": [],
        "responses": {"200": {"description": "OpenAPI 3 document", "content": {"application/json": {}}}},
    }})
    return spec.to_dict()
