"""Throughput against an equal baseline, measured with wrk (a compiled load generator).

For each page it first fetches the app's answer, then serves exactly those bytes (same status,
same content type) from a bare Starlette app under the same uvicorn with the same worker count,
and runs wrk on both in 3 interleaved rounds with fresh connections (`Connection: close`).
It prints requests per second and the ratio app/bare per page.

    python scripts/throughput.py                     # own deployment: PostgreSQL, 2 workers
    python scripts/throughput.py --database-url postgres://postgres@127.0.0.1:5432/scale
        # a filled database (market demo --vendors 10000 --tasks 2000), served the same way
    python scripts/throughput.py --base-url http://127.0.0.1:8021   # an app already served

`make loadtest` runs it (and installs wrk from Debian when it is missing).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.loadtest import BIN, ROOT, Deployment, free_port, wait_for

PAGES = ["/api/v1/tasks", "/tasks", "/partners", "/directory"]
TARGETS = {"/api/v1/tasks": 0.40, "/tasks": 0.40, "/directory": 0.25}


class Existing(Deployment):
    """The same web deployment (N workers, Redis) on a database already filled, which is
    neither created nor dropped. No job worker: on a large market it would rank shortlists
    for the whole run (the jobs wait in the run's own queue)."""

    def __init__(self, workers: int, database_url: str) -> None:
        super().__init__(workers)
        self.env["DATABASE_URL"] = database_url

    def psql(self, sql: str) -> None:
        return None

    def start(self) -> str:
        subprocess.run(
            [str(BIN / "market"), "migrate"], env=self.env, check=True, capture_output=True
        )
        port = free_port()
        log = open(self.folder / "web.log", "wb")  # noqa: SIM115
        command = ["serve", "--port", str(port), "--workers", str(self.workers)]
        self.processes.append(
            subprocess.Popen(
                [str(BIN / "market"), *command],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        )
        return wait_for(f"http://127.0.0.1:{port}")


def capture(base: str, folder: Path) -> dict[str, Any]:
    """The app's answer to each page, written where the bare app reads it."""
    answers = {}
    for n, path in enumerate(PAGES):
        answer = httpx.get(base + path, timeout=60)
        body = folder / f"{n}.body"
        body.write_bytes(answer.content)
        answers[path] = {
            "status": answer.status_code,
            "type": answer.headers.get("content-type", "text/plain"),
            "file": str(body),
            "bytes": len(answer.content),
        }
    (folder / "answers.json").write_text(json.dumps(answers))
    return answers


def start_bare(folder: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "BARE_ANSWERS": str(folder / "answers.json")}
    process = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "scripts.bare_app:app",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, wait_for(f"http://127.0.0.1:{port}", path=PAGES[0])


def wrk(url: str, seconds: int, connections: int, threads: int) -> float:
    """Requests per second of non-error answers, each on a fresh connection."""
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "-H",
            "Connection: close",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors and int(errors.group(1)):
        raise SystemExit(f"{url}: {errors.group(1)} error answers\n{out}")
    return float(rate.group(1)) if rate else 0.0


def main(args: argparse.Namespace) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make loadtest does it)")
    deployment: Deployment | None = None
    if args.database_url:
        deployment = Existing(args.workers, args.database_url)
    elif not args.base_url:
        deployment = Deployment(args.workers)
    folder = Path(tempfile.mkdtemp(prefix="market-throughput-"))
    bare = None
    try:
        base = args.base_url or deployment.start()  # type: ignore[union-attr]
        answers = capture(base, folder)
        bare, bare_base = start_bare(folder, args.workers)
        load_before = os.getloadavg()
        rates: dict[str, dict[str, list[float]]] = {p: {"app": [], "bare": []} for p in PAGES}
        for _round in range(args.rounds):  # interleaved: app, bare, app, bare, ...
            for path in PAGES:
                for side, root in (("app", base), ("bare", bare_base)):
                    rate = wrk(root + path, args.seconds, args.connections, args.threads)
                    rates[path][side].append(rate)
        report: dict[str, Any] = {
            "workers": args.workers,
            "rounds": args.rounds,
            # the machine's 1/5/15-minute load averages before and after the rounds
            "load_average": [list(load_before), list(os.getloadavg())],
            "pages": {},
        }
        for path in PAGES:
            app = sum(rates[path]["app"]) / args.rounds
            base_rate = sum(rates[path]["bare"]) / args.rounds
            ratio = app / base_rate if base_rate else 0.0
            report["pages"][path] = {
                "bytes": answers[path]["bytes"],
                "app_rps": round(app, 1),
                "bare_rps": round(base_rate, 1),
                "ratio": round(ratio, 3),
                "target": TARGETS.get(path),
                "met": ratio >= TARGETS[path] if path in TARGETS else None,
            }
        return report
    finally:
        if bare is not None:
            bare.terminate()
            bare.wait(timeout=15)
        if deployment is not None:
            deployment.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="")
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", ""))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    print(json.dumps(main(parser.parse_args()), indent=2))
