"""marshmallow schemas of every API body and query; the OpenAPI document is made from them."""

from __future__ import annotations

from datetime import UTC

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ..invitations.importing import KNOWN_COLUMNS

#: Attribute filters every survey may use (plus the attributes its questionnaire declares).
COMMON_FILTERS = ("segment", "channel", "persona", "language")
MAX_CONTACTS = 5000
MAX_PAGE = 1000


class UtcDateTime(fields.DateTime):
    """A stored (naive UTC) time as RFC 3339 with its offset: ``2026-12-01T09:30:00+00:00``."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class ProblemSchema(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(),
                         metadata={"description": "Field name -> what is wrong with it (422 only)."})


class SurveySchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    questionnaire_key = fields.String(required=True)
    questionnaire_version = fields.Integer(required=True)
    languages = fields.List(fields.String(), required=True)
    open_wave = fields.String(required=True, allow_none=True)
    created_at = UtcDateTime(required=True)


class SurveyListSchema(Schema):
    surveys = fields.List(fields.Nested(SurveySchema), required=True)


class WaveSchema(Schema):
    name = fields.String(required=True)
    opens_at = UtcDateTime(required=True)
    closes_at = UtcDateTime(required=True, allow_none=True)
    is_open = fields.Boolean(required=True)
    completed_responses = fields.Integer(required=True)


class WaveListSchema(Schema):
    survey = fields.String(required=True)
    waves = fields.List(fields.Nested(WaveSchema), required=True)


class FilterQuerySchema(Schema):
    """``?wave=`` and attribute filters; a filter given twice matches either value."""

    class Meta:
        unknown = EXCLUDE

    wave = fields.String(metadata={"description": "Name of one wave (default: all waves)."})
    segment = fields.List(fields.String(), metadata={"description": "Only respondents in this segment."})
    channel = fields.List(fields.String())
    persona = fields.List(fields.String())
    language = fields.List(fields.String(), metadata={"description": "Language the respondent answered in."})
    careless = fields.String(validate=validate.OneOf(["exclude", "include"]), metadata={
        "description": "exclude: leave careless responses (speeders, straightliners, duplicates, inconsistent) "
                       "out of every figure, as the dashboard's switch does (default: include and count them)."})


class ResponsesQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    wave = fields.String(metadata={"description": "Name of one wave (default: all waves)."})
    cursor = fields.String(metadata={"description": "next_cursor of the previous page."})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE))


class KpiSchema(Schema):
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "mean, nps, top2box or low_effort"})
    value = fields.Float(required=True, allow_none=True)
    ci_low = fields.Float(required=True, allow_none=True)
    ci_high = fields.Float(required=True, allow_none=True)
    n = fields.Integer(required=True)
    suppressed = fields.Boolean(required=True, metadata={
        "description": "True when a filtered group is smaller than min_n: no value is shown."})
    moe = fields.Float(allow_none=True, metadata={"description": "Margin of error: half the 95% interval."})
    mdc = fields.Float(allow_none=True, metadata={
        "description": "Smallest change to the next wave this n can detect (5% two-sided, power 80%)."})
    comparable = fields.Boolean(metadata={
        "description": "False when questionnaire versions measured this KPI differently: then the figures above "
                       "are the newest version's and `per_version` has each definition's."})
    per_version = fields.List(fields.Nested(lambda: KpiVersionSchema()), metadata={
        "description": "Only for a KPI that is not comparable: its value per definition, oldest first."})


class KpiVersionSchema(Schema):
    versions = fields.List(fields.Integer(), required=True, metadata={"description": "Questionnaire versions."})
    value = fields.Float(required=True, allow_none=True)
    ci_low = fields.Float(required=True, allow_none=True)
    ci_high = fields.Float(required=True, allow_none=True)
    n = fields.Integer(required=True)


class AnalysisContextSchema(Schema):
    survey = fields.String(required=True)
    wave = fields.String(required=True, allow_none=True)
    filters = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)
    n = fields.Integer(required=True, metadata={"description": "Completed responses analysed."})
    min_n = fields.Integer(required=True)
    warnings = fields.List(fields.String(), required=True)
    careless = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "Careless responses: `flagged` (how many), a count per flag, and `excluded` (true when "
                       "left out of the figures)."})


class KpisSchema(AnalysisContextSchema):
    kpis = fields.List(fields.Nested(KpiSchema), required=True)


class DriverSchema(Schema):
    name = fields.String(required=True)
    beta_std = fields.Float(required=True, allow_none=True)
    p = fields.Float(required=True, allow_none=True)
    lmg_share = fields.Float(required=True, allow_none=True)
    relative_weight_share = fields.Float(required=True, allow_none=True)
    mean = fields.Float(required=True, allow_none=True, metadata={"description": "Performance: mean score."})
    quadrant = fields.String(required=True, allow_none=True,
                             metadata={"description": "fix first, keep up, possible overkill or low priority"})


class OutcomeDriversSchema(Schema):
    outcome = fields.String(required=True)
    n = fields.Integer(required=True)
    r2 = fields.Float(required=True, allow_none=True)
    adj_r2 = fields.Float(required=True, allow_none=True)
    drivers = fields.List(fields.Nested(DriverSchema), required=True)


class DriversSchema(AnalysisContextSchema):
    results = fields.List(fields.Nested(OutcomeDriversSchema), required=True,
                          metadata={"description": "One per outcome; loyalty_index first."})


class ResponseSchema(Schema):
    id = fields.Integer(required=True)
    wave = fields.String(required=True)
    language = fields.String(required=True)
    completed_at = UtcDateTime(required=True, allow_none=True)
    attributes = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)


class ResponsePageSchema(Schema):
    responses = fields.List(fields.Nested(ResponseSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True,
                                metadata={"description": "Pass as ?cursor= for the next page; null on the last."})


class ContactInSchema(Schema):
    """One contact. Rows are checked exactly as a contacts file is; problems come back per row."""

    class Meta:
        unknown = EXCLUDE

    email = fields.String(allow_none=True)
    language = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    crm_id = fields.String(allow_none=True)
    attributes = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=100)),
                             values=fields.Raw(allow_none=True), load_default=dict,
                             metadata={"description": "segment, customer_value, ...: kept with the contact"})

    @validates_schema
    def no_known_columns_in_attributes(self, data, **kwargs):
        clash = sorted(set(data.get("attributes") or {}) & set(KNOWN_COLUMNS))
        if clash:
            raise ValidationError(f"{', '.join(clash)} go beside attributes, not inside", "attributes")


class ContactsInSchema(Schema):
    contacts = fields.List(fields.Nested(ContactInSchema), required=True,
                           validate=validate.Length(min=1, max=MAX_CONTACTS))
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Check and report; write nothing."})


class RowErrorSchema(Schema):
    row = fields.Integer(required=True, metadata={"description": "1 = the first contact of the request."})
    reason = fields.String(required=True)


class ContactsResultSchema(Schema):
    dry_run = fields.Boolean(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(RowErrorSchema), required=True)
    suppressed = fields.List(fields.Integer(), required=True, metadata={
        "description": "Rows of people erased earlier: not imported again."})
