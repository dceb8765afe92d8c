"""Benchmark: respondents answering the loyalty tracker, against a bare Flask ceiling.

    python bench/bench_answering.py            # 5 rounds of 20 s per side, concurrency 16
    python bench/bench_answering.py --quick    # 2 rounds of 8 s

Both apps run under the same gunicorn settings (default: 4 gthread workers x 4 threads)
on one fresh PostgreSQL database:

* surveyapp (``wsgi:app``, production settings), where each simulated respondent plays the
  real flow through a personal link: the first GET, then per page GET -> read the CSRF
  token and page id -> POST the page's answers -> 303, up to the thank-you page (13
  requests for the 6 pages), with its own session cookie;
* the ceiling (``bench/ceiling_app.py``): ``POST /answer`` storing 8 answers in one
  transaction, nothing else.

The load generator keeps ``--concurrency`` requests in flight (one thread each, keep-alive
connections) and alternates the two apps, round by round, after an uncounted warm-up of
each, so that the machine's drift hits both alike. Reported per app: requests/s, p50 and
p95 latency; and the ratio surveyapp/ceiling of requests/s per round (median quoted).
Figures are appended to bench/results/answering.jsonl.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ceiling_app import create_table  # noqa: E402
from fieldwork import DEFAULT_SERVER, RESULTS, ROOT, ThrowAwayDatabase, environment, make_fieldwork  # noqa: E402

#: A complete set of answers to the loyalty tracker, page by page (segment "medium").
PAGES = [
    {"nps": "9"},
    {"product_quality": "4", "product_fit": "5", "product_value": "3",
     "processes_speed": "4", "processes_promises": "4", "processes_waiting": "2"},
    {"infrastructure_expertise": "5", "infrastructure_systems": "dk", "infrastructure_reachable": "4",
     "interaction_information": "4", "interaction_invoices": "3", "interaction_attention": "5"},
    {"atmosphere_pleasant": "5", "atmosphere_trust": "5", "atmosphere_not_serious": "1",
     "brand_reliable": "4", "brand_quality": "4", "brand_reputation": "5",
     "engagement_involved": "3", "engagement_follow": "2", "engagement_ideas": "3"},
    {"ces": "6", "keep_spending": "5", "spend_more": "3", "do_more": "2"},
    {"needs": "Snellere levering."},
]
CEILING_FORM = urlencode({f"a-item{n}": str(n % 5 + 1) for n in range(8)})
CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')
PAGE = re.compile(rb'name="page" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """One keep-alive HTTP connection with its own cookies, timing every request."""

    def __init__(self, port: int, record):
        self.port = port
        self.record = record
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.record(started, time.perf_counter(), 599)
            return 599, b""
        self.record(started, time.perf_counter(), response.status)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.status in (502, 503, 504):
            time.sleep(0.01)
        return response.status, data

    def close(self):
        self.conn.close()


def respondent(client: Client, link: str, stop: threading.Event) -> bool:
    """Play one respondent through ``link``; False when something went wrong."""
    status, page = client.request("GET", link)
    for answers in PAGES:
        if stop.is_set():
            return True
        csrf, page_id = CSRF.search(page), PAGE.search(page)
        if status != 200 or not csrf or not page_id:
            return False
        form = {"csrf_token": csrf.group(1).decode(), "page": page_id.group(1).decode(), "action": "next"}
        form.update({f"a-{key}": value for key, value in answers.items()})
        status, _ = client.request("POST", link, urlencode(form))
        if status != 303:
            return False
        status, page = client.request("GET", link)
    return status == 200 and b"csrf_token" not in page


class Phase:
    """``concurrency`` threads loading one app for ``seconds``."""

    def __init__(self, kind: str, port: int, concurrency: int, seconds: float, links: list[str]):
        self.kind, self.port, self.concurrency, self.seconds, self.links = kind, port, concurrency, seconds, links
        self.samples: list[tuple[float, float, int]] = []
        self.failures = 0
        self.lock = threading.Lock()

    def record(self, started, ended, status):
        self.samples.append((started, ended, status))

    def worker(self, stop: threading.Event):
        client = Client(self.port, self.record)
        try:
            while not stop.is_set():
                if self.kind == "ceiling":
                    client.request("POST", "/answer", CEILING_FORM)
                    continue
                with self.lock:
                    if not self.links:
                        break
                    link = self.links.pop()
                client.cookies.clear()
                if not respondent(client, link, stop):
                    self.failures += 1
        finally:
            client.close()

    def run(self) -> dict:
        stop = threading.Event()
        threads = [threading.Thread(target=self.worker, args=(stop,)) for _ in range(self.concurrency)]
        begin = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(self.seconds)
        stop.set()
        end = begin + self.seconds
        for thread in threads:
            thread.join()
        done = [s for s in self.samples if s[1] <= end]
        latencies = sorted((e - s) * 1000 for s, e, _ in done)
        errors = sum(1 for *_, status in done if status >= 500)
        if not latencies:
            return {"app": self.kind, "requests": 0, "requests_per_second": 0.0}
        return {
            "app": self.kind, "requests": len(done), "requests_per_second": round(len(done) / self.seconds, 1),
            "p50_ms": round(latencies[len(latencies) // 2], 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95)], 1),
            "errors": errors, "failed_respondents": self.failures,
        }


def start_gunicorn(app: str, chdir: Path, port: int, env: dict, workers: int, threads: int):
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "--chdir", str(chdir), "-b", f"127.0.0.1:{port}", "-w", str(workers),
               "-k", "gthread", "--threads", str(threads), "--log-level", "warning", app]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"{app} did not start") from None
            time.sleep(0.3)
    raise SystemExit(f"{app} did not start in time")


def stop_gunicorn(process) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 rounds of 8 s instead of 5 of 20 s")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--seconds", type=float, help="length of each measured phase")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--respondents", type=int, help="invitations to create (default: enough for the run)")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--code", help="serve surveyapp from this source tree (to measure an older version)")
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 5)
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    respondents = args.respondents or int(rounds * seconds * 40 + 500)

    database = ThrowAwayDatabase(args.server, prefix="surveyapp_bench_answering")
    processes = []
    try:
        print(f"preparing {respondents} invitations ...", file=sys.stderr)
        links = make_fieldwork(database.url, respondents)["links"]
        create_table(database.url)
        env = environment(database.url)
        env.pop("PYTHONPATH", None)
        app_port, ceiling_port = free_port(), free_port()
        code = Path(args.code) if args.code else ROOT
        processes.append(start_gunicorn("wsgi:app", code, app_port, env, args.workers, args.threads))
        processes.append(start_gunicorn("ceiling_app:app", ROOT / "bench", ceiling_port, env,
                                        args.workers, args.threads))
        ports = {"surveyapp": app_port, "ceiling": ceiling_port}
        for kind in ports:  # warm-up: imports, connection pools, parsed questionnaire, templates
            Phase(kind, ports[kind], args.concurrency, min(seconds, 5.0), links).run()
        results = []
        for number in range(rounds):
            pair = {}
            for kind in (("surveyapp", "ceiling") if number % 2 == 0 else ("ceiling", "surveyapp")):
                pair[kind] = Phase(kind, ports[kind], args.concurrency, seconds, links).run()
                print(json.dumps({"round": number + 1, **pair[kind]}), file=sys.stderr)
            ceiling = pair["ceiling"]["requests_per_second"]
            pair["ratio"] = round(pair["surveyapp"]["requests_per_second"] / ceiling, 3) if ceiling else None
            results.append(pair)
        summary = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.node(),
            "cpus": len(os.sched_getaffinity(0)), "load_average": os.getloadavg(),
            "code": args.code or _commit(), "concurrency": args.concurrency,
            "gunicorn": f"{args.workers} gthread workers x {args.threads} threads", "seconds": seconds,
            "rounds": results,
            "median_ratio": statistics.median(r["ratio"] for r in results if r["ratio"] is not None),
            "surveyapp_median_rps": statistics.median(r["surveyapp"]["requests_per_second"] for r in results),
            "ceiling_median_rps": statistics.median(r["ceiling"]["requests_per_second"] for r in results),
            "surveyapp_median_p95_ms": statistics.median(r["surveyapp"].get("p95_ms", 0) for r in results),
            "ceiling_median_p95_ms": statistics.median(r["ceiling"].get("p95_ms", 0) for r in results),
        }
        print(json.dumps(summary))
        RESULTS.mkdir(parents=True, exist_ok=True)
        with (RESULTS / "answering.jsonl").open("a") as file:
            file.write(json.dumps(summary) + "\n")
    finally:
        for process in processes:
            stop_gunicorn(process)
        database.drop()


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return ""


if __name__ == "__main__":
    main()
