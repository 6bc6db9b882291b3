"""Temporal warm-start evaluation of the engine against simple baselines.

    python -m matching.evaluate FILE [--split-date D] [--json] [--seed N]

FILE holds past awards as JSON lines or an OCDS release package. The protocol and the output
format are fixed in MATCHING.md: train on awards before the split date, rank every candidate
supplier for each warm test award, report Hit@k, MRR and NDCG@10 with bootstrap intervals.

Rankers: `engine` (the app's pipeline, fairness included: the hand-set weights, or the learned
ones when the decision over the training period's rolling origins adopts them), `hand_weights`
and `learned` (the same pipeline with either weights), and the baselines, `code_frequency` and
`blend` among them, so that the engine always meets the strongest simple ranker.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from matching.awards import Award, Skipped, load_awards, task_from_award, vendor_from_awards
from matching.contributions import ContributionData, load_data
from matching.fairness import (
    LIFT_PRICE,
    PRICED_LIFT,
    ExposureLedger,
    fair_candidates,
    fair_correction,
    fair_minimums,
    fair_order,
    lift_costs,
    merit_order,
    position_exposure,
)
from matching.inequality import gini
from matching.learn import Decision, History, concat, decide, fit_weights
from matching.ranker import Index
from matching.types import DEFAULT_SETTINGS, FEATURES, Settings, TaskProfile, Weights

METRICS = ("hit@1", "hit@5", "hit@10", "mrr", "ndcg@10")
BASELINES = ("tfidf_text", "random", "popularity", "code_coverage", "code_frequency", "blend")
# code_frequency: CPV prefixes of these lengths, each weighted by its length.
PREFIX_LENGTHS = (2, 3, 4, 5, 8)
# The trade-off curve: fair share x (fair rotation off, default fair rotation).
CURVE_SHARES = (0.0, 0.5, 0.75, 0.8, 0.9, 1.0, 1.25)
CURVE_STRENGTHS = (0.0, 0.02)
BOOTSTRAP = 1000
# Full merit arrays are kept for the fair rotation's curve points only up to this size.
MERIT_CACHE_BYTES = 512 * 2**20
# Learned weights: rolling origins inside the training period (share of training awards).
LEARN_CUTS = (0.5, 0.6, 0.7, 0.8, 0.9)
LEARN_NEGATIVES = 50  # sampled at random
LEARN_HARD = 0  # the current weights' strongest wrong candidates (they bias the fit: none)


@dataclass
class Learning:
    """The training folds and, per award after the first fold, the reciprocal rank of the
    winner among all candidates under the current weights and under the weights fitted on
    the folds before its own."""

    folds: list[History]
    rr_current: list[float]
    rr_fitted: list[float]


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


def build_index(
    split: Split,
    settings: Settings = DEFAULT_SETTINGS,
    contributions: ContributionData | None = None,
) -> Index:
    """Candidate profiles from training awards only (and their commit histories, if given)."""
    by_supplier: dict[str, list[Award]] = defaultdict(list)
    for award in split.train:
        by_supplier[award.supplier].append(award)
    vendors = [vendor_from_awards(i, by_supplier[key]) for i, key in enumerate(split.suppliers)]
    if contributions is not None:
        vendors = [
            contributions.vendor(v, k) for v, k in zip(vendors, split.suppliers, strict=True)
        ]
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

    def __init__(
        self,
        split: Split,
        settings: Settings = DEFAULT_SETTINGS,
        seed: int = 0,
        contributions: ContributionData | None = None,
    ):
        self.split = split
        self.settings = settings
        self.seed = seed
        self.contributions = contributions
        self.index = build_index(split, settings, contributions)
        vendors = [self.index.vendor(i) for i in range(len(split.suppliers))]
        self.sme = np.asarray([v is not None and v.sme for v in vendors], dtype=np.bool_)
        self.position = {key: i for i, key in enumerate(split.suppliers)}
        self.winners = np.array([self.position[a.supplier] for a in split.warm], dtype=np.int64)
        self.tasks = [self.task(award) for award in split.warm]
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

    def task(self, award: Award) -> TaskProfile:
        """The award as a task, with its products when contribution data names them."""
        task = task_from_award(award)
        return self.contributions.task(task) if self.contributions is not None else task

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
        price: float = LIFT_PRICE,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Ranks and top-10 lists of the engine, as `Index.rank` orders them.

        The fair rotation (`strength`) and the fair share (`fair_share`) default to the
        settings; both are amortised over the test awards in date order through one ledger,
        each list decided from the lists before it only. `price` > 0 adds the fair share's
        priced lifts of cheap SMEs (`fairness.fair_count`; off by default).
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
            rows = summary.rows
            candidates = fair_candidates(
                summary.keys, ids[rows], eligible[rows], self.sme[rows], settings.fair_depth
            )
            natural, costs = 0, None
            if price > 0 and share > 0:
                natural, costs = lift_costs(
                    summary.keys, self.sme[rows], candidates, settings.fair_depth
                )
            minimums = fair_minimums(
                share,
                settings.fair_depth,
                ledger.places,
                ledger.sme_places,
                spread,
                natural=natural,
                costs=costs,
                price=price,
            )
            order, _moved = fair_order(
                summary.keys,
                ids[rows],
                eligible[rows],
                self.sme[rows],
                minimums,
                settings.fair_depth,
                candidates,
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

    def histories(self, seed: int = 0) -> Learning:
        """Labelled feature rows from the training period only, one `History` per fold, and the
        rolling-origin comparison of the current weights with weights fitted on earlier folds.

        Rolling origins: for each cut in `LEARN_CUTS`, profiles come from the training awards
        before the cut, and the awards from that cut to the next (or to the split date) whose
        supplier is already known are the labels: the awarded supplier (1) against the
        `LEARN_HARD` candidates the current weights rank highest and up to `LEARN_NEGATIVES`
        sampled others (0). Each such award is also ranked among all candidates, by the current
        weights and by the weights fitted on the folds before it. No test award is looked at.
        """
        train = self.split.train
        rng = np.random.default_rng(seed)
        current = np.asarray(self.settings.weights.as_array())
        bounds = [train[int(len(train) * cut)].date for cut in LEARN_CUTS if train]
        bounds.append(self.split.split_date)
        learning = Learning([], [], [])
        for start, end in itertools.pairwise(bounds):
            inner = Split(start, [a for a in train if a.date < start], [], [], [])
            inner.suppliers = sorted({award.supplier for award in inner.train})
            if not inner.suppliers:
                continue
            earlier = concat(learning.folds)
            fitted = (
                np.asarray(fit_weights(earlier, like=self.settings.weights).as_array())
                if earlier is not None and len(np.unique(earlier.labels)) == 2
                else None
            )
            position = {key: i for i, key in enumerate(inner.suppliers)}
            index = build_index(inner, self.settings, self.contributions)
            rows, labels, groups = [], [], []
            group = sum(len(np.unique(f.groups)) for f in learning.folds)
            for award in train:
                if not (start <= award.date < end) or award.supplier not in position:
                    continue
                winner = position[award.supplier]
                table = index.score(self.task(award)).features
                merit = table @ current
                if fitted is not None:
                    learning.rr_current.append(1.0 / rank_of(merit, winner))
                    learning.rr_fitted.append(1.0 / rank_of(table @ fitted, winner))
                hard = merit_order(merit, index.vendor_ids, LEARN_HARD + 1)
                hard = hard[hard != winner][:LEARN_HARD]
                others = np.setdiff1d(np.arange(len(inner.suppliers)), [winner, *hard])
                chosen = rng.choice(others, min(LEARN_NEGATIVES, len(others)), replace=False)
                picked = np.concatenate([[winner], hard, chosen]).astype(np.int64)
                rows.append(table[picked])
                labels.extend([1] + [0] * (len(picked) - 1))
                groups.extend([group] * len(picked))
                group += 1
            if rows:
                learning.folds.append(
                    History(np.vstack(rows), np.asarray(labels), np.asarray(groups))
                )
        return learning

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
            counts = self._popularity()
            return lambda i: counts
        if name == "code_frequency":
            frequency = code_frequency_scorer(self.split.train, self.position, self.split.warm)
            # Ties go to the more popular supplier: the counts are integers, so a fraction
            # below one orders equal scores without changing any other order.
            tie_break = self._popularity() / (self._popularity().max() + 1.0)
            return lambda i: frequency(i) + tie_break
        if name == "blend":
            # Text, codes and popularity, each scaled to its maximum for the task, added.
            text = self._baseline_scorer("tfidf_text")
            codes = code_frequency_scorer(self.split.train, self.position, self.split.warm)
            popularity = self._popularity() / max(self._popularity().max(), 1.0)
            return lambda i: _unit_max(text(i)) + _unit_max(codes(i)) + popularity
        if name == "tfidf_text":
            texts: dict[str, list[str]] = defaultdict(list)
            for award in self.split.train:
                texts[award.supplier].append(award.text)
            vectorizer = TfidfVectorizer(sublinear_tf=True)
            vendors = vectorizer.fit_transform(["\n".join(texts[k]) for k in self.split.suppliers])
            queries = vectorizer.transform([award.text for award in self.split.warm])
            return lambda i: np.asarray((vendors @ queries[i].T).toarray()).ravel()
        raise ValueError(f"unknown baseline {name!r}")

    def _popularity(self) -> np.ndarray:
        counts = np.zeros(len(self.split.suppliers))
        for award in self.split.train:
            counts[self.position[award.supplier]] += 1
        return counts

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


def _unit_max(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else scores


def cpv_prefixes(code: str) -> list[str]:
    """The digit prefixes of a CPV code that `code_frequency` counts (check digit dropped)."""
    digits = code.strip().split("-")[0]
    if not (len(digits) == 8 and digits.isdigit()):
        return []
    return [digits[:length] for length in PREFIX_LENGTHS]


def code_frequency_scorer(
    train: Sequence[Award], position: dict[str, int], tasks: Sequence[Award]
) -> Callable[[int], np.ndarray]:
    """Score per supplier: sum over the task's codes and their 2-, 3-, 4-, 5- and 8-digit
    prefixes of (the supplier's training awards with that prefix) x (prefix length)."""
    import scipy.sparse as sp

    columns: dict[str, int] = {}
    rows, cols = [], []
    for award in train:
        prefixes = {p for code in award.codes for p in cpv_prefixes(code)}
        for prefix in prefixes:
            rows.append(position[award.supplier])
            cols.append(columns.setdefault(prefix, len(columns)))
    counts = sp.csc_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(position), max(len(columns), 1))
    )

    def score(i: int) -> np.ndarray:
        weights: dict[int, float] = defaultdict(float)
        for code in tasks[i].codes:
            for prefix in cpv_prefixes(code):
                if prefix in columns:
                    weights[columns[prefix]] += len(prefix)
        if not weights:
            return np.zeros(len(position))
        keys = list(weights)
        return np.asarray(counts[:, keys] @ np.asarray([weights[k] for k in keys])).ravel()

    return score


def evaluate(
    awards: Sequence[Award],
    split_date: dt.date | None = None,
    seed: int = 0,
    settings: Settings = DEFAULT_SETTINGS,
    curve: Sequence[float] = CURVE_SHARES,
    curve_strengths: Sequence[float] = CURVE_STRENGTHS,
    contributions: ContributionData | None = None,
) -> dict[str, object]:
    """The evaluation report as a JSON-ready dict (see MATCHING.md); `contributions` adds the
    suppliers' commit histories (see `matching.contributions`)."""
    started = time.perf_counter()
    split = split_awards(awards, split_date)
    hand = Evaluation(split, settings, seed, contributions)
    rng = np.random.default_rng(seed)
    ranks: dict[str, np.ndarray] = {}
    tops: dict[str, list[np.ndarray]] = {}
    learned, decision = learned_weights(hand, settings, seed)
    run = hand
    if learned is not None and decision is not None and decision.use == "candidate":
        # The engine as the app runs it: the learned weights replace the hand-set ones when the
        # training period's rolling origins prove them better (no test label is looked at).
        settings = dataclasses.replace(settings, weights=learned)
        run = Evaluation(split, settings, seed, contributions)
    ranks["engine"], tops["engine"] = run.engine()
    ranks["hand_weights"], tops["hand_weights"] = (
        hand.engine() if run is not hand else (ranks["engine"], tops["engine"])
    )
    if learned is not None:
        ranks["learned"], tops["learned"] = (
            run.engine() if run is not hand else run.engine(weights=learned)
        )
    for name in BASELINES:
        ranks[name], tops[name] = hand.baseline(name)
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
    spread = _curve_point(run, settings.fair_share, settings.fairness_strength, spread=True)
    priced = _curve_point(run, settings.fair_share, settings.fairness_strength, price=PRICED_LIFT)
    reference = unfair["ndcg@10"] if unfair else 0.0
    for point in [*points, spread, priced]:
        point["ndcg@10_cost"] = round(1 - point["ndcg@10"] / reference, 4) if reference else 0.0
    report["fairness_curve"] = points
    report["fair_share_spread"] = spread
    report["fair_share_priced"] = priced
    # What the fair share works against: how often SMEs won the warm test awards (beside their
    # pool share), and the engine before learning without any fairness step (hand-set weights).
    report["sme_winner_share"] = (
        round(float(hand.sme[hand.winners].mean()), 4) if len(hand.winners) else 0.0
    )
    report["hand_weights_without_fairness"] = _curve_point(hand, 0.0, 0.0)
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report


def learned_weights(
    run: Evaluation, settings: Settings, seed: int = 0
) -> tuple[Weights | None, Decision | None]:
    """Weights fitted on every training fold, and the replace decision for them.

    The decision is taken over all rolling origins together: each fold after the first is
    ranked (among all candidates) by the current weights and by weights fitted on the folds
    before it; the pooled reciprocal ranks go through the bootstrap guard (`learn.decide`).
    """
    learning = run.histories(seed)
    combined = concat(learning.folds)
    if combined is None or len(np.unique(combined.labels)) < 2:
        return None, None
    learned = fit_weights(combined, like=settings.weights)
    decision = decide(
        settings.weights,
        learned,
        np.asarray(learning.rr_current),
        np.asarray(learning.rr_fitted),
        seed=seed,
    )
    return learned, decision


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
    run: Evaluation,
    share: float,
    strength: float,
    spread: bool = False,
    price: float = LIFT_PRICE,
) -> dict[str, float]:
    ranks, tops = run.engine(strength=strength, fair_share=share, spread=spread, price=price)
    figures = run.fairness(tops)
    ndcg = metrics(ranks)["ndcg@10"]
    return {
        "fair_share": share,
        "fairness_strength": strength,
        **({"price": price} if price else {}),
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
            f"replace decision over the training period's rolling origins: use {decision['use']} "
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
    for key, label in (
        ("fair_share_spread", "spread minimums (FA*IR-style)"),
        ("fair_share_priced", f"priced SME lifts (price {PRICED_LIFT}, off by default)"),
    ):
        point = report.get(key)
        if isinstance(point, dict):
            lines.append(
                f"{label} at fair_share {point['fair_share']:.2f}: NDCG@10 "
                f"{point['ndcg@10']:.3f} (cost {point['ndcg@10_cost']:.1%}), MRR "
                f"{point['mrr']:.3f}, SME top-10 {point['sme_top10_share']:.3f}, gini "
                f"{point['exposure_gini']:.3f}"
            )
    reference = report.get("hand_weights_without_fairness")
    if isinstance(reference, dict):
        lines.append(
            f"SMEs won {report['sme_winner_share']:.3f} of the warm test awards; hand weights "
            f"without any fairness step: NDCG@10 {reference['ndcg@10']:.3f}, MRR "
            f"{reference['mrr']:.3f}, SME top-10 {reference['sme_top10_share']:.3f}"
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
    parser.add_argument(
        "--contributions",
        default=None,
        help="commit histories (matching.synth --contributions-out)",
    )
    args = parser.parse_args(argv)
    skipped = Skipped()
    try:
        awards = load_awards(args.file, skipped)
        extra = load_data(args.contributions) if args.contributions else None
        report = evaluate(awards, args.split_date, args.seed, contributions=extra)
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
