"""Time the start-up of the `surveyapp` command: `--help` and `questionnaire validate` of a small file.

    python bench/bench_startup.py            # 10 interleaved runs of each
    python bench/bench_startup.py --quick    # 3 runs

Whole processes (bench/timing.py), beside a bare `python -c pass` for the interpreter's own cost.
`--pythonpath DIR` runs another checkout (for a before/after comparison). Figures go to
bench/results/startup.json (startup-quick.json with --quick).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import compare, save, summary  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--pythonpath", help="import surveyapp from this folder (another checkout)")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    env = dict(os.environ)
    if args.pythonpath:
        env["PYTHONPATH"] = args.pythonpath
    cwd = args.pythonpath or str(ROOT)
    entry = [args.python, "-c", "import sys; from surveyapp.cli import run; sys.argv[0] = 'surveyapp'; run()"]
    cases = {
        "surveyapp --help": [*entry, "--help"],
        "surveyapp questionnaire validate (small file)": [*entry, "questionnaire", "validate",
                                                          str(ROOT / "questionnaires" / "all-item-types.yaml")],
        "python -c pass": [args.python, "-c", "pass"],
    }
    figures = compare(cases, runs=runs, env=env, cwd=cwd)
    report = {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores, shared", "runs": runs,
              "cases": {name: {key: summary(values) for key, values in f.items()} for name, f in figures.items()}}
    save("startup", report, quick=args.quick, label=args.label)


if __name__ == "__main__":
    main()
