"""Benchmark: ``surveyapp questionnaire validate`` of a large (about 2 MB) questionnaire.

    python bench/bench_validation.py            # writes bench/data/large-questionnaire.yaml (2 MB), validates it
    python bench/bench_validation.py --quick    # a 0.5 MB file
    python bench/bench_validation.py --pages 400 --keep   # another size; keep the file

The generated file is a valid questionnaire built like real ones, only long: pages of
likert items, matrices, choice questions with option lists, text questions, display
logic on earlier answers, piping of earlier answers into texts, and constructs. The
command is timed as a whole process (start-up included): wall seconds, and CPU seconds (user +
system) and peak memory from /usr/bin/time -- on a shared machine compare CPU seconds, and
interleave runs of the two versions (``--code``); figures are appended to
bench/results/validation.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "bench" / "data"

HEADER = """\
id: large-questionnaire
title: {nl: Groot onderzoek, en: Large survey}
languages: [nl, en]
default_language: nl
intro: {nl: "Beste {name|klant}, dank voor uw tijd.", en: "Dear {name|customer}, thank you for your time."}
thank_you: {nl: Hartelijk dank!, en: Thank you!}
attributes:
  name: text
  segment:
    type: choice
    values: [large, medium, small]
scales:
  agree5:
    type: likert
    points: 5
    dont_know: true
    labels:
      1: {nl: Helemaal mee oneens, en: Strongly disagree}
      5: {nl: Helemaal mee eens, en: Strongly agree}
options:
  channels:
    - {value: web, label: {nl: Website, en: Website}}
    - {value: phone, label: {nl: Telefoon, en: Phone}}
    - {value: shop, label: {nl: Winkel, en: Shop}}
pages:
"""


def page(p: int) -> str:
    prev = f"p{p - 1}"
    logic = f'\n    show_if: {prev}_likert_1 >= 3 or segment == "large"' if p > 0 else ""
    lines = [f"  - id: page{p}{logic}",
             f"    title: {{nl: Onderdeel {p}, en: Part {p}}}",
             "    items:"]
    for i in range(1, 5):
        lines += [f"      - id: p{p}_likert_{i}", "        type: likert", "        scale: agree5",
                  f"        text: {{nl: Stelling {i} over onderdeel {p} van onze dienstverlening., "
                  f"en: Statement {i} about part {p} of our service.}}"]
    lines += [f"      - id: p{p}_grid", "        type: matrix", "        scale: agree5",
              '        text: {nl: "In hoeverre bent u het eens met het volgende?", en: "How much do you agree?"}',
              "        rows:"]
    for r in range(1, 4):
        lines.append(f"          - {{id: p{p}_row_{r}, text: {{nl: Rij {r} van pagina {p}., en: Row {r} of page {p}.}}}}")
    lines += [f"      - id: p{p}_channel", "        type: single", "        options: channels",
              '        text: {nl: "Via welk kanaal had u contact?", en: "Which channel did you use?"}']
    piped = f"p{p - 1}_likert_2" if p > 0 else f"p{p}_likert_2"
    lines += [f"      - id: p{p}_why", "        type: text",
              f'        show_if: p{p}_likert_1 <= 2 and p{p}_channel == "web"',
              f"        text: {{nl: \"U gaf eerder een {{{piped}}}. Kunt u dat toelichten?\", "
              f"en: \"You gave {{{piped}}} earlier. Could you explain why?\"}}"]
    return "\n".join(lines) + "\n"


def questionnaire(pages: int) -> str:
    parts = [HEADER] + [page(p) for p in range(pages)] + ["constructs:\n"]
    for c in range(0, pages, 10):
        members = [f"p{p}_likert_{i}" for p in range(c, min(c + 10, pages)) for i in (1, 3)]
        parts.append(f"  block{c}:\n    label: {{nl: Blok {c}, en: Block {c}}}\n    role: driver\n"
                     f"    items: [{', '.join(members)}]\n    reverse: [{members[-1]}]\n")
    return "".join(parts)


def pages_for(size: int) -> int:
    return max(1, size // len(page(500).encode()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a 0.5 MB file instead of 2 MB (the most a questionnaire may be: 2 MiB)")
    parser.add_argument("--pages", type=int, help="number of pages (overrides the size)")
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    parser.add_argument("--code", help="run the command from this source tree (to measure an older version)")
    args = parser.parse_args()
    pages = args.pages or pages_for(480_000 if args.quick else 1_950_000)
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"large-questionnaire-{pages}.yaml"
    path.write_text(questionnaire(pages), encoding="utf-8")
    if args.code:
        command = [sys.executable, "-c", f"import sys; sys.path.insert(0, {args.code!r}); "
                   "from surveyapp.cli import run; run()"]
    else:
        command = [str(Path(sys.executable).with_name("surveyapp"))]
    started = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-v", *command, "questionnaire", "validate", str(path)],
                         capture_output=True, text=True, cwd="/tmp")
    seconds = time.perf_counter() - started
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    cpu = [float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", run.stderr)]
    result = {
        "bytes": path.stat().st_size, "pages": pages, "seconds": round(seconds, 2),
        "cpu_seconds": round(sum(cpu), 2) if len(cpu) == 2 else None,
        "peak_mib": round(int(peak.group(1)) / 1024, 1) if peak else None, "exit_code": run.returncode,
        "output": run.stdout.strip().splitlines()[-1:] if run.stdout.strip() else run.stderr.strip().splitlines()[:3],
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.node(),
        "cpus": len(os.sched_getaffinity(0)), "code": args.code or "this checkout",
    }
    print(json.dumps(result))
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / "validation.jsonl").open("a") as file:
        file.write(json.dumps(result) + "\n")
    if not args.keep:
        path.unlink()


if __name__ == "__main__":
    main()
