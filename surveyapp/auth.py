"""Sign-in for researchers, managers and administrators, and the role check every
management route and API call uses."""

from __future__ import annotations

import unicodedata
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from . import throttle
from .extensions import db, limiter, login_manager
from .models import User

bp = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def role_required(*roles: str):
    """Allow the view only to signed-in users holding one of ``roles`` (admins hold all)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


class LoginForm(FlaskForm):
    # Strip before validating: an address pasted with a trailing space is still the address.
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()],
                       filters=[lambda value: value.strip() if isinstance(value, str) else value])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the start page.

    An open redirect would let a phishing link borrow our domain. Browsers drop tabs and
    newlines from a URL and read ``\\`` as ``/``, so ``/\t/evil.example`` means
    ``//evil.example``: the check runs on the target as a browser would read it, and only
    that normalised form is used.
    """
    if not target:
        return url_for("main.index")
    cleaned = "".join(ch for ch in target if not _invisible(ch)).replace("\\", "/")
    parts = urlsplit(cleaned)
    if cleaned.startswith("/") and not cleaned.startswith("//") and not parts.scheme and not parts.netloc:
        return cleaned
    return url_for("main.index")


def _invisible(ch: str) -> bool:
    # Control, format (zero-width, bidi) and every kind of space: nothing a real path holds.
    return unicodedata.category(ch)[0] in "CZ"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if throttle.account_locked(email):
            # The same words whether or not the account exists: nothing to learn from them.
            flash(_("Too many failed sign-ins for this address. Please try again later."), "error")
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(db.select(User).where(User.email == email))
        if user is not None and user.active and user.check_password(form.password.data):
            throttle.successful_login(email)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        throttle.failed_login(email)
        flash(_("Unknown email address or wrong password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("main.index"))
