"""SQLAlchemy models, one module per aggregate."""

from .analysis import StoredAnalysis
from .contact import Contact
from .invitation import Invitation, OutboxMail
from .questionnaire import QuestionnaireVersion
from .response import Answer, Response
from .survey import Survey, Wave
from .user import ROLES, User

__all__ = [
    "ROLES",
    "Answer",
    "Contact",
    "Invitation",
    "OutboxMail",
    "QuestionnaireVersion",
    "Response",
    "StoredAnalysis",
    "Survey",
    "User",
    "Wave",
]
