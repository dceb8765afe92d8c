"""Time `surveyapp contacts import` of a large contact list, as a whole process.

    python bench/bench_import.py            # 100,000 rows: a first import (all new), then the same file again (all updates)
    python bench/bench_import.py --quick    # 5,000 rows
    python bench/bench_import.py --rows 10000 --pythonpath ../other-checkout --label before

Sets up a fresh SQLite database in a temporary folder (`surveyapp db upgrade`, publish the
loyalty tracker, create a survey, erase a few people so the suppression check has work),
writes a semicolon CSV of N contacts (email, language, name, crm_id, segment, customer_value
with a decimal comma), and times each import as a whole process (wall, CPU, peak memory; bench/timing.py).
Figures go to bench/results/import.json. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import run_once, save  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def write_contacts(path: Path, n: int) -> None:
    segments = ("business", "private", "public")
    with open(path, "w", encoding="utf-8-sig") as handle:
        handle.write("email;language;name;crm_id;segment;customer_value\n")
        for i in range(n):
            language = "nl" if i % 3 else "en"
            handle.write(f"person{i}@example.org;{language};Person {i};CRM{i:07d};{segments[i % 3]};"
                         f"{i % 997},{i % 100:02d}\n")


def surveyapp(python: str, env: dict, *args: str) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MiB) of one ``surveyapp`` command (bench/timing.py)."""
    entry = "import sys; from surveyapp.cli import run; sys.argv[0] = 'surveyapp'; run()"
    return run_once([python, "-c", entry, *args], env=env, cwd=env.get("PYTHONPATH") or str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 rows")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--pythonpath", help="import surveyapp from this folder (another checkout)")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    rows = 5_000 if args.quick else args.rows
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        env = dict(os.environ, SURVEYAPP_DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite'}",
                   SURVEYAPP_SECRET_KEY="bench", SURVEYAPP_ENV="development")
        if args.pythonpath:
            env["PYTHONPATH"] = args.pythonpath
        surveyapp(args.python, env, "db", "upgrade")
        surveyapp(args.python, env, "questionnaire", "publish", str(ROOT / "questionnaires" / "loyalty-tracker.yaml"))
        surveyapp(args.python, env, "survey", "create", "bench", "--questionnaire", "loyalty-tracker")
        erased = folder / "erased.csv"
        write_contacts(erased, 10)
        surveyapp(args.python, env, "contacts", "import", str(erased), "--survey", "bench")
        for i in range(0, 10, 2):
            surveyapp(args.python, env, "contacts", "erase", f"person{i}@example.org", "--survey", "bench")
        contacts = folder / "contacts.csv"
        write_contacts(contacts, rows)
        first = surveyapp(args.python, env, "contacts", "import", str(contacts), "--survey", "bench")
        again = surveyapp(args.python, env, "contacts", "import", str(contacts), "--survey", "bench")
        start_up = surveyapp(args.python, env, "survey", "list")
    figures = {
        "date": date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, shared",
        "rows": rows,
        "first import (creates): wall s, cpu s, peak MiB": [round(v, 2) for v in first],
        "same file again (updates): wall s, cpu s, peak MiB": [round(v, 2) for v in again],
        "app start-up alone (surveyapp survey list): wall s, cpu s, peak MiB": [round(v, 2) for v in start_up],
        "cpu ms per row, first import, start-up subtracted": round(1000 * (first[1] - start_up[1]) / rows, 3),
    }
    save("import", figures, quick=args.quick, label=args.label)


if __name__ == "__main__":
    main()
