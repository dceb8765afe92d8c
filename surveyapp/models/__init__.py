"""SQLAlchemy models, one module per aggregate."""

from .access import ApiKey, SurveyAccess
from .analysis import StoredAnalysis
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
    "StoredAnalysis",
    "Survey",
    "SurveyAccess",
    "User",
    "Wave",
]
