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
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from market.settings import Settings

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram
    from prometheus_client.core import Metric

# prometheus-client's own switch, read once when the library is imported: set by `market
# serve`/`worker` (market.cli._share_metrics) at start. The library is therefore imported at
# the first use of a metric, not when this module is: the command line imports the whole app
# (this module too) before it knows which command runs.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class _Instruments:
    requests: Counter
    request_seconds: Histogram
    job_runs: Counter
    job_failures: Counter
    job_seconds: Histogram
    shortlist_seconds: Histogram


_instruments: _Instruments | None = None


def _metrics() -> _Instruments:
    """The process's metrics, made (and registered) on first use."""
    global _instruments
    if _instruments is None:
        from prometheus_client import Counter, Histogram  # noqa: PLC0415 - see MULTIPROC_ENV

        _instruments = _Instruments(
            requests=Counter(
                "market_http_requests_total",
                "HTTP requests by route name and status",
                ["route", "status"],
            ),
            request_seconds=Histogram(
                "market_http_request_duration_seconds",
                "Time to answer an HTTP request, by route name",
                ["route"],
                buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            ),
            job_runs=Counter("market_job_runs_total", "Background jobs run, by job", ["job"]),
            job_failures=Counter(
                "market_job_failures_total", "Background jobs that failed", ["job"]
            ),
            job_seconds=Histogram(
                "market_job_duration_seconds",
                "Time a background job ran, by job",
                ["job"],
                buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            ),
            shortlist_seconds=Histogram(
                "market_shortlist_compute_seconds",
                "Time to compute and store one task's shortlist",
                buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            ),
        )
    return _instruments


def time_shortlist() -> AbstractContextManager[Any]:
    """Times one shortlist's computation (a `with` block)."""
    return _metrics().shortlist_seconds.time()


def _multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def observe_request(route: str, status: int, seconds: float) -> None:
    """Count and time one HTTP request by its route's name (never its raw path)."""
    instruments = _metrics()
    instruments.requests.labels(route=route, status=str(status)).inc()
    instruments.request_seconds.labels(route=route).observe(seconds)


async def observe_job(name: str, run: Callable[[], Awaitable[Any]]) -> Any:
    """Run one job, counting it (and its failure) and timing it."""
    instruments = _metrics()
    instruments.job_runs.labels(job=name).inc()
    started = time.perf_counter()
    try:
        return await run()
    except BaseException:
        instruments.job_failures.labels(job=name).inc()
        raise
    finally:
        instruments.job_seconds.labels(job=name).observe(time.perf_counter() - started)


class _Snapshot:
    """A collector that hands out gauges read from the database just before."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def database_gauges(outbox_pending: int, bids_by_state: dict[str, int]) -> list[Metric]:
    from prometheus_client.core import GaugeMetricFamily  # noqa: PLC0415 - see MULTIPROC_ENV

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
    # See MULTIPROC_ENV for why these are imported here.
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest  # noqa: PLC0415
    from prometheus_client.multiprocess import MultiProcessCollector  # noqa: PLC0415

    _metrics()  # every metric is there, at zero before its first sample
    directory = _multiprocess_dir()
    if directory is not None:
        processes = CollectorRegistry()
        MultiProcessCollector(processes, path=str(directory))
        body = generate_latest(processes)
    else:
        body = generate_latest(REGISTRY)
    snapshot = CollectorRegistry()
    snapshot.register(_Snapshot(extra))
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
    from prometheus_client import CONTENT_TYPE_LATEST  # noqa: PLC0415 - see MULTIPROC_ENV

    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
