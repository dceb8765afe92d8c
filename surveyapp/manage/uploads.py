"""Files a user uploaded and has not finished with: questionnaire drafts and contact files.

A questionnaire draft is checked, previewed and corrected before it is published; a contact
file is imported only after its dry run was shown. Between those requests the file waits in
the instance folder, in a directory of its own named for its owner and a random token, under
the name it was uploaded with (publishing records that name). Nothing here touches the database.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path

from flask import current_app
from werkzeug.utils import secure_filename

#: Uploads older than this are removed (a draft left overnight is uploaded again).
MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _root(kind: str) -> Path:
    return Path(current_app.instance_path) / "uploads" / kind


def _directory(kind: str, user_id: int, token: str) -> Path | None:
    if not _TOKEN.match(token or ""):
        return None
    return _root(kind) / f"{int(user_id)}-{token}"


def save_upload(kind: str, user_id: int, filename: str, data: bytes, *, default_name: str) -> str:
    """Keep ``data`` for ``user_id`` under ``filename``; returns the token that finds it again."""
    remove_stale(kind)
    token = secrets.token_urlsafe(18)
    directory = _directory(kind, user_id, token)
    directory.mkdir(parents=True)
    (directory / (secure_filename(filename or "") or default_name)).write_bytes(data)
    return token


def save_form_upload(field, kind: str, user_id: int, *, limit: int, too_large: str, default_name: str) -> str | None:
    """Keep the file of a form's file ``field`` (as :func:`save_upload`); None, with ``too_large``
    among the field's errors, when it is larger than ``limit`` bytes (nothing is kept then)."""
    data = field.data.read(limit + 1)
    if len(data) > limit:
        field.errors.append(too_large)
        return None
    return save_upload(kind, user_id, field.data.filename, data, default_name=default_name)


def upload_path(kind: str, user_id: int, token: str) -> Path | None:
    """The file kept under ``token`` for ``user_id``, or None (unknown, expired, someone else's)."""
    directory = _directory(kind, user_id, token)
    if directory is None or not directory.is_dir():
        return None
    files = [path for path in directory.iterdir() if path.is_file()]
    return files[0] if files else None


def replace_upload(path: Path, data: bytes) -> None:
    """A corrected text for the same upload (the file keeps its name)."""
    path.write_bytes(data)


def discard_upload(path: Path) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)


def remove_stale(kind: str) -> None:
    root = _root(kind)
    if not root.is_dir():
        return
    cutoff = time.time() - MAX_AGE_SECONDS
    for directory in root.iterdir():
        try:
            if directory.stat().st_mtime < cutoff:
                shutil.rmtree(directory, ignore_errors=True)
        except OSError:
            continue
