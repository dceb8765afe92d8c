"""Benchmark: ``surveyapp mail send`` of N queued invitations to an SMTP server on loopback.

    python bench/bench_sending.py            # 10,000 mails, one sender, then two senders
    python bench/bench_sending.py --quick    # 1,000 mails

For each case a fresh PostgreSQL database gets N contacts with a queued invitation; an
aiosmtpd server (its own process, on 127.0.0.1) counts what it receives; the senders are
real ``surveyapp mail send`` processes started together. Reported: wall-clock seconds
from start to the last sender's exit, mails per second, and the check that every mail
arrived exactly once (distinct Message-IDs) and every outbox row is "sent", and the CPU
seconds per mail of the senders (together) and of the SMTP server process.
Figures are appended to bench/results/sending.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fieldwork import DEFAULT_SERVER, RESULTS, ROOT, ThrowAwayDatabase, environment, make_fieldwork  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smtp_server(port: int, out: Path) -> None:
    """Run an SMTP server that records each Message-ID (a line per mail) until terminated."""
    import asyncio
    import signal

    from aiosmtpd.controller import Controller

    class Recorder:
        def __init__(self):
            self.file = out.open("a", buffering=1)

        async def handle_DATA(self, server, session, envelope):
            for line in envelope.content.split(b"\r\n"):
                if line.lower().startswith(b"message-id:"):
                    self.file.write(line.split(b":", 1)[1].strip().decode() + "\n")
                    break
                if not line:
                    break
            return "250 OK"

    controller = Controller(Recorder(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine since boot, all cores (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK"), idle / os.sysconf("SC_CLK_TCK")


def surveyapp_command(code: str | None) -> list[str]:
    """The ``surveyapp`` command; with ``code``, run from that source tree (e.g. an older checkout)."""
    if code:
        return [sys.executable, "-c", f"import sys; sys.path.insert(0, {code!r}); "
                "from surveyapp.cli import run; run()"]
    return [str(Path(sys.executable).with_name("surveyapp"))]


def run_case(mails: int, senders: int, server_url: str, code: str | None = None) -> dict:
    database = ThrowAwayDatabase(server_url, prefix="surveyapp_bench_sending")
    received = RESULTS / f".received-{database.name}.txt"
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--smtp-server", str(port), str(received)])
    try:
        make_fieldwork(database.url, mails, queue=True)
        time.sleep(0.5)  # the SMTP server is listening
        env = environment(database.url, SURVEYAPP_SMTP_HOST="127.0.0.1", SURVEYAPP_SMTP_PORT=str(port),
                          SURVEYAPP_SMTP_TLS="none", SURVEYAPP_MAIL_FROM="Bench <bench@example.com>")
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_cpu = cpu_seconds(server.pid)
        machine = machine_cpu()
        started = time.perf_counter()
        processes = [subprocess.Popen([*surveyapp_command(code), "mail", "send"], env=env, cwd="/tmp",
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(senders)]
        outputs = [" ".join(process.communicate()) for process in processes]
        seconds = time.perf_counter() - started
        machine = [after - before for after, before in zip(machine_cpu(), machine, strict=True)]
        time.sleep(0.5)
        # The senders are reaped (their CPU counts in RUSAGE_CHILDREN); the server still runs.
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        sender_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        server_cpu = cpu_seconds(server.pid) - server_cpu
        ids = received.read_text().split() if received.exists() else []
        engine = sa.create_engine(database.url)
        with engine.connect() as conn:
            states = dict(conn.execute(sa.text("SELECT state, count(*) FROM outbox_mails GROUP BY state")).all())
        engine.dispose()
        return {
            "mails": mails, "senders": senders, "seconds": round(seconds, 2),
            "mails_per_second": round(mails / seconds, 1), "sender_cpu_seconds": round(sender_cpu, 2),
            "sender_cpu_ms_per_mail": round(1000 * sender_cpu / mails, 2), "server_cpu_seconds": round(server_cpu, 2),
            "server_cpu_ms_per_mail": round(1000 * server_cpu / mails, 2), "load_average": os.getloadavg()[0],
            # how much of the machine was busy (anyone's work) and how much of it was ours
            "machine_busy_share": round(machine[0] / sum(machine), 2),
            "our_cpu_share_of_busy": round((sender_cpu + server_cpu) / machine[0], 2),
            "received": len(ids), "distinct": len(set(ids)),
            "states": states, "ok": len(ids) == len(set(ids)) == mails and states == {"sent": mails},
            "sender_output": [output.strip().splitlines()[-1:] for output in outputs],
        }
    finally:
        server.terminate()
        server.wait()
        received.unlink(missing_ok=True)
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 mails instead of 10,000")
    parser.add_argument("--mails", type=int, help="how many mails (overrides --quick)")
    parser.add_argument("--senders", default="1,2", help="sender counts to run, e.g. 1,2 (default)")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--code", help="run the senders from this source tree (to measure an older version)")
    parser.add_argument("--smtp-server", nargs=2, metavar=("PORT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smtp_server:
        smtp_server(int(args.smtp_server[0]), Path(args.smtp_server[1]))
        return
    mails = args.mails or (1000 if args.quick else 10000)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for senders in (int(n) for n in args.senders.split(",")):
        result = run_case(mails, senders, args.server, args.code)
        result.update(date=datetime.now(UTC).isoformat(timespec="seconds"), machine=platform.node(),
                      cpus=len(os.sched_getaffinity(0)), commit=args.code or _commit())
        print(json.dumps(result))
        with (RESULTS / "sending.jsonl").open("a") as file:
            file.write(json.dumps(result) + "\n")


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return ""


if __name__ == "__main__":
    main()
