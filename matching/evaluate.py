"""Temporal warm-start evaluation of the engine against simple baselines.

    python -m matching.evaluate FILE [--split-date D] [--json] [--seed N]

FILE holds past awards as JSON lines or an OCDS release package. The protocol and the output
format are fixed in MATCHING.md: train on awards before the split date, rank every candidate
supplier for each warm test award, report Hit@k, MRR and NDCG@10 with bootstrap intervals.

Rankers: `engine` (default settings, fairness included), `learned` (the same pipeline with
weights fitted on the training period only, see `learned_weights`) and the baselines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

from matching.awards import Award, Skipped, load_awards, task_from_award, vendor_from_awards
from matching.fairness import (
    ExposureLedger,
    fair_correction,
    fair_minimums,
    fair_order,
    gini,
    merit_order,
    position_exposure,
)
from matching.learn import Decision, History, evaluate_before_replace, fit_weights
from matching.ranker import Index
from matching.types import DEFAULT_SETTINGS, FEATURES, Settings, Weights

METRICS = ("hit@1", "hit@5", "hit@10", "mrr", "ndcg@10")
BASELINES = ("tfidf_text", "random", "popularity", "code_coverage")
# The trade-off curve: fair share x (fair rotation off, default fair rotation).
CURVE_SHARES = (0.0, 0.5, 0.75, 0.8, 0.9, 1.0, 1.25)
CURVE_STRENGTHS = (0.0, 0.02)
BOOTSTRAP = 1000
# Full merit arrays are kept for the fair rotation's curve points only up to this size.
MERIT_CACHE_BYTES = 512 * 2**20
# Learned weights: rolling origins inside the training period (share of training awards).
LEARN_CUTS = (0.5, 0.6, 0.7, 0.8, 0.9)
LEARN_NEGATIVES = 30


@dataclass
class Split:
    split_date: dt.date
    train: list[Award]
    test: list[Award]
    warm: list[Award]
    suppliers: list[str]  # candidate keys; vendor id = position


@dataclass
class MeritSummary:
    """What re-ranking one award with any fair share needs, instead of every candidate's merit.

    `rows` (sorted) holds the first 2 x depth candidates by merit and the best `depth` SMEs:
    all that `fairness.fair_order` can place in the first `depth` places; `keys` is their merit.
    The winner's row and merit, and how many candidates score at least / exactly as high, give
    its rank.
    """

    rows: np.ndarray
    keys: np.ndarray
    winner: int
    winner_key: float
    at_least: int  # candidates with merit >= the winner's (the winner included)
    equal: int  # candidates with merit == the winner's (the winner included)

    def rank(self, top: np.ndarray) -> int:
        """The winner's rank when `top` (row numbers) is placed first, the rest by merit.

        Ties count against the winner: every row placed before it, plus the rows after it with
        exactly its merit. Without re-ranking this equals `rank_of`.
        """
        placed = self.keys[np.searchsorted(self.rows, top)]
        hits = np.flatnonzero(top == self.winner)
        if len(hits):
            position = int(hits[0])
            later_ties = int((placed[position + 1 :] == self.winner_key).sum())
            outside_ties = self.equal - int((placed == self.winner_key).sum())
            return position + 1 + later_ties + outside_ties
        return len(top) + self.at_least - int((placed >= self.winner_key).sum())


def split_awards(awards: Sequence[Award], split_date: dt.date | None = None) -> Split:
    """Train before the split date (default leaves the last 30% for testing)."""
    ordered = sorted(awards, key=lambda award: (award.date, award.id, award.supplier))
    if not ordered:
        raise ValueError("no awards to evaluate")
    if split_date is None:
        split_date = ordered[min(int(len(ordered) * 0.7), len(ordered) - 1)].date
    train = [award for award in ordered if award.date < split_date]
    test = [award for award in ordered if award.date >= split_date]
    suppliers = sorted({award.supplier for award in train})
    known = set(suppliers)
    warm = [award for award in test if award.supplier in known]
    return Split(split_date, train, test, warm, suppliers)


def build_index(split: Split, settings: Settings = DEFAULT_SETTINGS) -> Index:
    """Candidate profiles from training awards only."""
    by_supplier: dict[str, list[Award]] = defaultdict(list)
    for award in split.train:
        by_supplier[award.supplier].append(award)
    vendors = [vendor_from_awards(i, by_supplier[key]) for i, key in enumerate(split.suppliers)]
    return Index.fit(vendors, settings=settings)


def rank_of(scores: np.ndarray, winner: int) -> int:
    """Ties count against the winner: rank = candidates scoring at least as high."""
    return int((scores >= scores[winner]).sum())


def top_ids(scores: np.ndarray, depth: int = 10) -> np.ndarray:
    """The first `depth` rows by score, ties to the lower id (ids are row numbers)."""
    depth = min(depth, len(scores))
    part = np.argpartition(-scores, depth - 1)[:depth] if depth < len(scores) else np.arange(depth)
    return part[np.lexsort((part, -scores[part]))]


def metrics(ranks: np.ndarray) -> dict[str, np.ndarray]:
    ndcg = np.where(ranks <= 10, 1.0 / np.log2(1.0 + ranks), 0.0)
    return {
        "hit@1": (ranks <= 1).astype(float),
        "hit@5": (ranks <= 5).astype(float),
        "hit@10": (ranks <= 10).astype(float),
        "mrr": 1.0 / ranks,
        "ndcg@10": ndcg,
    }


def bootstrap_ci(values: np.ndarray, rng: np.random.Generator) -> list[float]:
    if len(values) == 0:
        return [0.0, 0.0]
    draws = rng.integers(0, len(values), size=(BOOTSTRAP, len(values)))
    means = values[draws].mean(axis=1)
    return [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)]


def summarize(ranks: np.ndarray, rng: np.random.Generator) -> dict[str, object]:
    per_award = metrics(ranks)
    summary: dict[str, object] = {
        name: round(float(v.mean()), 4) if len(v) else 0.0 for name, v in per_award.items()
    }
    summary["ci95"] = {name: bootstrap_ci(v, rng) for name, v in per_award.items()}
    return summary


class Evaluation:
    """Runs every ranker over the warm test awards of one split."""

    def __init__(self, split: Split, settings: Settings = DEFAULT_SETTINGS, seed: int = 0):
        self.split = split
        self.settings = settings
        self.seed = seed
        self.index = build_index(split, settings)
        vendors = [self.index.vendor(i) for i in range(len(split.suppliers))]
        self.sme = np.asarray([v is not None and v.sme for v in vendors], dtype=np.bool_)
        self.position = {key: i for i, key in enumerate(split.suppliers)}
        self.winners = np.array([self.position[a.supplier] for a in split.warm], dtype=np.int64)
        self.tasks = [task_from_award(award) for award in split.warm]
        # One pass over the test awards keeps what later passes need, and not the feature
        # tables: on a large file they would not fit in memory. Kept: a compact summary of the
        # merit per award (enough to re-rank with any fair share, see `MeritSummary`), the
        # code coverage baseline's ranks and, when it fits in `MERIT_CACHE_BYTES`, the full
        # merit arrays that the fair rotation's curve points need.
        vector = np.asarray(settings.weights.as_array())
        column = FEATURES.index("required_codes")
        cells = len(self.tasks) * len(split.suppliers)
        self._merit: list[np.ndarray] | None = [] if cells * 8 <= MERIT_CACHE_BYTES else None
        self._summaries: list[MeritSummary] = []
        coverage_ranks, coverage_tops = [], []
        for features, winner in zip(self.feature_tables(), self.winners, strict=True):
            merit = features @ vector
            self._summaries.append(self.summary(merit, int(winner)))
            if self._merit is not None:
                self._merit.append(merit)
            coverage_ranks.append(rank_of(features[:, column], int(winner)))
            coverage_tops.append(top_ids(features[:, column]))
        self._coverage = (np.asarray(coverage_ranks, dtype=float), coverage_tops)

    @property
    def rotation_possible(self) -> bool:
        """Whether the fair rotation can be evaluated (it needs every merit array)."""
        return self._merit is not None

    def feature_tables(self) -> Iterator[np.ndarray]:
        """The feature table of every warm test award, in date order (computed afresh)."""
        for task in self.tasks:
            yield self.index.score(task).features

    def merits(self, weights: Weights | None = None) -> Iterable[np.ndarray]:
        """Each warm test award's merit scores under `weights` (default: the settings')."""
        if (weights is None or weights == self.settings.weights) and self._merit is not None:
            return self._merit
        vector = np.asarray((weights or self.settings.weights).as_array())
        return (features @ vector for features in self.feature_tables())

    def summary(self, merit: np.ndarray, winner: int) -> MeritSummary:
        depth = self.settings.fair_depth
        ids = self.index.vendor_ids
        smes = np.flatnonzero(self.sme)
        rows = np.union1d(
            merit_order(merit, ids, 2 * depth), smes[merit_order(merit[smes], ids[smes], depth)]
        )
        mark = merit[winner]
        return MeritSummary(
            rows,
            merit[rows],
            winner,
            float(mark),
            int((merit >= mark).sum()),
            int((merit == mark).sum()),
        )

    def summaries(self, weights: Weights | None = None) -> Iterable[MeritSummary]:
        if weights is None or weights == self.settings.weights:
            return self._summaries
        return (
            self.summary(merit, int(winner))
            for merit, winner in zip(self.merits(weights), self.winners, strict=True)
        )

    def engine(
        self,
        strength: float | None = None,
        fair_share: float | None = None,
        weights: Weights | None = None,
        spread: bool = False,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Ranks and top-10 lists of the engine, as `Index.rank` orders them.

        The fair rotation (`strength`) and the fair share (`fair_share`) default to the
        settings; both are amortised over the test awards in date order through one ledger.
        Each award is re-ranked from its `MeritSummary`, which gives exactly the ranks and
        lists that the full arrays give.
        """
        settings = self.settings
        strength = settings.fairness_strength if strength is None else strength
        fair_share = settings.fair_share if fair_share is None else fair_share
        ledger = ExposureLedger()
        ranks, tops = [], []
        ids = self.index.vendor_ids
        sme_ids = {int(i) for i in ids[self.sme]}
        share = fair_share * float(self.sme.mean()) if len(self.sme) else 0.0
        eligible = np.ones(len(self.split.suppliers), dtype=bool)

        def place(summary: MeritSummary) -> None:
            minimums = fair_minimums(
                share, settings.fair_depth, ledger.places, ledger.sme_places, spread
            )
            rows = summary.rows
            order, _moved = fair_order(
                summary.keys,
                ids[rows],
                eligible[rows],
                self.sme[rows],
                minimums,
                settings.fair_depth,
            )
            top = rows[order]
            ranks.append(summary.rank(top))
            tops.append(top)
            ledger.record_ranking([int(ids[i]) for i in top], sme=sme_ids)

        if not strength:
            for summary in self.summaries(weights):
                place(summary)
        else:  # the correction depends on the ledger so far: summarise each award in turn
            for merit, winner in zip(self.merits(weights), self.winners, strict=True):
                score = merit + fair_correction(merit, ledger.array(ids), eligible, strength)
                place(self.summary(score, int(winner)))
        return np.asarray(ranks, dtype=float), tops

    def histories(self, seed: int = 0) -> list[History]:
        """Labelled feature rows from the training period only, one `History` per fold.

        Rolling origins: for each cut in `LEARN_CUTS`, profiles come from the training awards
        before the cut, and the awards from that cut to the next (or to the split date) whose
        supplier is already known are the labels: the awarded supplier (1) against up to
        `LEARN_NEGATIVES` sampled other candidates (0). No test award is ever looked at.
        """
        train = self.split.train
        rng = np.random.default_rng(seed)
        bounds = [train[int(len(train) * cut)].date for cut in LEARN_CUTS if train]
        bounds.append(self.split.split_date)
        folds, group = [], 0
        for start, end in itertools.pairwise(bounds):
            inner = Split(start, [a for a in train if a.date < start], [], [], [])
            inner.suppliers = sorted({award.supplier for award in inner.train})
            if not inner.suppliers:
                continue
            position = {key: i for i, key in enumerate(inner.suppliers)}
            index = build_index(inner, self.settings)
            rows, labels, groups = [], [], []
            for award in train:
                if not (start <= award.date < end) or award.supplier not in position:
                    continue
                winner = position[award.supplier]
                others = np.delete(np.arange(len(inner.suppliers)), winner)
                chosen = rng.choice(others, min(LEARN_NEGATIVES, len(others)), replace=False)
                picked = np.concatenate([[winner], chosen])
                rows.append(index.score(task_from_award(award)).features[picked])
                labels.extend([1] + [0] * len(chosen))
                groups.extend([group] * len(picked))
                group += 1
            if rows:
                folds.append(History(np.vstack(rows), np.asarray(labels), np.asarray(groups)))
        return folds

    def baseline(self, name: str) -> tuple[np.ndarray, list[np.ndarray]]:
        if not len(self.winners):
            return np.zeros(0), []
        if name == "code_coverage":  # computed in the first pass
            return self._coverage
        scorer = self._baseline_scorer(name)
        ranks, tops = [], []
        for i, winner in enumerate(self.winners):
            scores = scorer(i)
            ranks.append(rank_of(scores, int(winner)))
            tops.append(top_ids(scores))
        return np.asarray(ranks, dtype=float), tops

    def _baseline_scorer(self, name: str) -> Callable[[int], np.ndarray]:
        n = len(self.split.suppliers)
        if name == "random":
            rng = np.random.default_rng(self.seed)
            return lambda i: rng.random(n)
        if name == "popularity":
            counts = np.zeros(n)
            for award in self.split.train:
                counts[self.position[award.supplier]] += 1
            return lambda i: counts
        if name == "tfidf_text":
            texts: dict[str, list[str]] = defaultdict(list)
            for award in self.split.train:
                texts[award.supplier].append(award.text)
            vectorizer = TfidfVectorizer(sublinear_tf=True)
            vendors = vectorizer.fit_transform(["\n".join(texts[k]) for k in self.split.suppliers])
            queries = vectorizer.transform([award.text for award in self.split.warm])
            return lambda i: np.asarray((vendors @ queries[i].T).toarray()).ravel()
        raise ValueError(f"unknown baseline {name!r}")

    def fairness(self, tops: list[np.ndarray]) -> dict[str, float]:
        exposure = np.zeros(len(self.split.suppliers))
        for top in tops:
            for position, row in enumerate(top, start=1):
                exposure[row] += position_exposure(position)
        places = sum(len(top) for top in tops)
        sme_places = sum(int(self.sme[top].sum()) for top in tops)
        return {
            "exposure_gini": round(gini(exposure), 4),
            "sme_top10_share": round(sme_places / places, 4) if places else 0.0,
            "sme_pool_share": round(float(self.sme.mean()), 4) if len(self.sme) else 0.0,
        }


def evaluate(
    awards: Sequence[Award],
    split_date: dt.date | None = None,
    seed: int = 0,
    settings: Settings = DEFAULT_SETTINGS,
    curve: Sequence[float] = CURVE_SHARES,
    curve_strengths: Sequence[float] = CURVE_STRENGTHS,
) -> dict[str, object]:
    """The evaluation report as a JSON-ready dict (see MATCHING.md)."""
    started = time.perf_counter()
    split = split_awards(awards, split_date)
    run = Evaluation(split, settings, seed)
    rng = np.random.default_rng(seed)
    ranks: dict[str, np.ndarray] = {}
    tops: dict[str, list[np.ndarray]] = {}
    ranks["engine"], tops["engine"] = run.engine()
    learned, decision = learned_weights(run, settings, seed)
    if learned is not None:
        ranks["learned"], tops["learned"] = run.engine(weights=learned)
    for name in BASELINES:
        ranks[name], tops[name] = run.baseline(name)
    others = [name for name in ranks if name != "engine"]
    report: dict[str, object] = {
        "split_date": split.split_date.isoformat(),
        "train": len(split.train),
        "test": len(split.test),
        "warm_test": len(split.warm),
        "cold_test": len(split.test) - len(split.warm),
        "candidates": len(split.suppliers),
        "model_version": settings.model_version,
        "rankers": {name: summarize(r, rng) for name, r in ranks.items()},
        "paired": {
            f"engine-{name}": paired_mrr(ranks["engine"], ranks[name], rng) for name in others
        },
        "fairness": {name: run.fairness(t) for name, t in tops.items()},
        "learned_weights": dict(zip(FEATURES, learned.as_array(), strict=True))
        if learned is not None
        else None,
        "learned_decision": _decision(decision),
    }
    if not run.rotation_possible:  # too large to keep every merit array: no rotation points
        curve_strengths = [strength for strength in curve_strengths if not strength]
        report["fairness_curve_note"] = (
            "fair rotation points left out: the file is too large to keep every merit array"
        )
    points = [_curve_point(run, share, strength) for strength in curve_strengths for share in curve]
    unfair = next((p for p in points if p["fair_share"] == 0 and p["fairness_strength"] == 0), None)
    for point in points:
        reference = unfair["ndcg@10"] if unfair else 0.0
        point["ndcg@10_cost"] = round(1 - point["ndcg@10"] / reference, 4) if reference else 0.0
    spread = _curve_point(run, settings.fair_share, settings.fairness_strength, spread=True)
    spread["ndcg@10_cost"] = (
        round(1 - spread["ndcg@10"] / unfair["ndcg@10"], 4) if unfair and unfair["ndcg@10"] else 0.0
    )
    report["fairness_curve"] = points
    report["fair_share_spread"] = spread
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report


def learned_weights(
    run: Evaluation, settings: Settings, seed: int = 0
) -> tuple[Weights | None, Decision | None]:
    """Weights fitted on every training fold, and the replace decision for them.

    The decision is `learn.evaluate_before_replace` as the app would run it: weights fitted on
    all folds but the last, checked against the current weights on the last fold (held out).
    """
    folds = run.histories(seed)
    combined = _concat(folds)
    if combined is None or len(np.unique(combined.labels)) < 2:
        return None, None
    learned = fit_weights(combined, like=settings.weights)
    decision = None
    earlier = _concat(folds[:-1])
    if earlier is not None and len(np.unique(earlier.labels)) == 2:
        candidate = fit_weights(earlier, like=settings.weights)
        decision = evaluate_before_replace(settings.weights, candidate, folds[-1], seed=seed)
    return learned, decision


def _concat(folds: Sequence[History]) -> History | None:
    if not folds:
        return None
    return History(
        np.vstack([f.features for f in folds]),
        np.concatenate([f.labels for f in folds]),
        np.concatenate([f.groups for f in folds]),
    )


def _decision(decision: Decision | None) -> dict[str, object] | None:
    if decision is None:
        return None
    return {
        "use": decision.use,
        "mrr_current": round(decision.mrr_current, 4),
        "mrr_candidate": round(decision.mrr_candidate, 4),
        "mrr_diff_ci95": list(decision.mrr_diff_ci95),
    }


def _curve_point(
    run: Evaluation, share: float, strength: float, spread: bool = False
) -> dict[str, float]:
    ranks, tops = run.engine(strength=strength, fair_share=share, spread=spread)
    figures = run.fairness(tops)
    ndcg = metrics(ranks)["ndcg@10"]
    return {
        "fair_share": share,
        "fairness_strength": strength,
        "ndcg@10": round(float(ndcg.mean()), 4) if len(ndcg) else 0.0,
        "mrr": round(float((1.0 / ranks).mean()), 4) if len(ranks) else 0.0,
        "sme_top10_share": figures["sme_top10_share"],
        "exposure_gini": figures["exposure_gini"],
    }


def paired_mrr(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> dict[str, object]:
    """MRR difference (the protocol's figure) and, as an extra, the NDCG@10 difference."""
    diff = 1.0 / a - 1.0 / b if len(a) else np.zeros(0)
    ndcg = metrics(a)["ndcg@10"] - metrics(b)["ndcg@10"] if len(a) else np.zeros(0)
    return {
        "mrr_diff": round(float(diff.mean()), 4) if len(diff) else 0.0,
        "ci95": bootstrap_ci(diff, rng),
        "ndcg@10_diff": round(float(ndcg.mean()), 4) if len(ndcg) else 0.0,
        "ndcg@10_ci95": bootstrap_ci(ndcg, rng),
    }


def format_table(report: dict[str, object]) -> str:
    """The report as a table for people."""
    lines = [
        f"split {report['split_date']}: train {report['train']}, test {report['test']} "
        f"(warm {report['warm_test']}, cold {report['cold_test']}), "
        f"candidates {report['candidates']}",
        "",
        f"{'ranker':<14}" + "".join(f"{m:>20}" for m in METRICS),
    ]
    rankers = report["rankers"]
    assert isinstance(rankers, dict)
    for name, summary in rankers.items():
        cells = [
            f"{summary[m]:.3f} [{summary['ci95'][m][0]:.2f},{summary['ci95'][m][1]:.2f}]"
            for m in METRICS
        ]
        lines.append(f"{name:<14}" + "".join(f"{c:>20}" for c in cells))
    lines.append("")
    paired = report["paired"]
    assert isinstance(paired, dict)
    for name, value in paired.items():
        lines.append(
            f"{name:<26} MRR diff {value['mrr_diff']:+.4f} 95% CI {value['ci95']}   "
            f"NDCG@10 diff {value['ndcg@10_diff']:+.4f} 95% CI {value['ndcg@10_ci95']}"
        )
    lines.append("")
    fairness = report["fairness"]
    assert isinstance(fairness, dict)
    lines.append(f"{'fairness':<14}{'exposure gini':>16}{'SME top-10':>12}{'SME pool':>10}")
    for name, value in fairness.items():
        lines.append(
            f"{name:<14}{value['exposure_gini']:>16.3f}{value['sme_top10_share']:>12.3f}"
            f"{value['sme_pool_share']:>10.3f}"
        )
    lines.append("")
    decision = report.get("learned_decision")
    if isinstance(decision, dict):
        lines.append(
            f"evaluate_before_replace on the last training fold: use {decision['use']} "
            f"(MRR current {decision['mrr_current']:.3f}, candidate "
            f"{decision['mrr_candidate']:.3f}, diff 95% CI {decision['mrr_diff_ci95']})"
        )
        lines.append("")
    lines.append(
        f"{'fair_share':>10}{'rotation':>10}{'NDCG@10':>10}{'cost':>8}{'MRR':>8}"
        f"{'SME top-10':>12}{'gini':>8}"
    )
    curve = report["fairness_curve"]
    assert isinstance(curve, list)
    for point in curve:
        lines.append(
            f"{point['fair_share']:>10.2f}{point['fairness_strength']:>10.3f}"
            f"{point['ndcg@10']:>10.3f}{point['ndcg@10_cost']:>8.1%}{point['mrr']:>8.3f}"
            f"{point['sme_top10_share']:>12.3f}{point['exposure_gini']:>8.3f}"
        )
    spread = report.get("fair_share_spread")
    if isinstance(spread, dict):
        lines.append(
            f"spread minimums (FA*IR-style) at fair_share {spread['fair_share']:.2f}: "
            f"NDCG@10 {spread['ndcg@10']:.3f} (cost {spread['ndcg@10_cost']:.1%}), "
            f"SME top-10 {spread['sme_top10_share']:.3f}, gini {spread['exposure_gini']:.3f}"
        )
    if report.get("fairness_curve_note"):
        lines.append(f"note: {report['fairness_curve_note']}")
    lines.append(f"\n{report['seconds']} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matching.evaluate", description=__doc__)
    parser.add_argument("file")
    parser.add_argument("--split-date", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--json", action="store_true", help="print only the JSON report")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    skipped = Skipped()
    try:
        awards = load_awards(args.file, skipped)
        report = evaluate(awards, args.split_date, args.seed)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        sys.stderr.write(f"matching.evaluate: {args.file}: {exc}\n")
        return 2
    report["skipped_rows"] = len(skipped)
    if skipped:
        shown = "; ".join(skipped[:5]) + ("; ..." if len(skipped) > 5 else "")
        sys.stderr.write(f"matching.evaluate: left out {len(skipped)} rows: {shown}\n")
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        sys.stdout.write(format_table(report) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
