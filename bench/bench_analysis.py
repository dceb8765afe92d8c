"""Benchmark the stored analysis: cold analysis of N completed tracker responses, and the dashboard.

    python bench/bench_analysis.py            # 100,000 responses (the target), and prints a table
    python bench/bench_analysis.py --quick    # 10,000 responses
    python bench/bench_analysis.py --responses 20000 --database postgresql+psycopg://postgres@127.0.0.1:5432/bench

The database (SQLite by default: bench/data/analysis_<N>.sqlite, git-ignored) is filled once with
N completed responses to questionnaires/loyalty-tracker.yaml over three waves (built in bulk with
NumPy, so that setting it up takes seconds, not hours) and reused by later runs. Each measurement
runs in a fresh process, so the peak memory (ru_maxrss) is that of the case alone, interpreter
and imports included:

* before: the old path, ``response_table`` (every answer decoded from JSON) + ``analyze_survey``;
* cold: ``analyze_stored_survey`` with nothing stored (typed bulk loading, analysis, storing);
* stored: ``analyze_stored_survey`` when the figures are stored (fingerprint query + unpickling);
* dashboard: server time of GET /results/<slug> through the app (a signed-in manager), median of
  10 requests after one warm-up, with the figures stored.

Results go to bench/results/analysis_<N>.json; bench/README.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
SLUG = "bench"
MANAGER = "bench-manager@example.com"
PASSWORD = "bench password 2026"


def app_for(url: str):
    os.environ.setdefault("SURVEYAPP_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("SURVEYAPP_ENV", "development")
    from surveyapp import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                       "SECRET_KEY": "bench-secret-key"})


# --- the data -------------------------------------------------------------------------------------


def build(url: str, n: int, seed: int = 2026) -> None:
    """N completed responses with answers, in bulk (Core executemany, chunks of 100,000 rows)."""
    import numpy as np

    from surveyapp.extensions import db
    from surveyapp.invitations.operations import open_wave
    from surveyapp.models import Answer, Response
    from surveyapp.models.base import utcnow
    from surveyapp.surveys import create_survey, publish_questionnaire
    from surveyapp.users import create_or_update_user

    app = app_for(url)
    rng = np.random.default_rng(seed)
    with app.app_context():
        db.drop_all()
        db.create_all()
        create_or_update_user(MANAGER, PASSWORD, role="manager")
        version = publish_questionnaire(ROOT / "questionnaires" / "loyalty-tracker.yaml").version
        survey = create_survey(SLUG, version)
        questionnaire = version.questionnaire()
        from datetime import timedelta

        now = utcnow().replace(microsecond=0)
        waves = []
        for index in range(3):
            opens = now - timedelta(days=90 - 30 * index)
            waves.append(open_wave(survey, f"2026-w{index + 1}", opens_at=opens,
                                   closes_at=opens + timedelta(days=30) if index < 2 else None))
        wave_of = rng.integers(0, 3, n)
        segment = rng.choice(["large", "medium", "small"], n, p=[0.2, 0.3, 0.5])
        channel = rng.choice(["web", "phone", "store", "account_manager"], n)
        persona = rng.choice(["pragmatist", "relationship_seeker", "price_hunter", "expert"], n)
        language = rng.choice(["nl", "en"], n, p=[0.7, 0.3])
        shift = np.select([segment == "large", segment == "small"], [0.3, -0.25], 0.0) + 0.12 * wave_of
        common = rng.normal(size=n)
        latent = {c.id: 0.6 * common + 0.8 * rng.normal(size=n) + shift
                  for c in questionnaire.constructs_by_role("driver")}
        weights = {"interaction": 0.45, "product": 0.35, "processes": 0.25, "infrastructure": 0.1, "atmosphere": 0.05}
        loyalty = sum(weights.get(k, 0.15) * v for k, v in latent.items()) + 0.45 * rng.normal(size=n)
        item_latent = {}
        for construct in questionnaire.constructs.values():
            for item in construct.items:
                item_latent.setdefault(item, latent.get(construct.id, loyalty))

        first_id = 1
        responses = [
            {"id": first_id + i, "survey_id": survey.id, "wave_id": waves[wave_of[i]].id,
             "questionnaire_version_id": version.id, "language": language[i],
             "attributes": {"segment": segment[i], "channel": channel[i], "persona": persona[i],
                            "customer_value": round(float(rng.lognormal(7, 0.8)), 2),
                            "potential_value": round(float(rng.lognormal(7.3, 0.9)), 2),
                            "name": f"Klant {i}", "crm_id": f"CRM-{i:06d}"},
             "randomization": {}, "status": "completed",
             "started_at": waves[wave_of[i]].opens_at + timedelta(hours=1 + i % 500),
             "updated_at": waves[wave_of[i]].opens_at + timedelta(hours=1 + i % 500),
             "completed_at": waves[wave_of[i]].opens_at + timedelta(hours=1 + i % 500, minutes=5)}
            for i in range(n)
        ]
        with db.engine.begin() as connection:
            for start in range(0, n, 20000):
                connection.execute(Response.__table__.insert(), responses[start:start + 20000])
        del responses

        columns = []  # (item id, values array with NaN = not answered, kind)
        for item in questionnaire.items():
            if item.scale is not None:
                low, high = item.scale.min, item.scale.max
                z = item_latent.get(item.id, loyalty)
                centre = low + (high - low) * (0.72 if item.type == "nps" else 0.68)
                values = np.clip(np.round(centre + (high - low) / 4.2 * (z + 0.55 * rng.normal(size=n))), low, high)
                if item.dont_know:
                    values[rng.random(n) < 0.03] = -1  # "don't know"
                columns.append((item.id, values, "scale"))
            elif item.type == "text":
                columns.append((item.id, np.where(rng.random(n) < 0.3, 1.0, np.nan), "text"))
        texts = ["Snellere levering zou fijn zijn.", "Faster delivery would be great.", "Prima zo!"]
        rows = []
        with db.engine.begin() as connection:
            for item_id, values, kind in columns:
                for i in np.flatnonzero(~np.isnan(values)):
                    value = values[i]
                    if kind == "text":
                        rows.append({"response_id": first_id + int(i), "item_id": item_id, "value": texts[i % 3],
                                     "number": None, "other_text": None})
                    elif value < 0:
                        rows.append({"response_id": first_id + int(i), "item_id": item_id, "value": "dk",
                                     "number": None, "other_text": None})
                    else:
                        rows.append({"response_id": first_id + int(i), "item_id": item_id, "value": int(value),
                                     "number": float(value), "other_text": None})
                    if len(rows) >= 100000:
                        connection.execute(Answer.__table__.insert(), rows)
                        rows = []
            if rows:
                connection.execute(Answer.__table__.insert(), rows)
        db.engine.dispose()


# --- the measurements (each in a process of its own) ----------------------------------------------


def measure(url: str, case: str) -> dict:
    from surveyapp.extensions import db
    from surveyapp.models import StoredAnalysis, Survey

    app = app_for(url)
    result = {"case": case}
    with app.app_context():
        survey = db.session.scalar(db.select(Survey).where(Survey.slug == SLUG))
        if case == "before":
            from surveyapp.results.dataset import response_table
            from surveyapp.results.survey_analysis import analyze_survey

            started = time.perf_counter()
            table = response_table(survey)
            loaded = time.perf_counter()
            analysis = analyze_survey(table, survey.questionnaire_version.questionnaire(), min_n=10)
            result.update(seconds=time.perf_counter() - started, loading=loaded - started, n=len(analysis.scores))
        elif case == "cold":
            from surveyapp.results.dataset import analysis_table
            from surveyapp.results.survey_analysis import analyze_stored_survey

            db.session.execute(db.delete(StoredAnalysis))
            db.session.commit()
            started = time.perf_counter()
            analysis = analyze_stored_survey(survey, min_n=10)
            result.update(seconds=time.perf_counter() - started, n=analysis.n)
            result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            del analysis
            started = time.perf_counter()  # the loading alone, again (after the peak was taken)
            analysis_table(survey, items=_items(survey))
            result["loading"] = time.perf_counter() - started
            return result
        elif case == "stored":
            from surveyapp.results.survey_analysis import analyze_stored_survey

            analyze_stored_survey(survey, min_n=10)
            times = []
            for _ in range(10):
                started = time.perf_counter()
                analyze_stored_survey(survey, min_n=10)
                times.append(time.perf_counter() - started)
            result.update(seconds=statistics.median(times))
        elif case == "dashboard":
            client = app.test_client()
            response = client.post("/login", data={"email": MANAGER, "password": PASSWORD})
            assert response.status_code == 302, response.status_code
            assert client.get(f"/results/{SLUG}").status_code == 200  # warm-up; stores the figures
            times = []
            for _ in range(10):
                started = time.perf_counter()
                response = client.get(f"/results/{SLUG}")
                times.append(time.perf_counter() - started)
                assert response.status_code == 200
            result.update(seconds=statistics.median(times), max_seconds=max(times))
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _items(survey) -> list[str]:
    from surveyapp.results.dataset import construct_definitions

    questionnaire = survey.questionnaire_version.questionnaire()
    return list(dict.fromkeys(i for d in construct_definitions(questionnaire).values() for i in d["items"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 responses instead of 100,000")
    parser.add_argument("--responses", type=int, help="number of completed responses")
    parser.add_argument("--database", help="SQLAlchemy URL (default: a SQLite file in bench/data/)")
    parser.add_argument("--cases", default="before,cold,stored,dashboard")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: run one case in this process
    args = parser.parse_args()
    n = args.responses or (10_000 if args.quick else 100_000)
    url = args.database or f"sqlite:///{DATA / f'analysis_{n}.sqlite'}"
    if args.measure:
        print(json.dumps(measure(url, args.measure)))
        return
    DATA.mkdir(parents=True, exist_ok=True)
    marker = DATA / f"analysis_{n}.built"
    if args.database or not marker.exists() or not (DATA / f"analysis_{n}.sqlite").exists():
        started = time.perf_counter()
        build(url, n)
        if not args.database:
            marker.write_text("built\n")
        print(f"built {n:,} responses in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    results = []
    for case in args.cases.split(","):
        output = subprocess.run([sys.executable, __file__, "--responses", str(n), "--database", url,
                                 "--measure", case], check=True, capture_output=True, text=True).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
        row = results[-1]
        extra = f", loading {row['loading']:.2f} s" if "loading" in row else ""
        print(f"{n:>7,} {case:<10} {row['seconds'] * 1000:>9.0f} ms{extra}, peak {row['peak_mib']:.0f} MiB",
              flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"analysis_{n}.json"
    # Cases not measured this time keep their last figures (e.g. the slow "before" case).
    measured = {row["case"] for row in results}
    kept = json.loads(target.read_text())["results"] if target.exists() else []
    results = [row for row in kept if row["case"] not in measured] + results
    for row in results:
        row.setdefault("measured_at", time.strftime("%Y-%m-%d %H:%M"))
    target.write_text(json.dumps({"responses": n, "database": url.split(":")[0], "results": results},
                                 indent=2) + "\n")
    print(f"written {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
