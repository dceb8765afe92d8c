"""What a contact sees of the invitations: the opt-out page."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from ..extensions import csrf, db
from ..models import Contact
from ..signing import contact_id_from_token
from ..throttle import failed_lookup
from .operations import opt_out

bp = Blueprint("invitations", __name__, template_folder="templates")


@bp.after_request
def no_store(response):
    # The opt-out page shows the contact's email address: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET asks for confirmation; POST opts the contact out.

    The signed token is what protects this page: only the mail's recipient has it. The
    form still carries a CSRF token like every form on the site, but a mail program's
    RFC 8058 one-click POST (body ``List-Unsubscribe=One-Click``) cannot, so that one
    request is accepted on the token alone; hence the view is exempt and checks CSRF itself.
    """
    contact_id = contact_id_from_token(token)
    if contact_id is None:
        abort(429 if failed_lookup() else 404)  # only forged tokens count, as for survey links
    contact = db.session.get(Contact, contact_id)
    if contact is not None:
        g.language = contact.language
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        if not one_click:
            csrf.protect()
        if contact is not None:
            opt_out(contact, actor=f"contact {contact.id}" + (" (one-click)" if one_click else ""))
    # An erased contact has nothing left to opt out of: show the result.
    done = request.method == "POST" or contact is None or contact.opted_out_at is not None or not contact.email
    return render_template("invitations/unsubscribe.html", token=token, done=done,
                           email=contact.email if contact is not None else None)
