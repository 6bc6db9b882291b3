"""Weights learned from award history, in the same linear form as the default weights.

Rows are feature vectors of the vendors considered for a past task (the awarded vendor labelled 1,
the other bidders or invitees 0), grouped by task. A conditional logit gives one coefficient per
feature; these become a `Weights`, so contributions still add up to the score. A learned model only
replaces the current one when it ranks held-out history better (`evaluate_before_replace`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from matching.types import DEFAULT_WEIGHTS, FEATURES, Weights

# Features whose learned weight may never penalise a vendor for being small (issue 7): in a
# history where small vendors won less, a free fit ranks a vendor lower *for being small*
# (small_vendor -0.27 on synthetic seed 2, -0.08 on the EU TED sample), and the fair-share step
# then has to undo it at a cost. The fit bounds these weights at zero from below; it may still
# raise them. `small_vendor` is the only feature that encodes size (features.static_features);
# experience, code_experience and workload measure a record, not a size, and stay free.
NEVER_AGAINST_SMALL = ("small_vendor",)


@dataclass(frozen=True)
class History:
    """Feature rows (len(FEATURES) columns), labels (1 = awarded) and task group per row."""

    features: np.ndarray
    labels: np.ndarray
    groups: np.ndarray

    def subset(self, mask: np.ndarray) -> History:
        return History(self.features[mask], self.labels[mask], self.groups[mask])


@dataclass(frozen=True)
class Decision:
    use: str  # "current" or "candidate"
    weights: Weights
    mrr_current: float
    mrr_candidate: float
    mrr_diff_ci95: tuple[float, float]
    candidate: Weights | None = None  # the weights proposed, adopted or not


def fit_weights(history: History, c: float = 1.0, like: Weights = DEFAULT_WEIGHTS) -> Weights:
    """Conditional-logit weights, scaled to the same total size as `like`.

    Each task is one choice among the vendors considered for it: the model maximises the
    softmax probability of the awarded vendor within its group (McFadden's conditional logit,
    L2-penalised by 1/c). Unlike a plain logistic regression over rows, this fits the ranking
    question itself, and sampling the other vendors at random leaves its estimates consistent.
    Scaling by a positive number does not change a ranking; it keeps the fairness strength,
    which is added to the score, meaning the same thing. The weights of `NEVER_AGAINST_SMALL`
    are bounded at zero from below (L-BFGS-B bounds), so they never count against being small.
    """
    if len(np.unique(history.labels)) < 2:
        raise ValueError("history needs both awarded and not-awarded rows")
    coef = _conditional_logit(history, 1.0 / (c * max(len(np.unique(history.groups)), 1)))
    size = np.abs(coef).sum()
    target = np.abs(np.asarray(like.as_array())).sum()
    if size > 0:
        coef = coef * (target / size)
    return Weights.from_mapping(
        {name: round(float(v), 6) for name, v in zip(FEATURES, coef, strict=True)}
    )


def _conditional_logit(history: History, penalty: float) -> np.ndarray:
    """Coefficients maximising the mean log-probability of each group's awarded row."""
    _, groups = np.unique(history.groups, return_inverse=True)
    count = int(groups.max()) + 1
    keep = np.bincount(groups, weights=history.labels, minlength=count) > 0
    rows = keep[groups]
    x, y, g = history.features[rows].astype(np.float64), history.labels[rows] > 0, groups[rows]
    _, g = np.unique(g, return_inverse=True)
    count = int(g.max()) + 1
    winners = np.bincount(g, weights=y, minlength=count)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        scores = x @ w
        top = np.full(count, -np.inf)
        np.maximum.at(top, g, scores)
        exp = np.exp(scores - top[g])
        total = np.bincount(g, weights=exp, minlength=count)
        log_norm = np.log(total) + top
        probability = exp / total[g]
        # Each group's awarded rows against its whole group (several winners share a group).
        value = -(scores[y].sum() - (winners * log_norm).sum()) / count
        expected = np.zeros((count, x.shape[1]))
        np.add.at(expected, g, probability[:, None] * x)
        gradient = -(x[y].sum(axis=0) - (winners[:, None] * expected).sum(axis=0)) / count
        return value + 0.5 * penalty * float(w @ w), gradient + penalty * w

    bounds = [(0.0, None) if name in NEVER_AGAINST_SMALL else (None, None) for name in FEATURES]
    result = optimize.minimize(
        loss,
        np.zeros(x.shape[1]),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 500},
    )
    return np.asarray(result.x)


def reciprocal_ranks(history: History, weights: Weights) -> np.ndarray:
    """1/rank of the awarded row within its group (ties count against it)."""
    scores = history.features @ np.asarray(weights.as_array())
    result = []
    for group in np.unique(history.groups):
        rows = history.groups == group
        positive = scores[rows & (history.labels == 1)]
        if len(positive) == 0:
            continue
        result.append(1.0 / int((scores[rows] >= positive.max()).sum()))
    return np.asarray(result)


def evaluate_before_replace(
    current: Weights,
    candidate: Weights,
    held_out: History,
    seed: int = 0,
    resamples: int = 1000,
) -> Decision:
    """Use the candidate only if its MRR on held-out history is better beyond doubt.

    "Beyond doubt" = the 95% paired-bootstrap interval of the MRR difference is above zero.
    """
    return decide(
        current,
        candidate,
        reciprocal_ranks(held_out, current),
        reciprocal_ranks(held_out, candidate),
        seed,
        resamples,
    )


def decide(
    current: Weights,
    candidate: Weights,
    rr_current: np.ndarray,
    rr_candidate: np.ndarray,
    seed: int = 0,
    resamples: int = 1000,
) -> Decision:
    """The bootstrap guard on paired reciprocal ranks (one pair per held-out task)."""
    diff = np.asarray(rr_candidate, dtype=float) - np.asarray(rr_current, dtype=float)
    low = high = 0.0
    if len(diff):
        rng = np.random.default_rng(seed)
        means = diff[rng.integers(0, len(diff), size=(resamples, len(diff)))].mean(axis=1)
        low, high = float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))
    better = len(diff) > 0 and low > 0
    return Decision(
        use="candidate" if better else "current",
        weights=candidate if better else current,
        mrr_current=float(np.mean(rr_current)) if len(diff) else 0.0,
        mrr_candidate=float(np.mean(rr_candidate)) if len(diff) else 0.0,
        mrr_diff_ci95=(round(low, 4), round(high, 4)),
        candidate=candidate,
    )


def concat(folds: Sequence[History]) -> History | None:
    """One history of several (groups renumbered so that they stay apart)."""
    folds = [fold for fold in folds if len(fold.labels)]
    if not folds:
        return None
    groups, offset = [], 0
    for fold in folds:
        _, numbered = np.unique(fold.groups, return_inverse=True)
        groups.append(numbered + offset)
        offset += int(numbered.max()) + 1
    return History(
        np.vstack([fold.features for fold in folds]),
        np.concatenate([fold.labels for fold in folds]),
        np.concatenate(groups),
    )


def evaluate_over_folds(
    current: Weights,
    folds: Sequence[History],
    seed: int = 0,
    resamples: int = 1000,
    c: float = 1.0,
) -> Decision:
    """The replace decision over every rolling origin at once.

    `folds` are in time order. For each fold after the first, weights fitted on all earlier
    folds rank it against `current`; the per-task reciprocal ranks of every such fold are
    pooled, and the bootstrap guard of `decide` runs on the pool. The candidate proposed (and
    adopted when the guard passes) is fitted on every fold.
    """
    everything = concat(folds)
    if everything is None or len(np.unique(everything.labels)) < 2:
        raise ValueError("history needs both awarded and not-awarded rows")
    candidate = fit_weights(everything, c=c, like=current)
    rr_current, rr_candidate = [], []
    for k in range(1, len(folds)):
        earlier = concat(folds[:k])
        if earlier is None or len(np.unique(earlier.labels)) < 2 or not len(folds[k].labels):
            continue
        fitted = fit_weights(earlier, c=c, like=current)
        rr_current.append(reciprocal_ranks(folds[k], current))
        rr_candidate.append(reciprocal_ranks(folds[k], fitted))
    if not rr_current:  # a single fold: nothing is held out, so nothing is proven
        return decide(current, candidate, np.zeros(0), np.zeros(0), seed, resamples)
    return decide(
        current,
        candidate,
        np.concatenate(rr_current),
        np.concatenate(rr_candidate),
        seed,
        resamples,
    )
