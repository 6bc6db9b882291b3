"""`market serve --workers N` as production runs it: keep-alive answers without the ~40 ms
Nagle/delayed-ACK stall, JSON log lines with request ids, and /metrics summed over workers."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import MARKET, ROOT, _wait_until_healthy, free_port

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def _serve(workers: int) -> Iterator[tuple[int, dict[str, str]]]:
    """Serve; once stopped, the returned dict holds the server's output under "log"."""
    with tempfile.TemporaryDirectory(prefix="serve-") as folder:
        port = free_port()
        env = {
            **os.environ,
            "MARKET_ENV": "production",
            "MARKET_VAR_DIR": folder,
            "DATABASE_URL": f"sqlite://{folder}/db.sqlite3",
            "SECRET_KEY": "serve-test-secret-" + "z" * 32,
            "ARGON2_PROFILE": "fast",
            "BASE_URL": f"http://127.0.0.1:{port}",
            "METRICS_ALLOWED_ADDRESSES": "127.0.0.1",
        }
        env.pop("REDIS_URL", None)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        subprocess.run([*MARKET, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        log_path = Path(folder) / "server.log"
        with log_path.open("wb") as log:
            command = [*MARKET, "serve", "--port", str(port), "--workers", str(workers)]
            process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)
            output: dict[str, str] = {}
            try:
                _wait_until_healthy(f"http://127.0.0.1:{port}")
                yield port, output
            finally:
                process.terminate()
                process.wait(timeout=15)
                output["log"] = log_path.read_text(errors="replace")


def _keep_alive_times(port: int, path: str, count: int) -> list[float]:
    """Milliseconds per request, all on one connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200
            times.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return times


def test_several_workers_answer_keep_alive_requests_without_a_stall() -> None:
    with _serve(workers=2) as (port, output):
        times = _keep_alive_times(port, "/healthz", 12)
        # Without TCP_NODELAY every answer after the first waited ~40 ms.
        assert statistics.median(times[1:]) < 15, times

        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/tasks", headers={"X-Request-ID": "probe-12345678"})
        answer = connection.getresponse()
        answer.read()
        assert answer.getheader("x-request-id") == "probe-12345678"
        connection.request("GET", "/metrics")
        scraped = connection.getresponse().read().decode()
        connection.close()
        # Both workers' samples are summed: 12 health checks on one connection (whichever
        # worker took it) plus the ones of the start-up wait.
        health = [
            line
            for line in scraped.splitlines()
            if line.startswith('market_http_requests_total{route="healthz",status="200"}')
        ]
        assert health and float(health[0].rsplit(" ", 1)[1]) >= 12
        assert "market_outbox_backlog 0.0" in scraped

    lines = [json.loads(x) for x in output["log"].splitlines() if x.startswith("{")]
    access = [x for x in lines if x.get("logger") == "market.access"]
    probe = [x for x in access if x.get("request_id") == "probe-12345678"]
    assert probe and probe[0]["route"] == "tasks.list" and probe[0]["status"] == 200
    assert all("request_id" in x for x in access)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_worker_check_says_whether_a_worker_is_alive(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MARKET_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite://{tmp_path}/db.sqlite3",
        "ARQ_QUEUE": f"health-test-{os.getpid()}",
    }
    check = [*MARKET, "worker", "--check"]
    assert subprocess.run(check, env=env, cwd=ROOT, capture_output=True).returncode == 1
    subprocess.run([*MARKET, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    worker = subprocess.Popen(
        [*MARKET, "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            if subprocess.run(check, env=env, cwd=ROOT, capture_output=True).returncode == 0:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the running worker never reported itself healthy")
    finally:
        worker.terminate()
        worker.wait(timeout=15)
