"""Scale benchmark: list pages, shortlist time and event-loop stall on a grown market.

Fill a database first, then serve it and run this against the server:

    MARKET_VAR_DIR=/tmp/scale market migrate
    MARKET_VAR_DIR=/tmp/scale market demo --vendors 10000 --tasks 2000
    MARKET_VAR_DIR=/tmp/scale market serve --port 8021 &
    MARKET_VAR_DIR=/tmp/scale python scripts/scale_bench.py --base-url http://127.0.0.1:8021

(the same with DATABASE_URL for PostgreSQL). It prints, as JSON:
- p50/p95 of every vendor list page and list endpoint (sequential requests, after a warm-up);
- the shortlist of one open task computed in this process straight from the database to the
  stored entries: cold with the index fitted from the vendor rows, cold with it loaded from the
  stored snapshot (a fresh worker's case), and warm (again, another task); process CPU seconds
  beside each wall time;
- the jobs one saved vendor profile queues (and the open shortlists it marks stale);
- while the server recomputes a shortlist (POST .../shortlist/recompute, run by its job
  runner), the latency of an unrelated page requested every 25 ms: p50, p99 and max.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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
    "/directory?q=udvikling+integration",
    "/partners?q=data",
    "/api/v1/vendors?q=kommune",
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
    "/secretariat/vendors?q=digital",
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


async def open_task_ids(client: httpx.AsyncClient) -> list[int]:
    answer = await client.get("/api/v1/tasks?status=published&per_page=3")
    items = answer.json().get("items", [])
    if len(items) < 3:
        raise SystemExit("no open tasks: fill the database with market demo --tasks N first")
    return [int(item["id"]) for item in items]


async def shortlist_in_process(task_id: int, other_id: int) -> dict[str, Any]:
    """Database to stored entries, in this process: cold (index fitted from the rows, then
    loaded from the stored snapshot as a fresh worker does) and warm; then the jobs that one
    saved vendor profile queues. This process runs no jobs (they are counted, not run)."""
    from tortoise import Tortoise

    from market import jobs
    from market.db import tortoise_config
    from market.settings import Settings
    from market.shortlists import engine, services
    from market.shortlists.models import Shortlist
    from market.vendors.models import Vendor

    settings = Settings.from_env()
    await Tortoise.init(config=tortoise_config(settings))
    jobs.install(jobs.InlineRunner(settings, autostart=False))
    result: dict[str, Any] = {"load_before": load()}

    async def timed_run(label: str, task: int) -> None:
        start, cpu = time.perf_counter(), time.process_time()
        await services.compute_shortlist(task)
        result[label] = round(time.perf_counter() - start, 2)
        result[label.replace("_s", "_cpu_s")] = round(time.process_time() - cpu, 2)

    try:
        engine.LOAD_SNAPSHOTS = False
        await timed_run("cold_fit_s", task_id)
        engine.LOAD_SNAPSHOTS = True
        start = time.perf_counter()
        result["snapshot"] = await engine.store_snapshot(lag=0)
        result["snapshot_store_s"] = round(time.perf_counter() - start, 2)
        engine.forget()  # as a fresh worker process
        await timed_run("cold_s", task_id)
        await timed_run("warm_s", other_id)
        await timed_run("warm_again_s", task_id)
        # One saved profile: what the refresh_vendor_index job queues.
        runner = jobs.InlineRunner(settings, autostart=False)
        jobs.install(runner)
        vendor_id = await Vendor.all().order_by("id").first().values_list("id", flat=True)
        stale = await Shortlist.filter(stale=True).count()
        await jobs.JOBS["refresh_vendor_index"](runner.ctx, vendor_id)
        queued = [name for name, _args, _job_id in runner._queue]
        result["profile_save"] = {
            "open_tasks": len(await services.open_task_ids()),
            "jobs_queued": len(queued),
            "jobs": sorted(set(queued)),
            "shortlists_marked_stale": await Shortlist.filter(stale=True).count() - stale,
        }
        result["load_after"] = load()
        return result
    finally:
        jobs.install(None)
        await Tortoise.close_connections()


def load() -> str:
    """The load average (1, 5, 15 minutes) beside each figure: the machine is shared."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def loop_stall(
    client: httpx.AsyncClient, task_id: int, probe: str, seconds: float
) -> dict[str, Any]:
    """Probe an unrelated page every 25 ms while the server recomputes a shortlist (and, as
    the baseline of this machine at this moment, for a few seconds before)."""
    idle: list[float] = []
    async with httpx.AsyncClient(base_url=str(client.base_url), timeout=300) as other:
        for _ in range(200):
            start = time.perf_counter()
            await other.get(probe)
            idle.append(time.perf_counter() - start)
            await asyncio.sleep(0.025)
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
        "load": load(),
        "finished": (await client.get(status_path)).json().get("runs", 0) > runs,
        "requests": len(times),
        "p50_ms": ms(percentile(times, 50)),
        "p99_ms": ms(percentile(times, 99)),
        "max_ms": ms(max(times, default=0.0)),
        "idle_p50_ms": ms(percentile(idle, 50)),
        "idle_p99_ms": ms(percentile(idle, 99)),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"pages": {}}
    async with httpx.AsyncClient(base_url=args.base_url, timeout=300) as client:
        for path in [] if args.skip_pages else PAGES:
            report["pages"][path] = await timed(client, path, args.rounds)
        await login(client, args.password)
        # Signed in, every page is built afresh (anonymous visitors may get a stored copy).
        report["signed_in"] = {}
        for path in [] if args.skip_pages else PAGES:
            report["signed_in"][path] = await timed(client, path, args.rounds)
        for path in [] if args.skip_pages else STAFF_PAGES:
            report["pages"][path] = await timed(client, path, args.rounds)
        task_id, other_id, stall_id = await open_task_ids(client)
        report["shortlist_task"] = task_id
        if not args.skip_shortlist:
            if not args.skip_in_process:
                report["shortlist"] = await shortlist_in_process(task_id, other_id)
            report["loop_stall"] = await loop_stall(
                client, stall_id, "/partners", args.stall_seconds
            )
    report["worst_page_p95_ms"] = max((p["p95_ms"] for p in report["pages"].values()), default=0)
    report["worst_signed_in_p95_ms"] = max(
        (p["p95_ms"] for p in report["signed_in"].values()), default=0
    )
    report["load_average"] = list(os.getloadavg())
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8021")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--password", default="Demo-Partner-Market-2026")
    parser.add_argument("--skip-shortlist", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true", help="only the loop stall")
    parser.add_argument("--stall-seconds", type=float, default=180)
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=2))
