"""Whole-process timing for the benchmarks: wall time, CPU time and peak memory of a command.

Each run is one process started with subprocess.Popen and reaped with os.wait4, whose resource
usage gives the CPU seconds and the peak resident memory of that process alone. Cases are run
alternately (A B A B ...) after a warm-up, so a drift in the shared machine's speed hits both;
ratios are taken pair by pair and their median quoted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time


def run_once(argv, env=None, cwd=None):
    """(wall seconds, CPU seconds, peak MiB) of one run of ``argv``; fails loudly on an error."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, argv))} failed ({process.returncode}):\n{stderr.decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def compare(cases, runs=5, warmup=1, env=None, cwd=None):
    """Run every case ``runs`` times, interleaved, after ``warmup`` rounds.

    ``cases`` maps a name to an argv. Returns {name: {"wall": [...], "cpu": [...], "peak_mib": [...]}}.
    """
    figures = {name: {"wall": [], "cpu": [], "peak_mib": []} for name in cases}
    for round_number in range(warmup + runs):
        for name, argv in cases.items():
            wall, cpu, peak = run_once(argv, env=env, cwd=cwd)
            if round_number >= warmup:
                figures[name]["wall"].append(wall)
                figures[name]["cpu"].append(cpu)
                figures[name]["peak_mib"].append(peak)
    return figures


def summary(values):
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3),
            "max": round(max(values), 3)}


def pair_ratio(figures, a, b, key="wall"):
    """Median over runs of A's figure divided by B's figure in the same round."""
    return round(statistics.median(x / y for x, y in zip(figures[a][key], figures[b][key], strict=True)), 3)


def save(kind: str, report: dict, *, quick: bool = False, label: str = "") -> None:
    """Write ``report`` to bench/results/KIND[-quick][-LABEL].json and print it."""
    import json
    from pathlib import Path

    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    name = kind + ("-quick" if quick else "") + (f"-{label}" if label else "") + ".json"
    (results / name).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
