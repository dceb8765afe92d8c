"""SQLAlchemy models, one module per aggregate."""

from .access import ApiKey, SurveyAccess
from .contact import Contact
from .invitation import Invitation, OutboxMail
from .questionnaire import QuestionnaireVersion
from .response import Answer, Response
from .survey import Survey, Wave
from .user import ROLES, PasswordReset, User

__all__ = [
    "ROLES",
    "Answer",
    "ApiKey",
    "Contact",
    "Invitation",
    "OutboxMail",
    "PasswordReset",
    "QuestionnaireVersion",
    "Response",
    "Survey",
    "SurveyAccess",
    "User",
    "Wave",
]
