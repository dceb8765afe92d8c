"""Real app servers on loopback (gunicorn processes) and a small cookie-keeping HTTP client."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_available(host="127.0.0.1", port=6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(database_url: str, tmp_path: Path, *, workers: int = 1, env: dict | None = None,
                 timeout: float = 60) -> Server:
    """``gunicorn 'surveyapp:create_app()'`` on a free loopback port, ready to answer."""
    port = free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    environment = {
        **os.environ,
        "SURVEYAPP_ENV": "development",
        "SURVEYAPP_SECRET_KEY": "test-secret-key-not-for-production",
        "SURVEYAPP_DATABASE_URL": database_url,
        "SURVEYAPP_BASE_URL": "http://localhost",
        "SURVEYAPP_MAIL_DIR": str(tmp_path / "outbox"),
        **(env or {}),
    }
    process = subprocess.Popen(
        [str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5",
         "--timeout", "60", "--chdir", str(tmp_path), "surveyapp:create_app()"],
        env=environment, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    server = Server(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/login", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer in time: {log.read_text()[-3000:]}")


@dataclass
class Reply:
    status: int
    text: str
    headers: dict


class Browser:
    """Cookies kept, redirects not followed: enough to drive the forms over real HTTP."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, url: str, data: dict | None = None, *, method: str | None = None,
                timeout: float = 30) -> Reply:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, method=method)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Reply(response.status, response.read().decode("utf-8", "replace"), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode("utf-8", "replace"), dict(error.headers))

    def get(self, url: str, **kwargs) -> Reply:
        return self.request(url, **kwargs)

    def post(self, url: str, data: dict, **kwargs) -> Reply:
        return self.request(url, data, **kwargs)


def csrf_in(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def page_in(html: str) -> str:
    return re.search(r'name="page" value="([^"]+)"', html).group(1)
