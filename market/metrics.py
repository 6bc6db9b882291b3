"""Prometheus metrics: requests, jobs and shortlists as they happen, backlogs at each scrape.

`market serve` and `market worker` run prometheus-client in multiprocess mode (each process
writes its samples under METRICS_DIR, and /metrics adds them up), so several uvicorn workers
and the arq worker answer as one. Counts that live in the database (the outbox backlog, bids
per task state) are read when /metrics is scraped, never kept twice.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response

from market.settings import Settings

# prometheus-client's own switch, read when it is imported: set by `market serve`/`worker`
# (market.cli._share_metrics) before the app is imported.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "market_http_requests_total", "HTTP requests by route name and status", ["route", "status"]
)
REQUEST_SECONDS = Histogram(
    "market_http_request_duration_seconds",
    "Time to answer an HTTP request, by route name",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOB_RUNS = Counter("market_job_runs_total", "Background jobs run, by job", ["job"])
JOB_FAILURES = Counter("market_job_failures_total", "Background jobs that failed", ["job"])
JOB_SECONDS = Histogram(
    "market_job_duration_seconds",
    "Time a background job ran, by job",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
SHORTLIST_SECONDS = Histogram(
    "market_shortlist_compute_seconds",
    "Time to compute and store one task's shortlist",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def _multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def observe_request(route: str, status: int, seconds: float) -> None:
    """Count and time one HTTP request by its route's name (never its raw path)."""
    REQUESTS.labels(route=route, status=str(status)).inc()
    REQUEST_SECONDS.labels(route=route).observe(seconds)


async def observe_job(name: str, run: Callable[[], Awaitable[Any]]) -> Any:
    """Run one job, counting it (and its failure) and timing it."""
    JOB_RUNS.labels(job=name).inc()
    started = time.perf_counter()
    try:
        return await run()
    except BaseException:
        JOB_FAILURES.labels(job=name).inc()
        raise
    finally:
        JOB_SECONDS.labels(job=name).observe(time.perf_counter() - started)


class _Snapshot:
    """A collector that hands out gauges read from the database just before."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def database_gauges(outbox_pending: int, bids_by_state: dict[str, int]) -> list[Metric]:
    outbox = GaugeMetricFamily("market_outbox_backlog", "E-mails waiting in the outbox")
    outbox.add_metric([], outbox_pending)
    bids = GaugeMetricFamily(
        "market_bids", "Submitted, not withdrawn bids by their task's state", labels=["task_state"]
    )
    for state, count in sorted(bids_by_state.items()):
        bids.add_metric([state], count)
    return [outbox, bids]


def exposition(extra: list[Metric]) -> bytes:
    """The text exposition: this process's (or every process's) samples plus `extra`."""
    directory = _multiprocess_dir()
    if directory is not None:
        processes = CollectorRegistry()
        MultiProcessCollector(processes, path=str(directory))
        body = generate_latest(processes)
    else:
        body = generate_latest(REGISTRY)
    snapshot = CollectorRegistry()
    snapshot.register(_Snapshot(extra))  # type: ignore[arg-type]
    return body + generate_latest(snapshot)


def address_allowed(settings: Settings, address: str) -> bool:
    """Is this client address one named in METRICS_ALLOWED_ADDRESSES (address or network)?"""
    if not address or not settings.metrics_allowed_addresses:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.metrics_allowed_addresses:
        try:
            if client in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def response(body: bytes) -> Response:
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
