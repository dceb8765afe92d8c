"""The back office's forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from ..models import ROLES
from ..surveys import SLUG_PATTERN

#: The roles as people read them.
ROLE_LABELS = {"admin": _l("Administrator"), "researcher": _l("Researcher"), "manager": _l("Manager")}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token is posted."""


# --- questionnaires --------------------------------------------------------------------------


class QuestionnaireUploadForm(FlaskForm):
    file = FileField(_l("Questionnaire file (YAML)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["yaml", "yml"], _l("Upload a .yaml or .yml file.")),
    ])


class QuestionnaireTextForm(FlaskForm):
    text = TextAreaField(_l("Questionnaire text"), validators=[DataRequired()])


class PreviewForm(FlaskForm):
    """The language of a preview; the questionnaire's attributes are read alongside it."""

    language = SelectField(_l("Language"))


class PublishForm(FlaskForm):
    confirm = BooleanField(_l("I have read the changes that break comparability and want to publish anyway"))


# --- surveys and waves -----------------------------------------------------------------------


class SettingsFields:
    reminder_after_days = IntegerField(_l("Days before a reminder"), validators=[Optional(), NumberRange(min=0)])
    max_reminders = IntegerField(_l("At most this many reminders"), validators=[Optional(), NumberRange(min=0)])
    retention_days = IntegerField(_l("Anonymize contacts this many days after a wave closes"),
                                  validators=[Optional(), NumberRange(min=0)])
    open_link = BooleanField(_l("Anonymous open link (website, QR code)"))


class SurveyCreateForm(SettingsFields, FlaskForm):
    slug = StringField(_l("Short name (in links)"), filters=[_strip], validators=[
        DataRequired(), Length(max=80),
        Regexp(SLUG_PATTERN, message=_l("Use lower-case letters, digits and hyphens.")),
    ])
    questionnaire = SelectField(_l("Questionnaire"), validators=[DataRequired()])
    title = StringField(_l("Title for managers"), filters=[_strip], validators=[Optional(), Length(max=300)])


class SurveySettingsForm(SettingsFields, FlaskForm):
    pass


class VersionForm(FlaskForm):
    version = SelectField(_l("Questionnaire version for new responses"), coerce=int)


class WaveOpenForm(FlaskForm):
    name = StringField(_l("Wave name"), filters=[_strip], validators=[DataRequired(), Length(max=80)])
    closes = DateField(_l("Last day for answers (optional)"), validators=[Optional()])


# --- contacts and sending --------------------------------------------------------------------


class ContactUploadForm(FlaskForm):
    file = FileField(_l("Contact file (CSV or XLSX)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv", "xlsx", "xlsm"], _l("Upload a .csv or .xlsx file.")),
    ])


class ContactImportForm(FlaskForm):
    pass


class EraseForm(FlaskForm):
    email = EmailField(_l("Email address of the person to erase"), filters=[_strip],
                       validators=[DataRequired(), Email()])


class QueueForm(FlaskForm):
    wave = SelectField(_l("Wave"), coerce=int)
    kind = RadioField(_l("Mails"), default="invitations", choices=[
        ("invitations", _l("Invitations to contacts not yet invited")),
        ("reminders", _l("Reminders to those who have not answered")),
    ])


# --- users -----------------------------------------------------------------------------------


class UserCreateForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[_strip], validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), filters=[_strip], validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[(role, ROLE_LABELS[role]) for role in ROLES], default="manager")
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class UserRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[(role, ROLE_LABELS[role]) for role in ROLES])
