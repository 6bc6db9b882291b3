"""Scale benchmark: list pages, shortlist time and event-loop stall on a grown market.

Fill a database first, then serve it and run this against the server:

    MARKET_VAR_DIR=/tmp/scale market migrate
    MARKET_VAR_DIR=/tmp/scale market demo --vendors 10000 --tasks 2000
    MARKET_VAR_DIR=/tmp/scale market serve --port 8021 &
    MARKET_VAR_DIR=/tmp/scale python scripts/scale_bench.py --base-url http://127.0.0.1:8021

(the same with DATABASE_URL for PostgreSQL). It prints, as JSON:
- p50/p95 of every vendor list page and list endpoint (sequential requests, after a warm-up);
- the shortlist of one open task computed in this process straight from the database to the
  stored entries: cold (first, index built) and warm (again, index loaded);
- while the server recomputes a shortlist (POST .../shortlist/recompute, run by its job
  runner), the latency of an unrelated page requested every 25 ms: p50, p99 and max.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from typing import Any

import httpx

SECRETARIAT = "sekretariat@demo.os2.dk"
PAGES = [
    "/partners",
    "/partners?page=100",
    "/directory",
    "/directory?eligible=1",
    "/directory?q=python&page=3",
    "/api/v1/vendors",
    "/api/v1/vendors?page=100&per_page=50",
    "/tasks",
    "/api/v1/tasks",
]
STAFF_PAGES = [
    "/api/v1/signatures",
    "/api/v1/signatures?status=pending&page=3",
    "/secretariat/vendors",
    "/secretariat/vendors?state=active&page=50",
    "/secretariat/conduct",
    "/secretariat/fairness",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else 0.0


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


async def login(client: httpx.AsyncClient, password: str) -> None:
    page = await client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    token = found.group(1) if found else ""
    answer = await client.post(
        "/login", data={"email": SECRETARIAT, "password": password, "csrf_token": token}
    )
    if answer.status_code != 303:
        raise SystemExit(f"login as {SECRETARIAT} failed: {answer.status_code}")


async def timed(client: httpx.AsyncClient, path: str, rounds: int) -> dict[str, Any]:
    times, status, size = [], 0, 0
    for i in range(rounds + 2):
        start = time.perf_counter()
        answer = await client.get(path)
        took = time.perf_counter() - start
        status, size = answer.status_code, len(answer.content)
        if i >= 2:  # two warm-up requests
            times.append(took)
    return {
        "status": status,
        "bytes": size,
        "p50_ms": ms(percentile(times, 50)),
        "p95_ms": ms(percentile(times, 95)),
    }


async def open_task_id(client: httpx.AsyncClient) -> int:
    answer = await client.get("/api/v1/tasks?status=published&per_page=1")
    items = answer.json().get("items", [])
    if not items:
        raise SystemExit("no open task: fill the database with market demo --tasks N first")
    return int(items[0]["id"])


async def shortlist_in_process(task_id: int) -> dict[str, float]:
    """Database to stored entries, in this process: cold (index built) and warm."""
    from tortoise import Tortoise

    from market import jobs
    from market.db import tortoise_config
    from market.settings import Settings
    from market.shortlists import services

    settings = Settings.from_env()
    await Tortoise.init(config=tortoise_config(settings))
    jobs.install(None)
    try:
        result = {}
        for label in ("cold_s", "warm_s"):
            start = time.perf_counter()
            await services.compute_shortlist(task_id)
            result[label] = round(time.perf_counter() - start, 2)
        return result
    finally:
        await Tortoise.close_connections()


async def loop_stall(
    client: httpx.AsyncClient, task_id: int, probe: str, seconds: float
) -> dict[str, Any]:
    """Probe an unrelated page every 25 ms while the server recomputes a shortlist."""
    page = await client.get(f"/tasks/{task_id}/shortlist")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    token = found.group(1) if found else ""
    status_path = f"/tasks/{task_id}/shortlist/status"
    runs = (await client.get(status_path)).json().get("runs", 0)
    await client.post(f"/tasks/{task_id}/shortlist/recompute", data={"csrf_token": token})
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=str(client.base_url), timeout=300) as other:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            await other.get(probe)
            times.append(time.perf_counter() - start)
            status = (await client.get(status_path)).json()
            if status.get("runs", 0) > runs and status.get("status") != "running":
                break
            await asyncio.sleep(0.025)
    return {
        "probe": probe,
        "finished": (await client.get(status_path)).json().get("runs", 0) > runs,
        "requests": len(times),
        "p50_ms": ms(percentile(times, 50)),
        "p99_ms": ms(percentile(times, 99)),
        "max_ms": ms(max(times, default=0.0)),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"pages": {}}
    async with httpx.AsyncClient(base_url=args.base_url, timeout=300) as client:
        for path in PAGES:
            report["pages"][path] = await timed(client, path, args.rounds)
        await login(client, args.password)
        for path in STAFF_PAGES:
            report["pages"][path] = await timed(client, path, args.rounds)
        task_id = await open_task_id(client)
        report["shortlist_task"] = task_id
        if not args.skip_shortlist:
            report["shortlist"] = await shortlist_in_process(task_id)
            report["loop_stall"] = await loop_stall(
                client, task_id, "/partners", args.stall_seconds
            )
    report["worst_page_p95_ms"] = max(p["p95_ms"] for p in report["pages"].values())
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8021")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--password", default="Demo-Partner-Market-2026")
    parser.add_argument("--skip-shortlist", action="store_true")
    parser.add_argument("--stall-seconds", type=float, default=180)
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=2))
