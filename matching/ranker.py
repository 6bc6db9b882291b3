"""The vendor index: fitted over all vendors, updated one vendor at a time, ranks a task.

Vendors are kept sorted by id, so the same vendors give the same index whatever the order they
arrived in, and ties in the ranking go to the lower vendor id. Updates only touch raw counts and
integer document frequencies; the weighted matrices are rebuilt lazily on the next ranking, so an
updated index ranks exactly like one refitted from scratch.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.utils import murmurhash3_32  # type: ignore[import-untyped]

from matching import features as ft
from matching.fairness import ExposureLedger, fair_correction
from matching.taxonomy import Taxonomy
from matching.text import (
    document_frequency,
    idf_from_df,
    make_vectorizers,
    prune_query,
    term_counts,
    weigh_rows,
    word_analyzer,
)
from matching.types import (
    DEFAULT_SETTINGS,
    FEATURES,
    Match,
    Settings,
    TaskProfile,
    VendorProfile,
)

# Text block -> (vendor text field, analyzer).
TEXT_BLOCKS = {
    "profile_word": ("profile", "word"),
    "profile_char": ("profile", "char"),
    "past_word": ("past", "word"),
    "past_char": ("past", "char"),
}
NO_CAPACITY = "no capacity before the delivery date"
CAPACITY_UNKNOWN = "capacity unknown: not checked"


@dataclass
class _Rows:
    text: dict[str, sp.csr_matrix]
    codes: sp.csr_matrix
    products: sp.csr_matrix
    buyers: sp.csr_matrix
    numbers: np.ndarray


@dataclass
class _Compiled:
    idf: dict[str, np.ndarray]
    text: sp.csc_matrix  # vendors x (4 blocks x text_features), unit rows per block
    codes: sp.csc_matrix
    products: sp.csc_matrix
    buyers: sp.csc_matrix
    static: dict[str, np.ndarray]


@dataclass(frozen=True)
class Query:
    """The task's text as one sparse vector over the index's text columns."""

    columns: np.ndarray  # sorted column numbers in the stacked text matrix
    blocks: np.ndarray  # (len(columns), 4) weights, one column per text block

    @property
    def vector(self) -> np.ndarray:
        return np.asarray(self.blocks.sum(axis=1), dtype=np.float32)


@dataclass
class ScoreTable:
    """Every vendor's features and score for one task, aligned with `vendor_ids`."""

    vendor_ids: np.ndarray
    features: np.ndarray  # (vendors, len(FEATURES))
    weights: np.ndarray
    fairness: np.ndarray
    score: np.ndarray
    eligible: np.ndarray
    capacity_ok: np.ndarray
    capacity_unknown: np.ndarray

    def order(self, top: int | None = None) -> np.ndarray:
        """Row numbers: eligible first, then score (high first), then vendor id."""
        n = len(self.score)
        spread = float(self.score.max() - self.score.min()) + 1.0 if n else 1.0
        key = self.score - (~self.eligible) * spread
        if top is None or top >= n:
            return np.lexsort((self.vendor_ids, -key))
        kth = np.partition(key, n - top)[n - top]
        candidates = np.flatnonzero(key >= kth)  # ties at the cut all compete on vendor id
        ranked = candidates[np.lexsort((self.vendor_ids[candidates], -key[candidates]))]
        return ranked[:top]


class Index:
    """All vendors, ready to rank a task against."""

    def __init__(
        self,
        settings: Settings = DEFAULT_SETTINGS,
        taxonomy_parents: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.taxonomy = Taxonomy(taxonomy_parents)
        self._vectorizers = make_vectorizers(settings)
        self._analyze = word_analyzer(settings)
        self._code_vocab = ft.Vocabulary()
        self._product_vocab = ft.Vocabulary()
        self._buyer_vocab = ft.Vocabulary()
        self._vendors: dict[int, VendorProfile] = {}
        self._ids = np.zeros(0, dtype=np.int64)
        self._rows = self._build_rows([])
        self._df = {block: np.zeros(settings.text_features, np.int64) for block in TEXT_BLOCKS}
        self._compiled: _Compiled | None = None

    # -- building -------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        vendors: Iterable[VendorProfile],
        taxonomy_parents: Mapping[str, str] | None = None,
        settings: Settings = DEFAULT_SETTINGS,
    ) -> Index:
        """An index over `vendors` (a later duplicate id replaces an earlier one)."""
        index = cls(settings, taxonomy_parents)
        unique = {vendor.id: vendor for vendor in vendors}
        ordered = [unique[key] for key in sorted(unique)]
        index._vendors = {vendor.id: vendor for vendor in ordered}
        index._ids = np.asarray([vendor.id for vendor in ordered], dtype=np.int64)
        index._rows = index._build_rows(ordered)
        index._df = {block: document_frequency(index._rows.text[block]) for block in TEXT_BLOCKS}
        return index

    def upsert(self, vendor: VendorProfile) -> None:
        """Add a vendor or replace its profile."""
        position = int(np.searchsorted(self._ids, vendor.id))
        exists = position < len(self._ids) and self._ids[position] == vendor.id
        new = self._build_rows([vendor])
        for block in TEXT_BLOCKS:
            if exists:
                self._df[block][self._rows.text[block][position].indices] -= 1
            self._df[block][new.text[block].indices] += 1
        self._rows = self._splice(new, position, 1 if exists else 0)
        if not exists:
            self._ids = np.insert(self._ids, position, vendor.id)
        self._vendors[vendor.id] = vendor
        self._compiled = None

    def remove(self, vendor_id: int) -> None:
        """Forget a vendor; unknown ids are ignored."""
        position = int(np.searchsorted(self._ids, vendor_id))
        if position >= len(self._ids) or self._ids[position] != vendor_id:
            return
        for block in TEXT_BLOCKS:
            self._df[block][self._rows.text[block][position].indices] -= 1
        self._rows = self._splice(self._build_rows([]), position, 1)
        self._ids = np.delete(self._ids, position)
        del self._vendors[vendor_id]
        self._compiled = None

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def vendor_ids(self) -> np.ndarray:
        return self._ids

    def vendor(self, vendor_id: int) -> VendorProfile | None:
        return self._vendors.get(vendor_id)

    def _build_rows(self, vendors: Sequence[VendorProfile]) -> _Rows:
        texts = {
            "profile": [vendor.profile_text for vendor in vendors],
            "past": ["\n".join(vendor.past_task_texts) for vendor in vendors],
        }
        text = {}
        for block, (field, analyzer) in TEXT_BLOCKS.items():
            text[block] = term_counts(self._vectorizers[analyzer], texts[field])
        code_rows = [ft.vendor_code_weights(v, self.taxonomy, self.settings) for v in vendors]
        product_rows = [{ft.normalize_product(p): 1.0 for p in v.products} for v in vendors]
        buyer_rows = [{k: float(c) for k, c in Counter(v.past_buyers).items()} for v in vendors]
        numbers = np.asarray([ft.vendor_numbers(v) for v in vendors], dtype=np.float64)
        return _Rows(
            text=text,
            codes=ft.sparse_rows(code_rows, self._code_vocab),
            products=ft.sparse_rows(product_rows, self._product_vocab),
            buyers=ft.sparse_rows(buyer_rows, self._buyer_vocab),
            numbers=numbers.reshape(len(vendors), len(ft.NUMERIC)),
        )

    def _splice(self, new: _Rows, position: int, replace: int) -> _Rows:
        def splice(old: sp.csr_matrix, row: sp.csr_matrix) -> sp.csr_matrix:
            width = max(old.shape[1], row.shape[1])
            old, row = _widen(old, width), _widen(row, width)
            parts = [old[:position], row, old[position + replace :]]
            return sp.vstack(parts, format="csr", dtype=old.dtype)

        rows = self._rows
        numbers = np.concatenate(
            [rows.numbers[:position], new.numbers, rows.numbers[position + replace :]]
        )
        return _Rows(
            text={block: splice(rows.text[block], new.text[block]) for block in TEXT_BLOCKS},
            codes=splice(rows.codes, new.codes),
            products=splice(rows.products, new.products),
            buyers=splice(rows.buyers, new.buyers),
            numbers=numbers,
        )

    def _compile(self) -> _Compiled:
        if self._compiled is not None:
            return self._compiled
        n, settings = len(self._ids), self.settings
        idf = {b: idf_from_df(self._df[b], n, settings.max_df) for b in TEXT_BLOCKS}
        blocks = [weigh_rows(self._rows.text[b], idf[b]) for b in TEXT_BLOCKS]
        buyers = self._rows.buyers.copy()
        buyers.data = (1.0 - np.exp(-buyers.data / settings.buyer_scale)).astype(np.float32)
        self._compiled = _Compiled(
            idf=idf,
            text=sp.hstack(blocks, format="csc", dtype=np.float32),
            codes=_widen(self._rows.codes, len(self._code_vocab)).tocsc(),
            products=_widen(self._rows.products, len(self._product_vocab)).tocsc(),
            buyers=_widen(buyers, len(self._buyer_vocab)).tocsc(),
            static=ft.static_features(self._rows.numbers, settings),
        )
        return self._compiled

    # -- ranking --------------------------------------------------------------------------

    def query(self, task: TaskProfile) -> Query:
        """The task text weighted like each text block of the vendor matrix."""
        compiled = self._compile()
        width = self.settings.text_features
        counts = {
            name: term_counts(vectorizer, [task.text])
            for name, vectorizer in self._vectorizers.items()
        }
        columns, weights, which = [], [], []
        for j, (block, (_field, analyzer)) in enumerate(TEXT_BLOCKS.items()):
            weighted = counts[analyzer].multiply(compiled.idf[block][np.newaxis, :]).tocsr()
            weighted.eliminate_zeros()
            row = prune_query(weighted, self.settings.max_query_terms)
            columns.append(row.indices.astype(np.int64) + j * width)
            weights.append(row.data)
            which.append(np.full(row.nnz, j))
        all_columns = np.concatenate(columns)
        blocks = np.zeros((len(all_columns), len(TEXT_BLOCKS)), dtype=np.float32)
        blocks[np.arange(len(all_columns)), np.concatenate(which)] = np.concatenate(weights)
        return Query(columns=all_columns, blocks=blocks)

    def text_matrix(self) -> sp.csc_matrix:
        """The stacked, weighted vendor text matrix (for the benchmark's floor)."""
        return self._compile().text

    def score(
        self,
        task: TaskProfile,
        exposure: ExposureLedger | Mapping[int, float] | None = None,
        today: dt.date | None = None,
        query: Query | None = None,
    ) -> ScoreTable:
        """Filters, features and scores of every vendor for `task`, as arrays."""
        compiled, settings = self._compile(), self.settings
        n = len(self._ids)
        today = today or task.published_at or dt.date.today()
        query = query or self.query(task)
        similarity = np.asarray(compiled.text[:, query.columns] @ query.blocks, dtype=np.float64)
        numbers = self._rows.numbers
        products = tuple(dict.fromkeys(ft.normalize_product(p) for p in task.products))
        columns = {
            "text_profile_word": similarity[:, 0],
            "text_profile_char": similarity[:, 1],
            "text_past_word": similarity[:, 2],
            "text_past_char": similarity[:, 3],
            "required_codes": ft.code_closeness(
                compiled.codes, self._code_vocab, task.required_codes, self.taxonomy, settings
            ),
            "nice_codes": ft.code_closeness(
                compiled.codes, self._code_vocab, task.nice_to_have_codes, self.taxonomy, settings
            ),
            "products": ft.column_sum(compiled.products, self._product_vocab, products)
            / max(len(products), 1),
            "same_buyer": ft.column_sum(
                compiled.buyers, self._buyer_vocab, [task.buyer] if task.buyer else []
            ),
            "price_fit": ft.price_fit(numbers, task, settings),
            **compiled.static,
        }
        table = np.column_stack([columns[name] for name in FEATURES]) if n else np.zeros((0, 14))
        weights = np.asarray(settings.weights.as_array())
        merit = table @ weights
        capacity_ok, capacity_unknown = ft.capacity_check(numbers, task, today)
        eligible = (numbers[:, ft.COL["eligible"]] > 0) & capacity_ok
        fairness = np.zeros(n)
        if exposure is not None:
            ledger = exposure if isinstance(exposure, ExposureLedger) else ExposureLedger(exposure)
            fairness = fair_correction(
                merit, ledger.array(self._ids), eligible, settings.fairness_strength
            )
        return ScoreTable(
            vendor_ids=self._ids,
            features=table,
            weights=weights,
            fairness=fairness,
            score=merit + fairness,
            eligible=eligible,
            capacity_ok=capacity_ok,
            capacity_unknown=capacity_unknown,
        )

    def rank(
        self,
        task: TaskProfile,
        top: int | None = None,
        exposure: ExposureLedger | Mapping[int, float] | None = None,
        today: dt.date | None = None,
    ) -> list[Match]:
        """Every vendor (or the first `top`), eligible ones first, each with its reasons.

        Explanations (matched codes, shared terms) are worked out only for the first
        `settings.explain_top` places.
        """
        table = self.score(task, exposure=exposure, today=today)
        order = table.order(top)
        task_terms = Counter(self._analyze(task.text))
        matches = []
        for rank, row in enumerate(order, start=1):
            explain = rank <= self.settings.explain_top
            matches.append(self._match(table, int(row), rank, task, task_terms, explain))
        return matches

    def _match(
        self,
        table: ScoreTable,
        row: int,
        rank: int,
        task: TaskProfile,
        task_terms: Counter[str],
        explain: bool,
    ) -> Match:
        vendor = self._vendors[int(table.vendor_ids[row])]
        contributions = {
            name: float(table.features[row, j] * table.weights[j])
            for j, name in enumerate(FEATURES)
        }
        contributions["fair_rotation"] = float(table.fairness[row])
        reasons = list(vendor.ineligible_reasons if not vendor.eligible else ())
        if not table.capacity_ok[row]:
            reasons.append(NO_CAPACITY)
        notes = (CAPACITY_UNKNOWN,) if table.capacity_unknown[row] else ()
        return Match(
            rank=rank,
            vendor_id=vendor.id,
            score=float(math.fsum(contributions.values())),
            eligible=bool(table.eligible[row]),
            reasons=tuple(reasons),
            contributions=contributions,
            matched_codes=self.matched_codes(task, vendor) if explain else (),
            top_terms=self.top_terms(task_terms, vendor) if explain else (),
            notes=notes,
        )

    # -- explanations ---------------------------------------------------------------------

    def matched_codes(
        self, task: TaskProfile, vendor: VendorProfile
    ) -> tuple[tuple[str, str, float], ...]:
        """(task code, the vendor's closest code, closeness) for every task code it touches."""
        vendor_codes = sorted(set(vendor.codes) | set(vendor.past_codes))
        found = []
        for task_code in (*task.required_codes, *task.nice_to_have_codes):
            best, best_code = 0.0, ""
            for code in vendor_codes:
                value = self.taxonomy.closeness(
                    task_code,
                    code,
                    self.settings.vendor_narrower_decay,
                    self.settings.vendor_broader_decay,
                )
                if value > best:
                    best, best_code = value, code
            if best > 0:
                found.append((task_code, best_code, round(best, 3)))
        return tuple(found)

    def top_terms(
        self, task_terms: Counter[str], vendor: VendorProfile, limit: int = 5
    ) -> tuple[str, ...]:
        """Words the task shares with the vendor's texts, rarest first."""
        vendor_terms = set(self._analyze(vendor.profile_text))
        for text in vendor.past_task_texts:
            vendor_terms.update(self._analyze(text))
        idf = self._compile().idf
        width = self.settings.text_features
        scored = []
        for term in task_terms.keys() & vendor_terms:
            column = abs(murmurhash3_32(term, seed=0)) % width
            weight = max(idf["profile_word"][column], idf["past_word"][column])
            if weight > 0:
                scored.append((-weight * (1 + math.log(task_terms[term])), term))
        return tuple(term for _, term in sorted(scored)[:limit])


def _widen(matrix: sp.csr_matrix, width: int) -> sp.csr_matrix:
    if matrix.shape[1] == width:
        return matrix
    return sp.csr_matrix(
        (matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], width)
    )
