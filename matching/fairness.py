"""Fair exposure: exposure bookkeeping, a FairCo-style score correction and a fair-share re-ranking.

Two mechanisms, used together:

1. **Fair rotation** (score step, per vendor). Position-based exposure is 1/log2(1 + rank), the
   same discount NDCG uses, so a vendor's exposure is the attention it got from shortlists. An
   invitation to bid counts extra. The correction moves each eligible vendor towards an exposure
   share proportional to its merit (Morik et al. 2020, "Controlling Fairness and Bias in Dynamic
   Learning-to-Rank"): under-exposed vendors rise a little, over-exposed ones sink a little,
   bounded by `strength` so merit stays the main driver. It changes the score and shows up as the
   `fair_rotation` contribution.
2. **Fair share** (rank-only step, per group). A greedy "minimum protected share per prefix"
   re-ranking of the first `depth` places, in the spirit of FA*IR (Zehlike et al., CIKM 2017):
   at each position, if the prefix would hold fewer small and medium vendors (SMEs) than its
   minimum, the best remaining SME takes the place; otherwise the best remaining vendor does.
   Order within each group is kept, scores are not changed, and an SME placed above a
   higher-scoring vendor gets the note `FAIR_SHARE_NOTE`. The minimums are amortised over
   the shortlists recorded in the ledger: a list that fell short raises the next list's minimum.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matching.types import Match

INVITATION_EXPOSURE = 1.0
FAIR_SHARE_NOTE = "moved up for fair exposure of small vendors"


def position_exposure(rank: int) -> float:
    return float(1.0 / np.log2(1.0 + rank))


class ExposureLedger:
    """vendor_id -> accumulated exposure, plus SME place counts for the fair-share step.

    The app persists `exposure`, `places` and `sme_places` between runs (all plain numbers).
    `places` counts the recorded top places and `sme_places` those that went to SMEs; they
    only grow when the caller says which vendors are SMEs (`record_matches` does that itself).
    """

    def __init__(
        self,
        exposure: Mapping[int, float] | None = None,
        places: int = 0,
        sme_places: int = 0,
    ) -> None:
        self.exposure: dict[int, float] = dict(exposure or {})
        self.places = int(places)
        self.sme_places = int(sme_places)

    def record_ranking(
        self,
        vendor_ids: Sequence[int],
        depth: int = 10,
        sme: Collection[int] | None = None,
    ) -> None:
        """Credit the first `depth` places of a shown shortlist; `sme`: which ids are SMEs."""
        for position, vendor_id in enumerate(vendor_ids[:depth], start=1):
            self.exposure[vendor_id] = self.exposure.get(vendor_id, 0.0) + position_exposure(
                position
            )
        if sme is not None:
            shown = list(vendor_ids[:depth])
            self.places += len(shown)
            self.sme_places += sum(vendor_id in sme for vendor_id in shown)

    def record_matches(self, matches: Sequence[Match], depth: int = 10) -> None:
        """Credit a shown shortlist as `Index.rank` returned it (SME flags included)."""
        shown = [match for match in matches if match.eligible][:depth]
        self.record_ranking(
            [m.vendor_id for m in shown], depth, {m.vendor_id for m in shown if m.sme}
        )

    def record_invitations(self, vendor_ids: Iterable[int]) -> None:
        for vendor_id in vendor_ids:
            self.exposure[vendor_id] = self.exposure.get(vendor_id, 0.0) + INVITATION_EXPOSURE

    def array(self, vendor_ids: np.ndarray) -> np.ndarray:
        """Exposure aligned to `vendor_ids` (sorted ascending, as the index keeps them)."""
        result = np.zeros(len(vendor_ids))
        if not self.exposure or len(vendor_ids) == 0:
            return result
        keys = np.fromiter(self.exposure.keys(), dtype=np.int64, count=len(self.exposure))
        values = np.fromiter(self.exposure.values(), dtype=np.float64, count=len(self.exposure))
        positions = np.clip(np.searchsorted(vendor_ids, keys), 0, len(vendor_ids) - 1)
        found = vendor_ids[positions] == keys
        result[positions[found]] = values[found]
        return result


def fair_correction(
    merit: np.ndarray, exposure: np.ndarray, eligible: np.ndarray, strength: float
) -> np.ndarray:
    """strength x (target share - actual share), shares scaled by the pool size and clipped."""
    correction = np.zeros(len(merit))
    total_exposure = exposure[eligible].sum()
    positive = np.clip(merit, 0.0, None) * eligible
    total_merit = positive.sum()
    if strength == 0 or total_exposure <= 0 or total_merit <= 0:
        return correction
    pool = int(eligible.sum())
    gap = positive / total_merit - exposure / total_exposure
    correction[eligible] = strength * np.clip(gap[eligible] * pool, -1.0, 1.0)
    return correction


def merit_order(key: np.ndarray, ids: np.ndarray, top: int | None = None) -> np.ndarray:
    """Row numbers by `key` (high first), ties to the lower id; only the first `top` if given."""
    n = len(key)
    if top is None or top >= n:
        return np.lexsort((ids, -key))
    if top <= 0:
        return np.zeros(0, dtype=np.int64)
    kth = np.partition(key, n - top)[n - top]
    candidates = np.flatnonzero(key >= kth)  # ties at the cut all compete on vendor id
    return candidates[np.lexsort((ids[candidates], -key[candidates]))][:top]


def fair_minimums(
    share: float,
    depth: int = 10,
    places: int = 0,
    sme_places: int = 0,
    spread: bool = False,
) -> np.ndarray:
    """Minimum number of SMEs in each prefix 1..depth of the next list.

    The list needs R = ceil(share x depth + shortfall) SMEs in its first `depth` places, where
    the shortfall is what the ledger's recorded lists missed so far (`share x places -
    sme_places`, bounded to one list either way); so the long-run share reaches `share`.

    By default the minimum binds only where it must (`max(0, R - (depth - i))`): the first
    places go by merit, and SMEs are added at the end of the prefix in their own merit order.
    That is the set "best vendors, at least R of them SMEs", in score order. `spread=True`
    spreads the minimum evenly instead (`floor(R x i / depth)`, FA*IR-style); it gives SMEs
    higher places but costs more NDCG (see docs/matching.md).
    """
    if share <= 0 or depth <= 0:
        return np.zeros(max(depth, 0), dtype=np.int64)
    shortfall = float(np.clip(share * places - sme_places, -depth, depth))
    needed = int(np.clip(np.ceil(share * depth + shortfall - 1e-9), 0, depth))
    positions = np.arange(1, depth + 1)
    if spread:
        return np.floor(needed * positions / depth + 1e-9).astype(np.int64)
    return np.maximum(0, needed - (depth - positions)).astype(np.int64)


def fair_order(
    key: np.ndarray,
    ids: np.ndarray,
    eligible: np.ndarray,
    sme: np.ndarray,
    minimums: np.ndarray,
    top: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(row order, rows moved up for fair share): the merit order with a fair-share prefix.

    `key` already sorts ineligible rows last. Only eligible rows enter the prefix; after it,
    the remaining rows follow in merit order. A row counts as moved up when it stands before
    a row with a higher key.
    """
    depth = len(minimums)
    n = len(key)
    if depth == 0 or not minimums.any() or n == 0:
        return merit_order(key, ids, top), np.zeros(0, dtype=np.int64)
    base = merit_order(key, ids, None if top is None else top + 2 * depth)
    smes = np.flatnonzero(eligible & sme)
    best_smes = smes[merit_order(key[smes], ids[smes], depth)]
    pool = np.union1d(base[: 2 * depth], best_smes)
    pool = pool[eligible[pool]]
    pool = pool[np.lexsort((ids[pool], -key[pool]))]  # merit order of the candidates
    is_sme = sme[pool]
    taken = np.zeros(len(pool), dtype=bool)
    prefix: list[int] = []
    count = 0
    for position in range(min(depth, len(pool))):
        free = ~taken
        pick = -1
        if count < minimums[position]:
            free_smes = np.flatnonzero(free & is_sme)
            if len(free_smes):
                pick = int(free_smes[0])
        if pick < 0:
            pick = int(np.flatnonzero(free)[0])
        taken[pick] = True
        count += bool(is_sme[pick])
        prefix.append(int(pool[pick]))
    chosen = np.asarray(prefix, dtype=np.int64)
    rest = base[~np.isin(base, chosen)]
    order = np.concatenate([chosen, rest])
    if top is not None:
        order = order[:top]
    # Moved up: some later row in the prefix or the rest has a strictly higher key.
    prefix_keys = key[chosen]
    later_best = np.maximum.accumulate(prefix_keys[::-1])[::-1]
    best_rest = key[rest].max() if len(rest) else -np.inf
    after = np.maximum(np.append(later_best[1:], -np.inf), best_rest)
    moved = chosen[after > prefix_keys]
    return order, moved


def sme_share(top_lists: Iterable[Sequence[int]], sme_ids: set[int], depth: int = 10) -> float:
    """Share of the first `depth` places that went to SME vendors."""
    places = sme = 0
    for ranked in top_lists:
        for vendor_id in ranked[:depth]:
            places += 1
            sme += vendor_id in sme_ids
    return sme / places if places else 0.0
