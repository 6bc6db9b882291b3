"""Feature building blocks, each vectorised over all vendors.

Vendor-side data is turned into sparse rows (codes, products, buyers) and a small dense table of
numbers once per vendor; task-side features are array expressions over every vendor at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from matching.taxonomy import Taxonomy
from matching.types import LEVELS, Settings, TaskProfile, VendorProfile

# Columns of the per-vendor numeric table.
NUMERIC = (
    "rating_sum",
    "rating_n",
    "on_time_sum",
    "on_time_n",
    "award_count",
    "small",
    "recent_awards",
    "workload_hours",
    "hourly_rate",
    "capacity",
    "capacity_from",
    "eligible",
    "sme",
)
COL = {name: i for i, name in enumerate(NUMERIC)}
DAYS_PER_MONTH = 30.4375
# Award masses are stored as 2^((date - EPOCH) / half-life), so that the decay to any later
# task date is one factor per task, and an index never depends on when it was built.
EPOCH = dt.date(2000, 1, 1).toordinal()


class Vocabulary:
    """Maps keys (code nodes, product names, buyers) to columns; only grows."""

    def __init__(self) -> None:
        self.columns: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.columns)

    def add(self, key: str) -> int:
        return self.columns.setdefault(key, len(self.columns))

    def get(self, key: str) -> int | None:
        return self.columns.get(key)


def normalize_product(name: str) -> str:
    return " ".join(name.lower().split())


def vendor_code_weights(
    vendor: VendorProfile, taxonomy: Taxonomy, settings: Settings
) -> dict[str, float]:
    """Node -> strongest evidence: level weight of a code times decay up to that ancestor."""
    level_weight = dict(zip(LEVELS, settings.level_weights, strict=True))
    evidence: dict[str, float] = {}
    for code, level in vendor.codes.items():
        evidence[code] = max(evidence.get(code, 0.0), level_weight[level])
    for code in vendor.past_codes:
        evidence[code] = max(evidence.get(code, 0.0), level_weight[settings.past_code_level])
    nodes: dict[str, float] = {}
    for code, weight in evidence.items():
        for distance, node in enumerate(taxonomy.chain(code)):
            value = weight * settings.vendor_narrower_decay**distance
            if value > nodes.get(node, 0.0):
                nodes[node] = value
    return nodes


def award_mass(date: dt.date, settings: Settings) -> float:
    return float(2.0 ** ((date.toordinal() - EPOCH) / settings.experience_half_life_days))


def vendor_experience(
    vendor: VendorProfile, taxonomy: Taxonomy, settings: Settings
) -> tuple[dict[str, float], dict[str, float]]:
    """(node -> dated award mass, node -> undated award count) over the vendor's past awards.

    An award counts once per node however many of its codes fall under that node.
    """
    dated: dict[str, float] = {}
    undated: dict[str, float] = {}
    for award in vendor.past_awards:
        nodes = {node for code in award.codes for node in taxonomy.chain(code)}
        if award.date is None:
            for node in nodes:
                undated[node] = undated.get(node, 0.0) + 1.0
        else:
            mass = award_mass(award.date, settings)
            for node in nodes:
                dated[node] = dated.get(node, 0.0) + mass
    return dated, undated


def task_nodes(
    task_codes: Sequence[str], vocabulary: Vocabulary, taxonomy: Taxonomy, settings: Settings
) -> list[tuple[int, list[int], list[float]]]:
    """Per task code: (code number, index columns of its chain, weight of each ancestor step)."""
    found = []
    for i, code in enumerate(task_codes):
        columns: list[int] = []
        factors: list[float] = []
        for distance, node in enumerate(taxonomy.chain(code)):
            column = vocabulary.get(node)
            if column is not None:
                columns.append(column)
                factors.append(settings.vendor_broader_decay**distance)
        if columns:
            found.append((i, columns, factors))
    return found


def code_experience(
    dated: sp.csc_matrix,
    undated: sp.csc_matrix,
    vocabulary: Vocabulary,
    task_codes: Sequence[str],
    taxonomy: Taxonomy,
    settings: Settings,
    when: dt.date,
) -> np.ndarray:
    """Recency-decayed past awards under the task's codes and their ancestors (0..1).

    Per task code, the sum over its chain of (awards at that node, each halved every half-life
    before `when`) x 0.6^(steps up); averaged over the task's codes, then saturated.
    """
    n = dated.shape[0]
    if not task_codes:
        return np.zeros(n)
    decay = award_mass(when, settings)
    total = np.zeros(n)
    for _i, columns, factors in task_nodes(task_codes, vocabulary, taxonomy, settings):
        total += column_products(dated, columns, factors) / decay
        total += settings.undated_award_weight * column_products(undated, columns, factors)
    total /= len(task_codes)
    return 1.0 - np.exp(-total / settings.code_experience_scale)


def column_products(
    matrix: sp.csc_matrix, columns: Sequence[int], weights: Sequence[float]
) -> np.ndarray:
    """`matrix[:, columns] @ weights` read straight from the CSC arrays (no sliced copy):
    each column's stored rows get its value times its weight, added in column order."""
    result = np.zeros(matrix.shape[0], dtype=np.float64)
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    for column, weight in zip(columns, weights, strict=True):
        lo, hi = indptr[column], indptr[column + 1]
        if lo < hi:
            rows = indices[lo:hi]  # unique within a column
            result[rows] += data[lo:hi] * weight
    return result


def sparse_rows(
    rows: Sequence[Mapping[str, float]], vocabulary: Vocabulary, dtype: type = np.float32
) -> sp.csr_matrix:
    """One CSR row per mapping; new keys are added to the vocabulary."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for row in rows:
        for key in sorted(row):
            indices.append(vocabulary.add(key))
            data.append(row[key])
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.asarray(data, dtype=dtype), np.asarray(indices, dtype=np.int32), indptr),
        shape=(len(rows), max(len(vocabulary), 1)),
    )


def vendor_numbers(vendor: VendorProfile) -> list[float]:
    nan = float("nan")
    return [
        float(sum(vendor.ratings)),
        float(len(vendor.ratings)),
        float(sum(vendor.on_time)),
        float(len(vendor.on_time)),
        float(vendor.award_count),
        1.0 if vendor.small else 0.0,
        float(vendor.recent_awards),
        float(vendor.workload_hours),
        float(vendor.hourly_rate_dkk) if vendor.hourly_rate_dkk is not None else nan,
        float(vendor.capacity_hours_per_month)
        if vendor.capacity_hours_per_month is not None
        else nan,
        float(vendor.capacity_from.toordinal()) if vendor.capacity_from is not None else nan,
        1.0 if vendor.eligible else 0.0,
        1.0 if vendor.sme else 0.0,
    ]


def bayes_share(total: np.ndarray, count: np.ndarray, prior_count: float) -> np.ndarray:
    """Mean shrunk towards the global mean: a vendor with few observations looks average."""
    observed = count.sum()
    global_mean = total.sum() / observed if observed > 0 else 0.5
    return (total + prior_count * global_mean) / (count + prior_count)


def static_features(numbers: np.ndarray, settings: Settings) -> dict[str, np.ndarray]:
    """Features that do not depend on the task, one array per feature."""
    n = numbers[:, COL["rating_n"]]
    rating_total = numbers[:, COL["rating_sum"]] - n  # ratings 1..5 -> 0..4
    rating = bayes_share(rating_total / 4.0, n, settings.rating_prior_count)
    on_time = bayes_share(
        numbers[:, COL["on_time_sum"]], numbers[:, COL["on_time_n"]], settings.on_time_prior_count
    )
    experience = 1.0 - np.exp(-numbers[:, COL["award_count"]] / settings.experience_scale)
    load = (
        numbers[:, COL["recent_awards"]] / settings.workload_awards_scale
        + numbers[:, COL["workload_hours"]] / settings.workload_hours_scale
    )
    return {
        "rating": rating,
        "on_time": on_time,
        "experience": experience,
        "small_vendor": numbers[:, COL["small"]].copy(),
        "workload": 1.0 - np.exp(-load),
    }


def price_fit(numbers: np.ndarray, task: TaskProfile, settings: Settings) -> np.ndarray:
    """1 when hourly rate x estimate is within budget, decaying above it; unknown is neutral."""
    rate = numbers[:, COL["hourly_rate"]]
    if not task.budget_dkk or not task.estimate_hours:
        return np.full(len(rate), settings.price_unknown)
    ratio = rate * task.estimate_hours / task.budget_dkk
    with np.errstate(invalid="ignore"):
        fit = np.where(ratio <= 1.0, 1.0, np.exp(-settings.price_decay * (ratio - 1.0)))
    return np.where(np.isnan(rate), settings.price_unknown, fit)


def capacity_check(
    numbers: np.ndarray, task: TaskProfile, today: dt.date
) -> tuple[np.ndarray, np.ndarray]:
    """(enough capacity, capacity unknown) per vendor. Unknown capacity passes."""
    capacity = numbers[:, COL["capacity"]]
    unknown = np.isnan(capacity)
    if task.estimate_hours is None or task.delivery_date is None:
        return np.ones(len(capacity), dtype=bool), unknown
    start = np.fmax(numbers[:, COL["capacity_from"]], float(today.toordinal()))
    months = np.maximum(0.0, (task.delivery_date.toordinal() - start) / DAYS_PER_MONTH)
    with np.errstate(invalid="ignore"):
        enough = capacity * months >= task.estimate_hours
    return enough | unknown, unknown


def code_closeness(
    matrix: sp.csc_matrix,
    vocabulary: Vocabulary,
    task_codes: Sequence[str],
    taxonomy: Taxonomy,
    settings: Settings,
) -> np.ndarray:
    """Mean over task codes of each vendor's best closeness to that code (0..1)."""
    n = matrix.shape[0]
    if not task_codes:
        return np.zeros(n)
    total = np.zeros(n)
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    for code in task_codes:
        # Each vendor's best value x factor over the code's chain, read straight from the
        # CSC arrays (values and factors in the matrix's float32, as a sliced product was).
        best = np.zeros(n, dtype=data.dtype)
        for distance, node in enumerate(taxonomy.chain(code)):
            column = vocabulary.get(node)
            if column is None or column >= matrix.shape[1]:
                continue
            factor = np.asarray(settings.vendor_broader_decay**distance, dtype=data.dtype)
            lo, hi = indptr[column], indptr[column + 1]
            rows = indices[lo:hi]
            best[rows] = np.maximum(best[rows], data[lo:hi] * factor)
        total += best
    return total / len(task_codes)


def column_sum(matrix: sp.csc_matrix, vocabulary: Vocabulary, keys: Sequence[str]) -> np.ndarray:
    """Sum of the vendors' values in the given columns (keys missing from the index add 0)."""
    columns = [c for c in (vocabulary.get(k) for k in keys) if c is not None]
    if not columns:
        return np.zeros(matrix.shape[0])
    total = np.zeros(matrix.shape[0], dtype=matrix.dtype)
    for column in columns:
        lo, hi = matrix.indptr[column], matrix.indptr[column + 1]
        total[matrix.indices[lo:hi]] += matrix.data[lo:hi]
    return total.astype(np.float64)
