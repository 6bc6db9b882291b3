"""Ranking speed and memory at several index sizes, against an independent floor.

    python -m matching.bench --vendors 1000,10000,100000 [--tasks 50] [--json] [--no-floor]

For each size, two child processes build from the same realistic synthetic vendors (profile
texts of 150-350 words, 5-20 CPV codes, 0-8 dated past tasks) and rank the same `--tasks` tasks:

- the engine: `Index.fit`, then `Index.rank(task, top=50)` with explanations and the fair
  share, timed per task ("rank"), and the same task through `Index.score` alone ("score");
- the floor, written here without any of the engine's code: hashed TF-IDF of word 1-2 grams and
  `char_wb` 3-5 grams (sublinear TF, smoothed IDF, unit rows), the query's 150 heaviest terms,
  the vendor matrix's query columns times the query, and a top-50 `argpartition`. Its time
  includes analysing the task text, like the engine's.

Each side runs in its own process, so each peak RSS is its own. `--no-floor` runs the engine
alone (its memory and rank time; the floor takes about 12 minutes at 100,000 vendors).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from matching.types import PastAward, TaskProfile, VendorProfile

SIZES = ("micro", "small", "medium", "large")
LEVELS = ("basic", "experienced", "expert")
DIVISIONS = ("48", "72", "79", "71", "73", "80", "50", "64", "30", "32", "45", "90", "85", "66")
TOPICS = 300
TOPIC_WORDS = 250
VOCABULARY = 40_000
TOP = 50
FLOOR_FEATURES = 2**20  # hashed columns per analyser
FLOOR_CHUNK = 2000
FLOOR_QUERY_TERMS = 150


@dataclass(frozen=True)
class _World:
    """The shared language of the synthetic market: a Zipf vocabulary and topics."""

    words: np.ndarray
    general: np.ndarray  # cumulative Zipf probabilities over `words`
    topic_words: np.ndarray  # (TOPICS, TOPIC_WORDS) word numbers
    topic_codes: list[list[str]]


def _world(seed: int = 7) -> _World:
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnoprstuvyæøå"))
    lengths = rng.integers(3, 12, VOCABULARY)
    words = np.array(["".join(rng.choice(letters, n)) for n in lengths])
    ranks = np.arange(1, VOCABULARY + 1, dtype=float)
    general = ranks**-1.05
    general = np.cumsum(general / general.sum())
    topic_words = rng.choice(np.arange(200, VOCABULARY), size=(TOPICS, TOPIC_WORDS))
    topic_codes = []
    for _ in range(TOPICS):
        division = str(rng.choice(DIVISIONS))
        group = division + "".join(str(d) for d in rng.integers(0, 10, 2))
        codes = []
        for _ in range(24):
            digits = group + "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(0, 4))))
            codes.append(digits.ljust(8, "0"))
        topic_codes.append(codes)
    return _World(words, general, topic_words, topic_codes)


def _text(world: _World, rng: np.random.Generator, topics: np.ndarray, count: int) -> str:
    """`count` words: 60% from the given topics, the rest general language (Zipf)."""
    own = int(count * 0.6)
    chosen = world.topic_words[rng.choice(topics, own)][
        np.arange(own), rng.integers(0, TOPIC_WORDS, own)
    ]
    general = np.minimum(
        np.searchsorted(world.general, rng.random(count - own)), len(world.words) - 1
    )
    order = np.concatenate([chosen, general])
    rng.shuffle(order)
    return " ".join(world.words[order])


def synthetic_vendors(count: int, seed: int = 0) -> list[VendorProfile]:
    """Realistic vendors: 150-350 profile words, 5-20 codes, 0-8 dated past tasks."""
    return list(iter_vendors(count, seed))


def iter_vendors(count: int, seed: int = 0) -> Iterator[VendorProfile]:
    """`synthetic_vendors` one at a time (the floor keeps only their texts)."""
    world = _world()
    rng = np.random.default_rng(seed)
    start = dt.date(2018, 1, 1).toordinal()
    for i in range(count):
        topics = rng.choice(TOPICS, int(rng.integers(1, 4)), replace=False)
        pool = [code for t in topics for code in world.topic_codes[int(t)]]
        codes = {
            str(code): str(rng.choice(LEVELS))
            for code in rng.choice(pool, min(len(pool), int(rng.integers(5, 21))), replace=False)
        }
        past = int(rng.integers(0, 9))
        past_texts = tuple(
            _text(world, rng, topics, int(rng.integers(30, 90))) for _ in range(past)
        )
        awards = tuple(
            PastAward(
                dt.date.fromordinal(start + int(rng.integers(0, 2500))),
                tuple(str(c) for c in rng.choice(list(codes), int(rng.integers(1, 4)))),
                f"kommune-{int(rng.integers(1, 99))}",
            )
            for _ in range(past)
        )
        yield VendorProfile(
            id=i + 1,
            name=f"Vendor {i + 1}",
            size_class=str(rng.choice(SIZES)),
            profile_text=_text(world, rng, topics, int(rng.integers(150, 351))),
            codes=codes,
            past_task_texts=past_texts,
            past_codes=tuple(sorted({c for a in awards for c in a.codes})),
            past_buyers=tuple(a.buyer for a in awards),
            past_awards=awards,
            ratings=tuple(int(r) for r in rng.integers(1, 6, past)),
            on_time=tuple(bool(b) for b in rng.random(past) < 0.8),
            hourly_rate_dkk=int(rng.integers(600, 1400)),
            capacity_hours_per_month=int(rng.integers(0, 200)) if rng.random() < 0.8 else None,
            eligible=bool(rng.random() < 0.95),
            award_count=past,
            recent_awards=int(rng.integers(0, 3)),
        )


def synthetic_tasks(count: int, seed: int = 1) -> list[TaskProfile]:
    world = _world()
    rng = np.random.default_rng(seed)
    tasks = []
    for i in range(count):
        topic = int(rng.integers(TOPICS))
        codes = world.topic_codes[topic]
        tasks.append(
            TaskProfile(
                id=i,
                title=_text(world, rng, np.asarray([topic]), int(rng.integers(5, 11))),
                description=_text(world, rng, np.asarray([topic]), int(rng.integers(80, 201))),
                required_codes=tuple(str(c) for c in rng.choice(codes, int(rng.integers(1, 4)))),
                nice_to_have_codes=tuple(
                    str(c) for c in rng.choice(codes, int(rng.integers(0, 3)))
                ),
                estimate_hours=int(rng.integers(20, 400)),
                budget_dkk=int(rng.integers(50_000, 500_000)),
                delivery_date=dt.date(2025, 6, 1),
                published_at=dt.date(2025, 1, 1),
                buyer=f"kommune-{int(rng.integers(1, 99))}",
            )
        )
    return tasks


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def current_rss_mb() -> float:
    """The resident set size now (Linux), in MB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _percentiles(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def engine_part(vendors: int, tasks: int) -> dict[str, float]:
    """Build the engine's index and time `rank` (the whole path) and `score` per task."""
    from matching.fairness import ExposureLedger
    from matching.ranker import Index

    started = time.perf_counter()
    index = Index.fit(iter_vendors(vendors))
    index.score(synthetic_tasks(1, seed=99)[0])  # the weighting is part of the build
    build = time.perf_counter() - started
    build_peak, after_build = peak_rss_mb(), current_rss_mb()
    ledger = ExposureLedger()
    rank_ms, score_ms, rank_cpu = [], [], []
    for task in synthetic_tasks(tasks):
        t0, c0 = time.perf_counter(), time.process_time()
        matches = index.rank(task, top=TOP, exposure=ledger)
        t1, c1 = time.perf_counter(), time.process_time()
        index.score(task, exposure=ledger)
        t2 = time.perf_counter()
        rank_ms.append((t1 - t0) * 1000)
        rank_cpu.append((c1 - c0) * 1000)
        score_ms.append((t2 - t1) * 1000)
        ledger.record_matches(matches)
    rank50, rank95 = _percentiles(rank_ms)
    _, score95 = _percentiles(score_ms)
    return {
        "build_seconds": round(build, 2),
        "rank_ms_p50": round(rank50, 2),
        "rank_ms_p95": round(rank95, 2),
        "score_ms_p95": round(score95, 2),
        "rank_cpu_ms_p50": round(_percentiles(rank_cpu)[0], 2),
        "rank_cpu_ms_p95": round(_percentiles(rank_cpu)[1], 2),
        "peak_rss_mb": round(peak_rss_mb()),
        "build_peak_rss_mb": round(build_peak),
        "rss_after_build_mb": round(after_build),
        "stored_terms": index.stored_terms,
        "term_counts_mb": round(index.memory()["term_counts"] / 2**20),
        "profiles_mb": round(index.memory()["profiles"] / 2**20),
    }


def floor_part(vendors: int, tasks: int) -> dict[str, float]:
    """The independent floor (no engine code): hashed TF-IDF, 150 query terms, top-50.

    Built in one pass over the vendors in chunks: each chunk's raw counts are kept as a small
    CSC piece (uint16 row within the chunk, uint8 count) in a temporary directory while the
    document frequencies add up; then the float32 TF-IDF matrix (int32 row numbers, unit rows)
    is filled column by column from the pieces. The peak is the final matrix plus one chunk.
    """
    import tempfile
    from pathlib import Path

    import scipy.sparse as sp
    from sklearn.feature_extraction.text import HashingVectorizer

    width = FLOOR_FEATURES
    common = {"n_features": width, "alternate_sign": False, "norm": None, "dtype": np.float32}
    word = HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common)
    char = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), **common)

    def counts(texts: list[str]) -> sp.csc_matrix:
        matrix = sp.hstack([word.transform(texts), char.transform(texts)], format="csc")
        matrix.sum_duplicates()
        return matrix

    def sublinear(values: np.ndarray) -> np.ndarray:
        return (1.0 + np.log(values.astype(np.float32))).astype(np.float32)

    started = time.perf_counter()
    df = np.zeros(2 * width, dtype=np.int64)
    sizes: list[int] = []
    with tempfile.TemporaryDirectory(prefix="floor-") as folder:
        texts: list[str] = []

        def stage(texts: list[str]) -> None:
            piece = counts(texts)
            df[:] += np.diff(piece.indptr)
            np.savez(
                Path(folder) / f"{len(sizes)}.npz",
                rows=piece.indices.astype(np.uint16),
                counts=np.minimum(piece.data, 255).astype(np.uint8),
                indptr=piece.indptr.astype(np.int64),
            )
            sizes.append(len(texts))

        for vendor in iter_vendors(vendors):
            texts.append("\n".join((vendor.profile_text, *vendor.past_task_texts)))
            if len(texts) == FLOOR_CHUNK:
                stage(texts)
                texts = []
        if texts:
            stage(texts)
        del texts
        n = sum(sizes)
        idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        indptr = np.concatenate([[0], np.cumsum(df)])
        index_type = np.int32 if indptr[-1] < np.iinfo(np.int32).max else np.int64
        data = np.empty(int(indptr[-1]), dtype=np.float32)
        rows = np.empty(int(indptr[-1]), dtype=index_type)
        fill = indptr[:-1].copy()
        first = 0
        for number, size in enumerate(sizes):
            with np.load(Path(folder) / f"{number}.npz") as piece:
                local, raw, starts = piece["rows"], piece["counts"], piece["indptr"]
            lengths = np.diff(starts)
            weights = sublinear(raw) * np.repeat(idf, lengths)
            norms = np.sqrt(
                np.bincount(local, weights=weights.astype(np.float64) ** 2, minlength=size)
            )
            norms[norms == 0] = 1.0
            weights /= norms[local].astype(np.float32)
            where = np.repeat(fill - starts[:-1], lengths) + np.arange(len(local))
            data[where] = weights
            rows[where] = local.astype(index_type) + first
            fill += lengths
            first += size
            del local, raw, starts, weights, where
    matrix = sp.csc_matrix((data, rows, indptr.astype(index_type)), shape=(n, 2 * width))
    del data, rows
    build = time.perf_counter() - started
    floor_ms, floor_cpu = [], []
    for task in synthetic_tasks(tasks):
        t0, c0 = time.perf_counter(), time.process_time()
        query = counts([f"{task.title}\n{task.description}"]).tocsr()
        columns = query.indices
        weights = sublinear(query.data) * idf[columns]
        keep = np.argsort(-weights, kind="stable")[:FLOOR_QUERY_TERMS]
        columns, weights = columns[keep], weights[keep]
        weights = (weights / np.linalg.norm(weights)).astype(np.float32)
        scores = matrix[:, columns] @ weights
        top = np.argpartition(-scores, TOP)[:TOP]
        top[np.argsort(-scores[top], kind="stable")]
        floor_ms.append((time.perf_counter() - t0) * 1000)
        floor_cpu.append((time.process_time() - c0) * 1000)
    p50, p95 = _percentiles(floor_ms)
    return {
        "floor_build_seconds": round(build, 2),
        "floor_ms_p50": round(p50, 2),
        "floor_ms_p95": round(p95, 2),
        "floor_cpu_ms_p95": round(_percentiles(floor_cpu)[1], 2),
        "floor_peak_rss_mb": round(peak_rss_mb()),
        "floor_stored_terms": int(matrix.nnz),
    }


def _child(part: str, vendors: int, tasks: int) -> dict[str, float]:
    command = [sys.executable, "-m", "matching.bench", "--part", part]
    command += ["--vendors", str(vendors), "--tasks", str(tasks)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 (this interpreter, fixed arguments)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def run_size(vendors: int, tasks: int, floor_too: bool = True) -> dict[str, float]:
    engine = _child("engine", vendors, tasks)
    if not floor_too:  # the engine's figures alone (the floor at 100k takes ~12 minutes)
        return {"vendors": vendors, **engine}
    floor = _child("floor", vendors, tasks)
    p95, floor95 = engine["rank_ms_p95"], floor["floor_ms_p95"]
    cpu95, floor_cpu95 = engine["rank_cpu_ms_p95"], floor["floor_cpu_ms_p95"]
    return {
        "vendors": vendors,
        **engine,
        **floor,
        "ratio_p95": round(p95 / floor95, 2) if floor95 > 0 else 0.0,
        # Process CPU time: what each side costs, less disturbed by other load on the machine.
        "ratio_cpu_p95": round(cpu95 / floor_cpu95, 2) if floor_cpu95 > 0 else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matching.bench", description=__doc__)
    parser.add_argument("--vendors", default="1000,10000,100000")
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--no-floor", action="store_true", help="measure the engine alone (memory, rank time)"
    )
    parser.add_argument("--part", choices=("engine", "floor"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part:  # a child process: one side, one size, JSON on stdout
        part = engine_part if args.part == "engine" else floor_part
        sys.stdout.write(json.dumps(part(int(args.vendors), args.tasks)) + "\n")
        return 0
    runs = []
    for size in (int(s) for s in args.vendors.split(",") if s.strip()):
        runs.append(run_size(size, args.tasks, floor_too=not args.no_floor))
        if not args.json and args.no_floor:
            run = runs[-1]
            sys.stdout.write(
                f"{run['vendors']:>8} vendors  build {run['build_seconds']:>7.2f} s  "
                f"rank p50 {run['rank_ms_p50']:>7.2f} ms  p95 {run['rank_ms_p95']:>7.2f} ms  "
                f"CPU p50 {run['rank_cpu_ms_p50']:>6.2f} p95 {run['rank_cpu_ms_p95']:>6.2f} ms  "
                f"peak {run['peak_rss_mb']:>6.0f} MB  "
                f"after build {run['rss_after_build_mb']:.0f} MB  "
                f"term counts {run['term_counts_mb']:.0f} MB\n"
            )
        elif not args.json:
            run = runs[-1]
            sys.stdout.write(
                f"{run['vendors']:>8} vendors  build {run['build_seconds']:>7.2f} s  "
                f"rank p50 {run['rank_ms_p50']:>7.2f} ms  p95 {run['rank_ms_p95']:>7.2f} ms  "
                f"(score alone {run['score_ms_p95']:>6.2f})  "
                f"floor p95 {run['floor_ms_p95']:>6.2f} ms  ratio {run['ratio_p95']:>5.2f} "
                f"(CPU {run['ratio_cpu_p95']:>5.2f})  "
                f"peak {run['peak_rss_mb']:>6.0f} MB (floor {run['floor_peak_rss_mb']:.0f} MB)\n"
            )
    if args.json:
        sys.stdout.write(json.dumps({"runs": runs}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
