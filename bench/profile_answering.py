"""Profile of the answering flow in one process: CPU per request, and where it goes.

    python bench/profile_answering.py                  # 200 respondents, CPU ms per request kind
    python bench/profile_answering.py --profile 40     # and cProfile's top functions (cumulative)

Plays the flow of ``bench_answering.py`` (first GET, then per page GET -> POST -> 303) with
Flask's test client against the production app on a throw-away PostgreSQL database, so that
a change can be checked for its CPU cost per request without gunicorn and the load
generator sharing the machine. The test client's own work is included in the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_answering import CSRF, PAGE, PAGES  # noqa: E402
from fieldwork import DEFAULT_SERVER, ThrowAwayDatabase, environment, make_fieldwork  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", type=int, default=0, help="print this many functions of cProfile's report")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--server", default=DEFAULT_SERVER)
    args = parser.parse_args()

    database = ThrowAwayDatabase(args.server, prefix="surveyapp_bench_profile")
    try:
        links = make_fieldwork(database.url, args.respondents + args.warmup)["links"]
        os.environ.update(environment(database.url))
        from surveyapp import create_app

        app = create_app()
        timings: dict[str, list[float]] = defaultdict(list)

        def play(client, link):
            def timed(kind, method, **kwargs):
                started = time.process_time()
                result = client.open(link, method=method, **kwargs)
                timings[kind].append(time.process_time() - started)
                return result

            page = timed("first GET", "GET")
            for answers in PAGES:
                form = {"csrf_token": CSRF.search(page.data).group(1).decode(),
                        "page": PAGE.search(page.data).group(1).decode(), "action": "next"}
                form.update({f"a-{key}": value for key, value in answers.items()})
                posted = timed("page POST", "POST", data=urlencode(form),
                               content_type="application/x-www-form-urlencoded")
                assert posted.status_code == 303, posted.status_code
                page = timed("page GET", "GET")
            assert page.status_code == 200 and b"csrf_token" not in page.data

        for link in links[: args.warmup]:
            play(app.test_client(), link)
        timings.clear()
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        started = time.process_time()
        if profiler:
            profiler.enable()
        for link in links[args.warmup:]:
            play(app.test_client(), link)
        if profiler:
            profiler.disable()
        total = time.process_time() - started
        count = sum(len(t) for t in timings.values())
        for kind, values in timings.items():
            print(f"{kind:10} {len(values):6} requests  {1000 * sum(values) / len(values):6.2f} ms CPU each")
        print(f"all        {count:6} requests  {1000 * total / count:6.2f} ms CPU each (whole loop)")
        if profiler:
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)
    finally:
        from surveyapp.extensions import db

        try:
            with app.app_context():
                db.engine.dispose()
        except Exception:  # noqa: BLE001  (app not built)
            pass
        database.drop()


if __name__ == "__main__":
    main()
