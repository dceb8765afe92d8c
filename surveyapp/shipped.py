"""Where the files that ship with surveyapp are: migrations, translations, questionnaires.

In a checkout they are the top-level folders of the repository (their source). A built wheel
carries copies inside the package, under ``surveyapp/_shipped/`` (``setup.py`` puts them there),
so that an installed ``surveyapp`` works from any directory.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: Inside an installed wheel.
SHIPPED_DIR = PACKAGE_DIR / "_shipped"
#: A source checkout (including an editable install).
SOURCE_ROOT = PACKAGE_DIR.parent
#: The folders that ship, by name.
FOLDERS = ("migrations", "translations", "questionnaires")


def shipped_dir(name: str) -> Path:
    """The folder ``name`` (one of :data:`FOLDERS`): the installed copy, else the checkout's."""
    if name not in FOLDERS:
        raise ValueError(f"{name!r} does not ship with surveyapp")
    installed = SHIPPED_DIR / name
    return installed if installed.is_dir() else SOURCE_ROOT / name
