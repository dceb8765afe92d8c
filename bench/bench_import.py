"""Time `surveyapp contacts import` of a large contact list, as a whole process.

    python bench/bench_import.py            # 100,000 rows: a first import (all new), then the same file again (all updates)
    python bench/bench_import.py --quick    # 5,000 rows

Sets up a fresh SQLite database in a temporary folder (`surveyapp db upgrade`, publish the
loyalty tracker, create a survey, erase a few people so the suppression check has work),
writes a semicolon CSV of N contacts (email, language, name, crm_id, segment, customer_value
with a decimal comma), and times each import with time.perf_counter around the command.
Figures go to bench/results/import.json. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def write_contacts(path: Path, n: int) -> None:
    segments = ("business", "private", "public")
    with open(path, "w", encoding="utf-8-sig") as handle:
        handle.write("email;language;name;crm_id;segment;customer_value\n")
        for i in range(n):
            language = "nl" if i % 3 else "en"
            handle.write(f"person{i}@example.org;{language};Person {i};CRM{i:07d};{segments[i % 3]};"
                         f"{i % 997},{i % 100:02d}\n")


def surveyapp(python: str, env: dict, *args: str) -> float:
    command = [str(Path(python).with_name("surveyapp")), *args]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 rows")
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    rows = 5_000 if args.quick else args.rows
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        env = dict(os.environ, SURVEYAPP_DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite'}",
                   SURVEYAPP_SECRET_KEY="bench", SURVEYAPP_ENV="development")
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
    figures = {
        "date": date.today().isoformat(),
        "rows": rows,
        "first import (creates), seconds": round(first, 2),
        "same file again (updates), seconds": round(again, 2),
        "ms per row, first import": round(1000 * first / rows, 3),
    }
    RESULTS.mkdir(exist_ok=True)
    name = "import-quick.json" if args.quick else "import.json"
    (RESULTS / name).write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
