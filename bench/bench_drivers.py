"""Time the `drivers` command against reading the same CSV with pandas, and against pingouin.

    python bench/make_data.py          # once: writes bench/data/
    python bench/bench_drivers.py      # 5 timed runs of each command after one warm-up

Each case is a whole process (interpreter start, imports, reading, analysis, output), timed with
time.perf_counter around subprocess.run; the script prints min / median / max wall-clock seconds
and the ratio of the medians. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
DRIVERS = "q1_object,q2_processes,q3_infrastructure,q4_interaction,q5_atmosphere"


def cases(python):
    big = DATA / "responses_1000000.csv"
    small = DATA / "responses_10000.csv"
    # The command as users run it: the `surveyapp` entry point next to the interpreter.
    command = [str(Path(python).with_name("surveyapp")), "drivers"]
    drivers = DRIVERS.split(",")
    return {
        "drivers command, 1M rows": [
            *command,
            str(big),
            "--outcome",
            "recommend",
            "--drivers",
            DRIVERS,
            "--format",
            "json",
        ],
        "drivers command, 1M rows, weighted": [
            *command,
            str(big),
            "--outcome",
            "recommend",
            "--drivers",
            DRIVERS,
            "--weight",
            "weight",
            "--format",
            "json",
        ],
        "pandas.read_csv, same file": [python, "-c", f"import pandas; pandas.read_csv({str(big)!r})"],
        "pingouin linear_regression(relimp=True), 1M rows": [
            python,
            "-c",
            f"import pandas, pingouin; df = pandas.read_csv({str(big)!r}); "
            f"pingouin.linear_regression(df[{drivers!r}], df['recommend'], relimp=True)",
        ],
        "drivers command, 10k rows, bootstrap 1000": [
            *command,
            str(small),
            "--outcome",
            "recommend",
            "--drivers",
            DRIVERS,
            "--bootstrap",
            "1000",
            "--seed",
            "1",
            "--format",
            "json",
        ],
    }


def time_runs(argv, runs, warmup):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    times = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        done = subprocess.run(
            argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
        )
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode()}")
        if i >= warmup:
            times.append(elapsed)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    if not (DATA / "responses_1000000.csv").exists():
        raise SystemExit("no benchmark data: run python bench/make_data.py first")
    medians = {}
    print(f"{'case':52} {'min':>7} {'median':>7} {'max':>7}  (seconds, {args.runs} runs)")
    for name, argv in cases(args.python).items():
        times = time_runs(argv, args.runs, args.warmup)
        medians[name] = statistics.median(times)
        print(f"{name:52} {min(times):7.2f} {medians[name]:7.2f} {max(times):7.2f}")
    base = medians["pandas.read_csv, same file"]
    for name in (
        "drivers command, 1M rows",
        "drivers command, 1M rows, weighted",
        "pingouin linear_regression(relimp=True), 1M rows",
    ):
        print(f"{name} / pandas.read_csv: {medians[name] / base:.2f}x")


if __name__ == "__main__":
    main()
