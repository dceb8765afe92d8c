"""Build hook: put the shipped folders inside the package of a wheel.

``migrations/``, ``translations/`` and ``questionnaires/`` stay top-level folders in the
repository (their source); a built wheel carries copies under ``surveyapp/_shipped/`` so that an
installed ``surveyapp`` finds them from any directory (see ``surveyapp/shipped.py``).
Everything else is configured in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("migrations", "translations", "questionnaires")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pot")


class BuildWithShippedFolders(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads the folders where they are
            return
        target = Path(self.build_lib) / "surveyapp" / "_shipped"
        shutil.rmtree(target, ignore_errors=True)  # no stale copies of removed files
        for name in SHIPPED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, target / name, ignore=SKIP, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithShippedFolders})
