"""Sign-in, sign-out and passwords for researchers, managers and administrators.

Who may do what is decided in :mod:`surveyapp.access`. A session cookie holds
``"<user id>.<session generation>"`` (see :meth:`surveyapp.models.User.get_id`); signing out,
changing or resetting the password and deactivation raise the generation, so every cookie
issued before, copied or not, stops working at once.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from . import throttle
from .access import role_required  # noqa: F401  (kept importable from here for older code)
from .extensions import db, limiter, login_manager
from .models import User
from .passwords import (
    MIN_LENGTH,
    ResetLinkError,
    WeakPasswordError,
    change_password,
    end_sessions,
    password_problem,
    request_password_reset,
    reset_for_token,
    reset_password,
)

bp = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.localize_callback = str  # the lazy text, in the visitor's language


@login_manager.user_loader
def load_user(session_id: str):
    user_id, _, generation = session_id.partition(".")
    if not user_id.isdigit() or not generation.isdigit():
        return None  # a cookie from before session generations, or forged: sign in again
    user = db.session.get(User, int(user_id))
    if user is None or user.session_generation != int(generation):
        return None
    return user


def _strip(value):
    # An address pasted with a trailing space is still the address.
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()], filters=[_strip])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()], filters=[_strip])


def _strong(form, field):
    problem = password_problem(field.data or "", email=getattr(form, "account_email", None))
    if problem:
        raise ValidationError(problem)


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), _strong])
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


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
    end_sessions(current_user)  # every copy of this session's cookie stops working too
    logout_user()
    return redirect(url_for("main.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password_page():
    form = ChangePasswordForm()
    form.account_email = current_user.email
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("This is not your current password."))
        else:
            user = current_user._get_current_object()
            try:
                change_password(user, form.password.data)
            except WeakPasswordError as error:  # the form checked already; kept for safety
                form.password.errors.append(str(error))
            else:
                login_user(user)  # this session goes on; every other one has ended
                flash(_("Your password has been changed. You were signed out everywhere else."), "info")
                return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form, min_length=MIN_LENGTH)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        base = current_app.config["BASE_URL"]
        request_password_reset(form.email.data, lambda token: f"{base}{url_for('auth.reset_password_page', token=token)}")
        # The same answer whether or not the address has an account.
        flash(_("If %(email)s has an account, a link to choose a new password is on its way. "
                "It works once, for one hour.", email=form.email.data), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_TOKEN_LOOKUPS"])
def reset_password_page(token: str):
    reset = reset_for_token(token)
    if reset is None:
        abort(410, description=_("This password link has been used or has expired. Ask for a new one."))
    form = NewPasswordForm()
    form.account_email = reset.user.email
    if form.validate_on_submit():
        try:
            reset_password(token, form.password.data)
        except WeakPasswordError as error:
            form.password.errors.append(str(error))
        except ResetLinkError:
            abort(410, description=_("This password link has been used or has expired. Ask for a new one."))
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your password has been changed. Sign in with your new password."), "info")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, min_length=MIN_LENGTH)


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Name of the key (what it is for)"), validators=[Length(max=100)])


@bp.route("/account/api-keys", methods=["GET", "POST"])
@login_required
def api_keys():
    """Personal keys for /api/v1/, made and revoked in the browser as ``surveyapp apikey`` does."""
    from .apikeys import create_api_key, keys_of

    form = ApiKeyForm()
    new_key = None
    if form.validate_on_submit():
        _, new_key = create_api_key(current_user._get_current_object(), name=form.name.data or "")
        form = ApiKeyForm(formdata=None)
    response = current_app.make_response(render_template(
        "auth/api_keys.html", form=form, keys=keys_of(current_user), new_key=new_key, revoke_form=FlaskForm()))
    response.headers["Cache-Control"] = "no-store"  # the new key is on this page once
    return response


@bp.post("/account/api-keys/<int:key_id>/revoke")
@login_required
def revoke_api_key_page(key_id: int):
    from .apikeys import keys_of, revoke_api_key

    record = next((key for key in keys_of(current_user) if key.id == key_id), None)
    if record is not None and FlaskForm().validate_on_submit():  # only one's own keys
        revoke_api_key(record, actor=current_user.email)
        flash(_("The key %(prefix)s… no longer works.", prefix=record.prefix), "info")
    return redirect(url_for("auth.api_keys"), 303)
