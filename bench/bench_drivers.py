"""Time the `drivers` command against reading the same CSV with pandas.read_csv.

    python bench/make_data.py --rows 1000000 5000000     # once: writes bench/data/
    python bench/bench_drivers.py                        # 1M and 5M rows, 5 interleaved runs each
    python bench/bench_drivers.py --quick                # 1M rows, 3 runs

Each case is a whole process (interpreter start, imports, reading, analysis, output): wall and CPU
seconds and peak memory from the operating system's accounting of that process (bench/timing.py).
The ratio "command / read_csv" is taken pair by pair (the two run alternately) and its median
reported. Figures go to bench/results/drivers.json (drivers-quick.json with --quick).
`--pythonpath DIR` runs the command from another checkout (for a before/after comparison);
`--before DIR` adds that checkout's command as cases of the same run, interleaved with this one's (the
fairer comparison on a shared machine: both see the same load), with pair ratios after / before.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import compare, pair_ratio, save, summary  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
DRIVERS = "q1_object,q2_processes,q3_infrastructure,q4_interaction,q5_atmosphere"


def command(python: str, path: Path, code: str | None = None) -> list:
    """The drivers command on ``path``; with ``code``, imported from that checkout."""
    first = f"sys.path.insert(0, {code!r}); " if code else ""
    return [python, "-c", f"import sys; {first}from surveyapp.cli import run; sys.argv[0] = 'surveyapp'; run()",
            "drivers", str(path), "--outcome", "recommend", "--drivers", DRIVERS, "--format", "json"]


def cases(python: str, path: Path, before: str | None = None) -> dict:
    this = command(python, path)
    found = {
        "drivers command": this,
        "drivers command, weighted": [*this, "--weight", "weight"],
        "pandas.read_csv": [python, "-c", f"import pandas; pandas.read_csv({str(path)!r})"],
    }
    if before:
        found["before: drivers command"] = command(python, path, before)
        found["before: drivers command, weighted"] = [*command(python, path, before), "--weight", "weight"]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M rows only, 3 runs")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000_000, 5_000_000])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--pythonpath", help="import surveyapp from this folder (another checkout)")
    parser.add_argument("--before", help="also run the command from this checkout, interleaved (before/after)")
    parser.add_argument("--label", default="", help="added to the results file name, e.g. before")
    args = parser.parse_args()
    rows = [1_000_000] if args.quick else args.rows
    runs = 3 if args.quick else args.runs
    env = dict(os.environ)
    if args.pythonpath:
        env["PYTHONPATH"] = args.pythonpath
    cwd = args.pythonpath or str(ROOT)
    report = {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores, shared", "runs": runs,
              "sizes": {}}
    for n in rows:
        path = DATA / f"responses_{n}.csv"
        if not path.exists():
            raise SystemExit(f"no {path}: run python bench/make_data.py --rows {n}")
        figures = compare(cases(args.python, path, args.before), runs=runs, warmup=args.warmup, env=env, cwd=cwd)
        size = {name: {key: summary(values) for key, values in f.items()} for name, f in figures.items()}
        size["ratio command / read_csv, wall"] = pair_ratio(figures, "drivers command", "pandas.read_csv")
        size["ratio command / read_csv, cpu"] = pair_ratio(figures, "drivers command", "pandas.read_csv", "cpu")
        size["ratio weighted / read_csv, wall"] = pair_ratio(figures, "drivers command, weighted", "pandas.read_csv")
        size["ratio weighted / read_csv, cpu"] = pair_ratio(figures, "drivers command, weighted", "pandas.read_csv",
                                                            "cpu")
        if args.before:
            for after, before in [("drivers command", "before: drivers command"),
                                  ("drivers command, weighted", "before: drivers command, weighted")]:
                size[f"ratio before: {after} / read_csv, cpu"] = pair_ratio(figures, before, "pandas.read_csv", "cpu")
                size[f"ratio before: {after} / read_csv, wall"] = pair_ratio(figures, before, "pandas.read_csv")
                size[f"ratio {after}: after / before, cpu"] = pair_ratio(figures, after, before, "cpu")
        report["sizes"][f"{n:,} rows"] = size
    save("drivers", report, quick=args.quick, label=args.label)


if __name__ == "__main__":
    main()
