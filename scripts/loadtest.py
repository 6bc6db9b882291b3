"""Bid storm: many vendors submit and revise bids in the last minute before a deadline while
others browse. Not part of the unit tests: `python scripts/loadtest.py [--vendors 40]`.

It starts its own deployment (a throw-away PostgreSQL database, `market serve --workers N`,
`market worker`, Redis) unless --base-url is given, prints throughput and latencies, and the
counts that matter: bids accepted, refused as late, lost (must be 0) and accepted after the
deadline (must be 0). Throughput against a bare baseline is scripts/throughput.py (wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Load-Test-Password-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cvr(n: int) -> str:
    """The n-th valid CVR number (modulus 11) from a fixed start."""
    weights = [2, 7, 6, 5, 4, 3, 2, 1]
    candidate = 30000000 + (n * 97) % 60000000
    while True:
        digits = [int(c) for c in str(candidate)]
        if sum(w * d for w, d in zip(weights, digits, strict=True)) % 11 == 0:
            return str(candidate)
        candidate += 1


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)

    def add(self, kind: str, seconds: float, status: int) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        bucket = self.statuses.setdefault(kind, {})
        bucket[status] = bucket.get(status, 0) + 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Deployment:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.folder = Path(tempfile.mkdtemp(prefix="market-load-"))
        self.db_name = f"market_load_{secrets.token_hex(3)}"
        base = os.environ.get("LOAD_DATABASE_BASE", "postgres://postgres@127.0.0.1:5432")
        self.env = {
            **os.environ,
            "MARKET_ENV": "test",
            "MARKET_VAR_DIR": str(self.folder),
            "DATABASE_URL": f"{base}/{self.db_name}",
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "ARQ_QUEUE": f"market:load:{secrets.token_hex(3)}",
            "SECRET_KEY": "load-test-" + "l" * 40,
            "ARGON2_PROFILE": "fast",
            # Every simulated vendor registers and takes a token from this one address.
            "REQUEST_ADDRESS_LIMIT": "1000000",
            "TOKEN_LIMIT": "1000000",
            "TOKEN_ADDRESS_LIMIT": "1000000",
        }
        self.admin = f"{base}/postgres"
        self.processes: list[subprocess.Popen[bytes]] = []

    def psql(self, sql: str) -> None:
        subprocess.run(["psql", self.admin, "-qc", sql], check=True, capture_output=True)

    def start(self) -> str:
        self.psql(f'CREATE DATABASE "{self.db_name}"')
        for command in (["migrate"], ["demo"]):
            subprocess.run(
                [str(BIN / "market"), *command],
                env=self.env,
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
        port = free_port()
        log = open(self.folder / "web.log", "wb")  # noqa: SIM115
        self.processes.append(
            subprocess.Popen(
                [str(BIN / "market"), "serve", "--port", str(port), "--workers", str(self.workers)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        )
        self.processes.append(
            subprocess.Popen(
                [str(BIN / "market"), "worker"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        )
        return wait_for(f"http://127.0.0.1:{port}")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
        with contextlib.suppress(subprocess.CalledProcessError):
            self.psql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')


def wait_for(base: str, path: str = "/healthz") -> str:
    for _ in range(200):
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + path, timeout=1).status_code == 200:
                return base
        time.sleep(0.1)
    raise RuntimeError(f"{base} did not start")


async def token(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    answer = await client.post("/api/v1/auth/token", json={"email": email, "password": password})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def prepare(
    client: httpx.AsyncClient, vendors: int, window: float
) -> tuple[int, list[dict[str, str]], dt.datetime]:
    """Register eligible vendors, then create and publish one task closing after `window`."""
    secretariat = await token(client, "sekretariat@demo.os2.dk", "Demo-Partner-Market-2026")
    coordinator = await token(client, "koordinator@demo.os2.dk", "Demo-Partner-Market-2026")
    conduct = (await client.get("/api/v1/conduct/current")).json()
    headers: list[dict[str, str]] = []
    for n in range(vendors):
        email = f"load{n}-{secrets.token_hex(2)}@load.example"
        made = await client.post(
            "/api/v1/vendors",
            json={
                "name": f"Load Vendor {n}",
                "cvr": cvr(n + random.randint(0, 10**6)),
                "email": email,
                "password": PASSWORD,
                "contact_name": f"Contact {n}",
                "employees": 5 + n % 60,
            },
        )
        if made.status_code == 409:
            continue
        made.raise_for_status()
        vendor_id = made.json()["id"]
        auth = await token(client, email, PASSWORD)
        signed = await client.post(
            f"/api/v1/vendors/{vendor_id}/signatures",
            headers=auth,
            json={
                "version": conduct["version"],
                "sha256": conduct["sha256"],
                "signer_name": f"Contact {n}",
                "signer_title": "CEO",
                "accept": True,
            },
        )
        signed.raise_for_status()
        countersigned = await client.post(
            f"/api/v1/signatures/{signed.json()['id']}/countersign", headers=secretariat
        )
        countersigned.raise_for_status()
        headers.append(auth)
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=window + 5)
    deadline = deadline.replace(microsecond=0)
    solutions = (await client.get("/api/v1/solutions")).json()["items"]
    solution = next(s for s in solutions if s["name"] == "OS2kitos")
    task = await client.post(
        "/api/v1/tasks",
        headers=coordinator,
        json={
            "solution_id": solution["id"],
            "title": "Load test: export of contracts to CSV",
            "description": "A bid storm test task.",
            "required": ["72212000"],
            "nice_to_have": [],
            "estimate_hours": 80,
            "budget_dkk": 100000,
            "bid_deadline": deadline.isoformat(),
            "delivery_date": (deadline + dt.timedelta(days=60)).date().isoformat(),
            "funding": [{"municipality": "Syddjurs", "amount_dkk": 100000}],
            "wish_ids": [],
        },
    )
    task.raise_for_status()
    task_id = task.json()["id"]
    (await client.post(f"/api/v1/tasks/{task_id}/publish", headers=coordinator)).raise_for_status()
    return task_id, headers, deadline


async def storm(
    client: httpx.AsyncClient,
    task_id: int,
    vendors: list[dict[str, str]],
    deadline: dt.datetime,
    stats: Stats,
    overrun: float,
) -> dict[str, Any]:
    accepted_last: dict[int, int] = {}  # vendor index -> last accepted price
    late_accepted = 0
    refused_late = 0
    errors = 0
    bid_ids: dict[int, int] = {}
    end = deadline.timestamp() + overrun

    async def resync(index: int, auth: dict[str, str]) -> None:
        mine = await client.get("/api/v1/bids", headers=auth)
        for item in mine.json().get("items", []):
            if item.get("task_id") == task_id:
                bid_ids[index] = item["id"]
                kept = await client.get(f"/api/v1/bids/{item['id']}", headers=auth)
                accepted_last[index] = kept.json().get("price_dkk")

    async def vendor_loop(index: int, auth: dict[str, str]) -> None:
        nonlocal late_accepted, refused_late, errors
        while time.time() < end:
            price = random.randint(50_000, 150_000)
            body = {
                "price_dkk": price,
                "hours": 80,
                "approach": f"Plan {price}",
                "delivery_date": (deadline + dt.timedelta(days=50)).date().isoformat(),
            }
            started = time.time()
            kind = "revise" if index in bid_ids else "submit"
            try:
                if index in bid_ids:
                    answer = await client.put(
                        f"/api/v1/bids/{bid_ids[index]}", headers=auth, json=body
                    )
                else:
                    answer = await client.post(
                        f"/api/v1/tasks/{task_id}/bids", headers=auth, json=body
                    )
            except httpx.TransportError:
                # The answer was lost on the way: learn from the server what it kept.
                stats.add(kind, time.time() - started, 0)
                await resync(index, auth)
                continue
            finished = time.time()
            stats.add(kind, finished - started, answer.status_code)
            if answer.status_code in (200, 201):
                bid_ids[index] = answer.json()["id"]
                accepted_last[index] = price
                if started > deadline.timestamp() + 0.5:
                    late_accepted += 1  # sent clearly after the deadline, yet accepted
            elif answer.status_code == 409 and started >= deadline.timestamp() - 0.5:
                refused_late += 1
            else:
                errors += 1
            await asyncio.sleep(random.uniform(0.05, 0.3))

    async def browser_loop() -> None:
        while time.time() < end:
            for path in ("/", "/api/v1/tasks", f"/api/v1/tasks/{task_id}", "/partners"):
                started = time.time()
                try:
                    answer = await client.get(path)
                except httpx.TransportError:
                    stats.add("browse", time.time() - started, 0)
                    continue
                stats.add("browse", time.time() - started, answer.status_code)

    await asyncio.gather(
        *(vendor_loop(i, h) for i, h in enumerate(vendors)),
        *(browser_loop() for _ in range(max(2, len(vendors) // 4))),
    )
    return {
        "accepted_last": accepted_last,
        "bid_ids": bid_ids,
        "late_accepted": late_accepted,
        "refused_late": refused_late,
        "errors": errors,
    }


async def count_lost(
    client: httpx.AsyncClient, task_id: int, result: dict[str, Any], coordinator: dict[str, str]
) -> int:
    """A bid is lost when the server accepted it and the stored bid is not that version."""
    await client.post(
        f"/api/v1/tasks/{task_id}/declaration", headers=coordinator, json={"no_conflict": True}
    )
    answer = await client.get(f"/api/v1/tasks/{task_id}/bids", headers=coordinator)
    answer.raise_for_status()
    stored = {item["id"]: item for item in answer.json()["items"]}
    lost = 0
    for index, bid_id in result["bid_ids"].items():
        item = stored.get(bid_id)
        if item is None or item.get("price_dkk") != result["accepted_last"][index]:
            lost += 1
    return lost


async def main(args: argparse.Namespace) -> dict[str, Any]:
    deployment = None if args.base_url else Deployment(args.workers)
    try:
        base = args.base_url or deployment.start()  # type: ignore[union-attr]
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
            task_id, vendors, deadline = await prepare(client, args.vendors, args.window)
            wait = deadline.timestamp() - args.window - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
            stats = Stats()
            started = time.time()
            result = await storm(client, task_id, vendors, deadline, stats, args.overrun)
            elapsed = time.time() - started
            coordinator = await token(client, "koordinator@demo.os2.dk", "Demo-Partner-Market-2026")
            lost = await count_lost(client, task_id, result, coordinator)
        requests = sum(len(v) for v in stats.latencies.values())
        everything = [x for v in stats.latencies.values() for x in v]
        report: dict[str, Any] = {
            "vendors": len(vendors),
            "web_workers": args.workers,
            "seconds": round(elapsed, 1),
            "requests": requests,
            "requests_per_second": round(requests / elapsed, 1),
            "latency_ms": {
                k: {
                    "p50": round(percentile(v, 50) * 1000, 1),
                    "p95": round(percentile(v, 95) * 1000, 1),
                    "p99": round(percentile(v, 99) * 1000, 1),
                    "n": len(v),
                }
                for k, v in {**stats.latencies, "all": everything}.items()
            },
            "statuses": stats.statuses,
            "bids_accepted": sum(
                stats.statuses.get(k, {}).get(c, 0)
                for k in ("submit", "revise")
                for c in (200, 201)
            ),
            "bids_refused_late": result["refused_late"],
            "bids_lost": lost,
            "bids_accepted_after_deadline": result["late_accepted"],
            "unexpected_errors": result["errors"],
        }
        return report
    finally:
        if deployment is not None:
            deployment.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=40)
    parser.add_argument("--workers", type=int, default=4, help="uvicorn worker processes")
    parser.add_argument(
        "--window", type=float, default=60, help="seconds of storm before the deadline"
    )
    parser.add_argument("--overrun", type=float, default=5, help="seconds of storm after it")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    figures = asyncio.run(main(arguments))
    print(json.dumps(figures, indent=None if arguments.json else 2))
    if figures["bids_lost"] or figures["bids_accepted_after_deadline"]:
        sys.exit(1)
