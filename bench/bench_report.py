"""Time the results workbook (``surveyapp report --format xlsx``) on many synthetic responses.

    .venv/bin/python bench/bench_report.py --responses 100000 [--formats xlsx,csv,crm]

Builds a response table for questionnaires/loyalty-tracker.yaml in memory (three waves, three
segments, answers driven by one latent satisfaction, no database), analyses it once with
``analyze_survey`` and writes the workbook (and, with --formats, the other table formats that
need no database) to a temporary folder. Prints seconds per step and the peak memory (RSS) of
the process after each step.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_table(questionnaire, n: int, seed: int = 2026) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    waves = rng.choice(["2026-10", "2026-11", "2026-12"], size=n)
    columns = {
        "wave": waves,
        "wave_opens_at": pd.to_datetime(pd.Series(waves) + "-01"),
        "language": rng.choice(["nl", "en"], size=n, p=[0.7, 0.3]),
        "segment": rng.choice(["large", "medium", "small"], size=n, p=[0.2, 0.3, 0.5]),
        "channel": rng.choice(["web", "phone", "store"], size=n),
        "persona": rng.choice(["pragmatist", "expert"], size=n),
        "customer_value": rng.lognormal(7, 0.8, size=n),
        "potential_value": rng.lognormal(7.3, 0.9, size=n),
    }
    for item in questionnaire.items():
        if item.scale is not None:
            low, high = item.scale.min, item.scale.max
            middle, spread = (low + high) / 2, (high - low) / 4
            values = np.rint(middle + spread * (0.8 * latent + 0.6 * rng.normal(size=n)))
            columns[item.id] = np.clip(values, low, high)
        elif item.type == "single" and item.options:
            columns[item.id] = rng.choice([o.value for o in item.options], size=n)
        elif item.type == "multiple" and item.options:
            for option in item.options:
                columns[f"{item.id}__{option.value}"] = rng.integers(0, 2, size=n).astype(float)
    table = pd.DataFrame(columns)
    table.index = pd.RangeIndex(1, n + 1, name="response_id")
    return table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--formats", default="xlsx", help="comma-separated: xlsx, csv, crm")
    parser.add_argument("--language", default="nl")
    args = parser.parse_args()

    os.environ.setdefault("SURVEYAPP_SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("SURVEYAPP_ENV", "development")
    sys.path.insert(0, str(ROOT))
    from surveyapp import create_app
    from surveyapp.questionnaire import load_questionnaire
    from surveyapp.results.labels import Labels, in_language
    from surveyapp.results.reports import ReportScope
    from surveyapp.results.survey_analysis import analyze_survey
    from surveyapp.results.workbook import write_workbook

    questionnaire = load_questionnaire(ROOT / "questionnaires" / "loyalty-tracker.yaml")
    start = time.perf_counter()
    table = synthetic_table(questionnaire, args.responses)
    print(f"{args.responses:,} responses, {table.shape[1]} columns: made in {time.perf_counter() - start:.2f} s, "
          f"peak {peak_mib():.0f} MiB")

    start, cpu = time.perf_counter(), time.process_time()
    analysis = analyze_survey(table, questionnaire)
    print(f"analysis: {time.perf_counter() - start:.2f} s ({time.process_time() - cpu:.2f} s CPU), "
          f"peak {peak_mib():.0f} MiB")

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    survey = SimpleNamespace(slug="bench", title="Bench")
    scope = ReportScope(survey=survey, questionnaire=questionnaire, language=args.language)
    with app.app_context(), in_language(args.language), tempfile.TemporaryDirectory() as folder:
        labels = Labels(questionnaire, args.language)
        for fmt in args.formats.split(","):
            path = Path(folder) / f"report.{fmt}"
            before = peak_mib()
            start, cpu = time.perf_counter(), time.process_time()
            with path.open("wb") as out:
                if fmt == "xlsx":
                    write_workbook(scope, analysis, labels, out)
                elif fmt == "csv":
                    from surveyapp.results.raw_data import write_responses_csv

                    write_responses_csv(table, questionnaire, out)
                else:
                    raise SystemExit(f"unknown or database-bound format {fmt!r}")
            print(f"{fmt}: {time.perf_counter() - start:.2f} s ({time.process_time() - cpu:.2f} s CPU), "
                  f"{path.stat().st_size / 2**20:.1f} MiB file, "
                  f"peak {peak_mib():.0f} MiB (was {before:.0f} MiB before writing)")


if __name__ == "__main__":
    main()
