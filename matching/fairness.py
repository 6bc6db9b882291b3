"""Fair rotation: exposure bookkeeping and a FairCo-style correction of the merit score.

Position-based exposure is 1/log2(1 + rank), the same discount NDCG uses, so a vendor's exposure
is the attention it got from shortlists. An invitation to bid counts extra. The correction moves
each eligible vendor towards an exposure share proportional to its merit (Morik et al. 2020,
"Controlling Fairness and Bias in Dynamic Learning-to-Rank"): under-exposed vendors rise a little,
over-exposed ones sink a little, bounded by `strength` so merit stays the main driver.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

INVITATION_EXPOSURE = 1.0


def position_exposure(rank: int) -> float:
    return float(1.0 / np.log2(1.0 + rank))


class ExposureLedger:
    """vendor_id -> accumulated exposure. The app persists `exposure` between runs."""

    def __init__(self, exposure: Mapping[int, float] | None = None) -> None:
        self.exposure: dict[int, float] = dict(exposure or {})

    def record_ranking(self, vendor_ids: Sequence[int], depth: int = 10) -> None:
        """Credit the first `depth` places of a shown shortlist."""
        for position, vendor_id in enumerate(vendor_ids[:depth], start=1):
            self.exposure[vendor_id] = self.exposure.get(vendor_id, 0.0) + position_exposure(
                position
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


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, towards 1 = concentrated)."""
    array = np.sort(np.asarray(values, dtype=np.float64))
    n = len(array)
    if n == 0 or array.sum() == 0:
        return 0.0
    cumulative = np.cumsum(array)
    return float((n + 1 - 2 * (cumulative / cumulative[-1]).sum()) / n)


def sme_share(top_lists: Iterable[Sequence[int]], sme_ids: set[int], depth: int = 10) -> float:
    """Share of the first `depth` places that went to SME vendors."""
    places = sme = 0
    for ranked in top_lists:
        for vendor_id in ranked[:depth]:
            places += 1
            sme += vendor_id in sme_ids
    return sme / places if places else 0.0
