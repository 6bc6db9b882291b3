"""Ranking speed and memory at several index sizes.

    python -m matching.bench --vendors 1000,10000,100000 [--tasks 50] [--json]

For each size: build a synthetic index, then rank `--tasks` tasks, each time returning the top 50
with explanations (filters, features, combination and fairness correction over every vendor). The
floor is the bare sparse similarity of the same query vector against the same vendor matrix (CSC
column slice), timed in the same loop.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time

import numpy as np

from matching.fairness import ExposureLedger
from matching.ranker import Index
from matching.synth import GENERIC, TOPICS
from matching.types import TaskProfile, VendorProfile

SIZES = ("micro", "small", "medium", "large")
LEVELS = ("basic", "experienced", "expert")


def synthetic_vendors(count: int, seed: int = 0) -> list[VendorProfile]:
    """Vendors with profile texts, codes, past tasks, ratings and capacity, fast to make."""
    rng = np.random.default_rng(seed)
    topics = list(TOPICS.values())
    vocabulary = np.array([f"w{i}" for i in range(20000)])
    vendors = []
    for i in range(count):
        chosen = [topics[int(t)] for t in rng.choice(len(topics), 2, replace=False)]
        words = [w for _, ws in chosen for w in ws]
        own = vocabulary[rng.integers(0, len(vocabulary), 12)]
        profile = " ".join([*rng.choice(words, 10), *own, *rng.choice(GENERIC, 10)])
        past = tuple(
            " ".join([*rng.choice(words, 6), *rng.choice(own, 2), *rng.choice(GENERIC, 6)])
            for _ in range(int(rng.integers(0, 4)))
        )
        codes = {str(rng.choice(c)): str(rng.choice(LEVELS)) for c, _ in chosen}
        vendors.append(
            VendorProfile(
                id=i + 1,
                name=f"Vendor {i + 1}",
                size_class=str(rng.choice(SIZES)),
                profile_text=profile,
                codes=codes,
                products=tuple(rng.choice(["os2forms", "os2mo", "os2sync", "os2iot"], 1)),
                past_task_texts=past,
                past_codes=tuple(codes)[: len(past)],
                ratings=tuple(int(r) for r in rng.integers(1, 6, len(past))),
                on_time=tuple(bool(b) for b in rng.random(len(past)) < 0.8),
                hourly_rate_dkk=int(rng.integers(600, 1400)),
                capacity_hours_per_month=int(rng.integers(0, 200)) if rng.random() < 0.8 else None,
                eligible=bool(rng.random() < 0.95),
                award_count=len(past),
                recent_awards=int(rng.integers(0, 3)),
            )
        )
    return vendors


def synthetic_tasks(count: int, seed: int = 1) -> list[TaskProfile]:
    rng = np.random.default_rng(seed)
    tasks = []
    for i in range(count):
        codes, words = list(TOPICS.values())[int(rng.integers(len(TOPICS)))]
        tasks.append(
            TaskProfile(
                id=i,
                title=" ".join(rng.choice(words, 4)),
                description=" ".join([*rng.choice(words, 15), *rng.choice(GENERIC, 25)]),
                required_codes=(str(rng.choice(codes)),),
                nice_to_have_codes=(str(rng.choice(codes)),),
                products=("os2forms",),
                estimate_hours=int(rng.integers(20, 400)),
                budget_dkk=int(rng.integers(50_000, 500_000)),
                delivery_date=dt.date(2025, 6, 1),
                published_at=dt.date(2025, 1, 1),
                buyer="kommune-1",
            )
        )
    return tasks


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def run_size(vendors: int, tasks: int, top: int = 50) -> dict[str, float]:
    profiles = synthetic_vendors(vendors)
    started = time.perf_counter()
    index = Index.fit(profiles)
    matrix = index.text_matrix()  # builds the weighted matrices: part of the build
    build = time.perf_counter() - started
    ledger = ExposureLedger()
    rank_ms, floor_ms = [], []
    for task in synthetic_tasks(tasks):
        t0 = time.perf_counter()
        matches = index.rank(task, top=top, exposure=ledger)
        t1 = time.perf_counter()
        query = index.query(task)
        t2 = time.perf_counter()
        matrix[:, query.columns] @ query.vector
        t3 = time.perf_counter()
        rank_ms.append((t1 - t0) * 1000)
        floor_ms.append((t3 - t2) * 1000)
        ledger.record_ranking([m.vendor_id for m in matches])
    p95, floor95 = float(np.percentile(rank_ms, 95)), float(np.percentile(floor_ms, 95))
    return {
        "vendors": vendors,
        "build_seconds": round(build, 2),
        "rank_ms_p50": round(float(np.percentile(rank_ms, 50)), 2),
        "rank_ms_p95": round(p95, 2),
        "floor_ms_p95": round(floor95, 2),
        "ratio_p95": round(p95 / floor95, 2) if floor95 > 0 else 0.0,
        "peak_rss_mb": round(peak_rss_mb()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matching.bench", description=__doc__)
    parser.add_argument("--vendors", default="1000,10000,100000")
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    runs = []
    for size in (int(s) for s in args.vendors.split(",") if s.strip()):
        runs.append(run_size(size, args.tasks))
        if not args.json:
            run = runs[-1]
            sys.stdout.write(
                f"{run['vendors']:>8} vendors  build {run['build_seconds']:>7.2f} s  "
                f"rank p50 {run['rank_ms_p50']:>7.2f} ms  p95 {run['rank_ms_p95']:>7.2f} ms  "
                f"floor p95 {run['floor_ms_p95']:>6.2f} ms  ratio {run['ratio_p95']:>5.2f}  "
                f"peak {run['peak_rss_mb']:>6.0f} MB\n"
            )
    if args.json:
        sys.stdout.write(json.dumps({"runs": runs}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
