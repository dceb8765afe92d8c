"""A built wheel works on its own: installed in a fresh venv, run from an unrelated folder.

Slow (a fresh venv and every dependency), so it runs when ``SURVEYAPP_TEST_WHEEL=1`` (``.ci/run``
sets it): ``pytest -m wheel``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.wheel,
    pytest.mark.skipif(os.environ.get("SURVEYAPP_TEST_WHEEL") != "1",
                       reason="builds and installs a wheel in a fresh venv: set SURVEYAPP_TEST_WHEEL=1 (.ci/run does)"),
]


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_installed_wheel_runs_the_demo_from_another_folder(tmp_path):
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)])
    (wheel,) = wheels.glob("surveyapp-*.whl")

    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", str(wheel)])

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SURVEYAPP_")}
    env["SURVEYAPP_DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    demo = _run([str(environment / "bin" / "surveyapp"), "demo", "--no-serve"], cwd=elsewhere, env=env)
    assert "Demo survey 'demo'" in demo.stdout
    assert "/s/" in demo.stdout  # respondent links were printed

    # The installed package uses its own copies, not this checkout's folders, and they work:
    # the migrations ran (above), the shipped questionnaires are found, the catalogs translate.
    check = _run([str(python), "-c", (
        "import surveyapp.shipped as s; from surveyapp import create_app\n"
        "assert '_shipped' in str(s.shipped_dir('migrations')), s.shipped_dir('migrations')\n"
        "assert (s.shipped_dir('questionnaires') / 'loyalty-tracker.yaml').is_file()\n"
        "app = create_app(); client = app.test_client()\n"
        "page = client.get('/login', headers={'Accept-Language': 'nl'}).text\n"
        "assert 'Inloggen' in page, page[:500]\n"
        "print('ok')"
    )], cwd=elsewhere, env=env)
    assert check.stdout.strip().endswith("ok")
