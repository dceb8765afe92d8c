"""The back office's blueprint, its role check and what every page shares."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..access import accessible_surveys, role_required

bp = Blueprint("manage", __name__, url_prefix="/manage", template_folder="templates")

#: Roles that work in the back office (admins always may).
STAFF = ("researcher",)


def actor() -> str:
    """Who did it, for the log lines of the operations (``cli:<user>`` from the command line)."""
    return f"web:{current_user.email}"


@bp.after_request
def no_store(response):
    # Contact lists, drafts and the outbox are confidential: keep them out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/")
@role_required(*STAFF)
def index():
    return render_template("manage/index.html", surveys=accessible_surveys(current_user))


# The areas register their routes on ``bp``.
from . import contacts, questionnaires, sending, surveys, users  # noqa: E402, F401
