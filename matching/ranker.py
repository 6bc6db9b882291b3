"""The vendor index: fitted over all vendors, updated one vendor at a time, ranks a task.

Vendors are kept sorted by id, so the same vendors give the same index whatever the order they
arrived in, and ties in the ranking go to the lower vendor id. Updates only touch raw counts and
integer document frequencies; the weighted matrices are rebuilt lazily on the next ranking, so an
updated index ranks exactly like one refitted from scratch.

Explanations find shared words through the hashed term counts (no text is analysed again).
`to_bytes` / `from_bytes` persist the fitted artefacts (NumPy arrays and JSON, no pickle).
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import io
import json
import math
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils import murmurhash3_32

from matching import contributions as contrib
from matching import features as ft
from matching.counts import SEGMENT_ROWS, Chunk, Segment, TermCounts
from matching.fairness import (
    FAIR_SHARE_NOTE,
    LIFT_PRICE,
    ExposureLedger,
    fair_candidates,
    fair_correction,
    fair_minimums,
    fair_order,
    lift_costs,
    merit_order,
)
from matching.profiles import Explained, ProfileStore
from matching.taxonomy import Taxonomy, display_code
from matching.text import (
    explainable,
    idf_from_df,
    make_vectorizers,
    query_weights,
    term_counts,
    word_analyzer,
)
from matching.types import (
    DEFAULT_SETTINGS,
    FEATURES,
    Contribution,
    Match,
    Settings,
    TaskProfile,
    VendorProfile,
    Weights,
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
CHUNK = 1024
MEMO = 500_000  # entries of the code memos at most (a few tens of MB)
# Shared words are looked up rarest first, this many words in the first round, four times as
# many in each next one, and only for the rows that have not found their words yet.
TERM_BATCH = 16
FORMAT = "matching-index/5"


@dataclass
class _Rows:
    text: TermCounts  # uint8 term counts, vendors x (4 blocks x text_features), segmented
    codes: sp.csr_matrix
    products: sp.csr_matrix
    buyers: sp.csr_matrix
    numbers: np.ndarray
    experience: sp.csr_matrix  # dated award mass per code node (see features.EPOCH)
    undated: sp.csr_matrix  # undated award count per code node


# The sparse per-vendor rows besides the text counts, in the order they are persisted.
SPARSE_ROWS = ("codes", "products", "buyers", "experience", "undated")


@dataclass
class _Compiled:
    numbers: np.ndarray  # the vendors' numbers, column by column (Fortran order)
    idf: dict[str, np.ndarray]
    stacked_idf: np.ndarray  # the blocks' IDF side by side, as the text columns are
    norms: np.ndarray  # (vendors, 4): each vendor's TF-IDF length per text block
    codes: sp.csc_matrix
    products: sp.csc_matrix
    buyers: sp.csc_matrix
    static: dict[str, np.ndarray]
    experience: sp.csc_matrix
    undated: sp.csc_matrix


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
    columns: Mapping[str, np.ndarray]  # one array per feature, every vendor
    weights: np.ndarray
    fairness: np.ndarray
    score: np.ndarray
    eligible: np.ndarray
    capacity_ok: np.ndarray
    capacity_unknown: np.ndarray
    sme: np.ndarray | None = None  # micro, small and medium vendors
    _features: np.ndarray | None = dataclasses.field(default=None, repr=False)

    @property
    def features(self) -> np.ndarray:
        """(vendors, len(FEATURES)), built on first use (a ranking reads only its rows)."""
        if self._features is None:
            self._features = self.rows(np.arange(len(self.vendor_ids)))
        return self._features

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The features of the given rows: (len(rows), len(FEATURES))."""
        if len(rows) == 0:
            return np.zeros((0, len(FEATURES)))
        return np.column_stack([self.columns[name][rows] for name in FEATURES])

    def key(self) -> np.ndarray:
        """The score, shifted so that every ineligible vendor sorts after every eligible one."""
        n = len(self.score)
        spread = float(self.score.max() - self.score.min()) + 1.0 if n else 1.0
        return self.score - (~self.eligible) * spread

    def order(self, top: int | None = None) -> np.ndarray:
        """Row numbers: eligible first, then score (high first), then vendor id."""
        return merit_order(self.key(), self.vendor_ids, top)

    def sme_pool_share(self) -> float:
        """The SME share of the eligible vendors."""
        if self.sme is None or not self.eligible.any():
            return 0.0
        return float(self.sme[self.eligible].mean())

    def fair_order(
        self, minimums: np.ndarray, top: int | None = None, candidates: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(row order, rows moved up) with the fair-share prefix (see `fairness.fair_order`);
        `candidates`: `fairness.fair_candidates` of this table, if known."""
        sme = self.sme if self.sme is not None else np.zeros(len(self.score), dtype=bool)
        return fair_order(
            self.key(), self.vendor_ids, self.eligible, sme, minimums, top, candidates
        )


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
        self._vendors = ProfileStore()
        self._ids = np.zeros(0, dtype=np.int64)
        self._rows = self._build_rows([])
        self._compiled: _Compiled | None = None
        self._contributions: tuple[_Compiled, contrib.ContributionTable] | None = None
        # Code closeness and award depth per (task code, vendor code), kept across rankings
        # for the decays they were computed with (see `_code_memos`).
        self._memo_decays: tuple[float, float] | None = None
        self._closeness_memo: dict[tuple[str, str], float] = {}
        self._depth_memo: dict[tuple[str, str], int | None] = {}

    # -- building -------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        vendors: Iterable[VendorProfile],
        taxonomy_parents: Mapping[str, str] | None = None,
        settings: Settings = DEFAULT_SETTINGS,
    ) -> Index:
        """An index over `vendors` (a later duplicate id replaces an earlier one).

        The rows are built one segment of vendors at a time, in id order, and no profile is
        kept, so the build never holds every profile or every raw count at once. A sequence
        is taken in id order (sorted by position, not copied); an iterator is read as it
        comes while its ids increase, and the vendors after the first one that does not are
        read whole and merged with `upsert_many`, a segment of vendors at a time."""
        index = cls(settings, taxonomy_parents)
        if isinstance(vendors, Sequence):
            vendors = _in_id_order(vendors)
        iterator = iter(vendors)
        parts: list[_Rows] = []
        ids: list[int] = []
        batch: list[VendorProfile] = []
        rest: dict[int, VendorProfile] = {}
        for vendor in iterator:
            last = batch[-1].id if batch else ids[-1] if ids else None
            if last is not None and vendor.id <= last:
                rest = {vendor.id: vendor}
                rest.update((v.id, v) for v in iterator)
                break
            batch.append(vendor)
            index._vendors.put(vendor)
            if len(batch) == SEGMENT_ROWS:
                parts.append(index._build_rows(batch))
                ids.extend(v.id for v in batch)
                batch = []
                release_free_memory()
        if batch:
            parts.append(index._build_rows(batch))
            ids.extend(v.id for v in batch)
        del batch
        index._ids = np.asarray(ids, dtype=np.int64)
        if parts:
            index._rows = index._concat_rows(parts)
        del parts
        order = sorted(rest)
        for start in range(0, len(order), SEGMENT_ROWS):
            index.upsert_many([rest.pop(i) for i in order[start : start + SEGMENT_ROWS]])
        release_free_memory()
        return index

    def upsert(self, vendor: VendorProfile) -> None:
        """Add a vendor or replace its profile."""
        position = int(np.searchsorted(self._ids, vendor.id))
        exists = position < len(self._ids) and self._ids[position] == vendor.id
        new = self._build_rows([vendor])
        self._rows = self._splice(new, position, 1 if exists else 0)
        if not exists:
            self._ids = np.insert(self._ids, position, vendor.id)
        self._vendors.put(vendor)
        self._compiled = None

    def remove(self, vendor_id: int) -> None:
        """Forget a vendor; unknown ids are ignored."""
        position = int(np.searchsorted(self._ids, vendor_id))
        if position >= len(self._ids) or self._ids[position] != vendor_id:
            return
        self._rows = self._splice(self._build_rows([]), position, 1)
        self._ids = np.delete(self._ids, position)
        self._vendors.remove(vendor_id)
        self._compiled = None

    def upsert_many(self, vendors: Iterable[VendorProfile]) -> None:
        """Add or replace many vendors with one rebuild of the matrices (`upsert` rebuilds
        them per vendor: a tenth of a second each at 10,000 vendors)."""
        unique = {vendor.id: vendor for vendor in vendors}
        if not unique:
            return
        ordered = [unique[key] for key in sorted(unique)]
        new_ids = np.asarray([vendor.id for vendor in ordered], dtype=np.int64)
        keep = ~np.isin(self._ids, new_ids)
        ids = np.concatenate([self._ids[keep], new_ids])
        order = np.argsort(ids, kind="stable")
        source = np.concatenate([np.flatnonzero(keep), len(self._ids) + np.arange(len(new_ids))])[
            order
        ]
        self._rows = self._take(self._build_rows(ordered), source)
        self._ids = ids[order]
        for vendor in ordered:
            self._vendors.put(vendor)
        self._compiled = None

    def remove_many(self, vendor_ids: Iterable[int]) -> None:
        """Forget many vendors with one rebuild of the matrices; unknown ids are ignored."""
        gone = np.asarray(sorted({int(v) for v in vendor_ids}), dtype=np.int64)
        keep = ~np.isin(self._ids, gone)
        if keep.all():
            return
        self._rows = self._take(self._build_rows([]), np.flatnonzero(keep))
        for vendor_id in self._ids[~keep].tolist():
            self._vendors.remove(vendor_id)
        self._ids = self._ids[keep]
        self._compiled = None

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def vendor_ids(self) -> np.ndarray:
        return self._ids

    @property
    def stored_terms(self) -> int:
        """Stored (vendor, term) counts over the four text blocks."""
        return self._rows.text.nnz

    def memory(self) -> dict[str, int]:
        """Bytes held by the largest parts of the index."""
        return {"term_counts": self._rows.text.nbytes, "profiles": self._vendors.nbytes}

    def vendor(self, vendor_id: int) -> Explained | None:
        """What the index keeps of a vendor: codes, past codes and awards, eligibility with its
        reasons, size class. Not its texts or numbers: the profile itself is the caller's (to
        change only the eligibility, call `set_eligibility`)."""
        return self._vendors.get(vendor_id)

    def set_eligibility(self, vendor_id: int, eligible: bool, reasons: Sequence[str] = ()) -> bool:
        """Change a vendor's eligibility and its reasons without a new profile.

        The index then ranks exactly like one fitted from the vendor's profile with `eligible`
        and `ineligible_reasons` replaced; nothing is rebuilt (one number and one small
        record change). False when they already were these; KeyError for an unknown vendor."""
        position = int(np.searchsorted(self._ids, vendor_id))
        if position >= len(self._ids) or self._ids[position] != vendor_id:
            raise KeyError(vendor_id)
        if not self._vendors.set_eligibility(vendor_id, eligible, tuple(reasons)):
            return False
        value = 1.0 if eligible else 0.0
        column = ft.COL["eligible"]
        if not self._rows.numbers.flags.writeable:
            self._rows.numbers = self._rows.numbers.copy()
        self._rows.numbers[position, column] = value
        if self._compiled is not None:
            if not self._compiled.numbers.flags.writeable:
                self._compiled.numbers = np.asfortranarray(self._rows.numbers)
            self._compiled.numbers[position, column] = value
        return True

    def _concat_rows(self, parts: Sequence[_Rows]) -> _Rows:
        """Row blocks built one after another, stacked (earlier blocks widened to the
        vocabularies as they are now)."""
        sparse = {}
        for name in SPARSE_ROWS:
            width = max(getattr(p, name).shape[1] for p in parts)
            blocks = [_widen(getattr(p, name), width) for p in parts]
            sparse[name] = sp.vstack(blocks, format="csr", dtype=blocks[0].dtype)
        return _Rows(
            text=TermCounts.concat([p.text for p in parts], parts[0].text.columns),
            numbers=np.concatenate([p.numbers for p in parts]),
            **sparse,
        )

    def _build_rows(self, vendors: Sequence[VendorProfile]) -> _Rows:
        text = self._text_counts(vendors)
        code_rows = [ft.vendor_code_weights(v, self.taxonomy, self.settings) for v in vendors]
        product_rows = [{ft.normalize_product(p): 1.0 for p in v.products} for v in vendors]
        buyer_rows = [{k: float(c) for k, c in Counter(v.past_buyers).items()} for v in vendors]
        numbers = np.asarray([ft.vendor_numbers(v) for v in vendors], dtype=np.float64)
        experience = [ft.vendor_experience(v, self.taxonomy, self.settings) for v in vendors]
        return _Rows(
            text=text,
            codes=ft.sparse_rows(code_rows, self._code_vocab),
            products=ft.sparse_rows(product_rows, self._product_vocab),
            buyers=ft.sparse_rows(buyer_rows, self._buyer_vocab),
            numbers=numbers.reshape(len(vendors), len(ft.NUMERIC)),
            experience=ft.sparse_rows([e[0] for e in experience], self._code_vocab, np.float64),
            undated=ft.sparse_rows([e[1] for e in experience], self._code_vocab, np.float64),
        )

    def _text_counts(self, vendors: Sequence[VendorProfile]) -> TermCounts:
        """The uint8 counts of the four text blocks, side by side, one segment of vendors at a
        time and field by field: both blocks of a field (word and char n-grams) are counted in
        chunks of vendors from one pass over the texts' words, each distinct word analysed and
        hashed once for the whole build (`TextCounter`); each chunk's counts are kept column
        by column in 3 bytes an entry (`Chunk`) and each block is encoded from its chunks, so
        the build's transient is about the two blocks of a field of one segment in 3 bytes an
        entry."""
        from matching.text import TextCounter

        width = self.settings.text_features
        counter = TextCounter(self._vectorizers)
        segments = []
        for first in range(0, len(vendors), SEGMENT_ROWS):
            group = vendors[first : first + SEGMENT_ROWS]
            blocks: dict[str, Segment] = {}
            for field in dict.fromkeys(field for field, _ in TEXT_BLOCKS.values()):
                names = {a: b for b, (f, a) in TEXT_BLOCKS.items() if f == field}
                chunks: dict[str, list[Chunk]] = {a: [] for a in names}
                for start in range(0, len(group), CHUNK):
                    texts = [
                        v.profile_text if field == "profile" else "\n".join(v.past_task_texts)
                        for v in group[start : start + CHUNK]
                    ]
                    # unsorted columns within a row: `Chunk.from_matrix` sorts them
                    counts = counter(texts, sort=False)
                    for analyzer, parts in chunks.items():
                        parts.append(Chunk.from_matrix(counts.pop(analyzer)))
                    del counts
                for analyzer, name in names.items():
                    blocks[name] = Segment.from_chunks(chunks.pop(analyzer))
            segments.append(Segment.side_by_side([blocks.pop(name) for name in TEXT_BLOCKS]))
        return TermCounts(width * len(TEXT_BLOCKS), segments)

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
        n = rows.text.shape[0]
        source = np.concatenate(
            [
                np.arange(position),
                n + np.arange(new.text.shape[0]),
                np.arange(position + replace, n),
            ]
        ).astype(np.int64)
        text = rows.text.take(new.text.to_csc(), source)
        return _Rows(
            text=text,
            numbers=numbers,
            **{name: splice(getattr(rows, name), getattr(new, name)) for name in SPARSE_ROWS},
        )

    def _take(self, new: _Rows, source: np.ndarray) -> _Rows:
        """The rows `source` of the current rows followed by `new` (one pass per matrix)."""

        def take(old: sp.csr_matrix, row: sp.csr_matrix) -> sp.csr_matrix:
            width = max(old.shape[1], row.shape[1])
            both = sp.vstack([_widen(old, width), _widen(row, width)], format="csr")
            return both.astype(old.dtype)[source]

        rows = self._rows
        text = rows.text.take(new.text.to_csc(), source)
        return _Rows(
            text=text,
            numbers=np.concatenate([rows.numbers, new.numbers])[source],
            **{name: take(getattr(rows, name), getattr(new, name)) for name in SPARSE_ROWS},
        )

    def _compile(self) -> _Compiled:
        if self._compiled is not None:
            return self._compiled
        settings = self.settings
        text = self._rows.text
        width = settings.text_features
        df = text.df()
        idfs = [
            idf_from_df(df[j * width : (j + 1) * width], text.shape[0], settings.max_df)
            for j in range(len(TEXT_BLOCKS))
        ]
        norms = text.block_norms(idfs)
        buyers = self._rows.buyers.copy()
        buyers.data = (1.0 - np.exp(-buyers.data / settings.buyer_scale)).astype(np.float32)
        self._compiled = _Compiled(
            numbers=np.asfortranarray(self._rows.numbers),
            idf=dict(zip(TEXT_BLOCKS, idfs, strict=True)),
            stacked_idf=np.concatenate(idfs),
            norms=norms,
            codes=_widen(self._rows.codes, len(self._code_vocab)).tocsc(),
            products=_widen(self._rows.products, len(self._product_vocab)).tocsc(),
            buyers=_widen(buyers, len(self._buyer_vocab)).tocsc(),
            static=ft.static_features(self._rows.numbers, settings),
            experience=_widen(self._rows.experience, len(self._code_vocab)).tocsc(),
            undated=_widen(self._rows.undated, len(self._code_vocab)).tocsc(),
        )
        release_free_memory()  # the weighting's transient arrays
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
            row = query_weights(
                counts[analyzer], compiled.idf[block], self.settings.max_query_terms
            )
            columns.append(row.indices.astype(np.int64) + j * width)
            weights.append(row.data)
            which.append(np.full(row.nnz, j))
        all_columns = np.concatenate(columns)
        blocks = np.zeros((len(all_columns), len(TEXT_BLOCKS)), dtype=np.float32)
        blocks[np.arange(len(all_columns)), np.concatenate(which)] = np.concatenate(weights)
        return Query(columns=all_columns, blocks=blocks)

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
        width = settings.text_features
        idf = compiled.stacked_idf
        similarity = self._rows.text.similarity(
            query.columns,
            query.vector * idf[query.columns],
            query.columns // width,
            compiled.norms,
        )
        numbers = compiled.numbers
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
            "code_experience": ft.code_experience(
                compiled.experience,
                compiled.undated,
                self._code_vocab,
                (*task.required_codes, *task.nice_to_have_codes),
                self.taxonomy,
                settings,
                today,
            ),
            "products": ft.column_sum(compiled.products, self._product_vocab, products)
            / max(len(products), 1),
            "same_buyer": ft.column_sum(
                compiled.buyers, self._buyer_vocab, [task.buyer] if task.buyer else []
            ),
            "price_fit": ft.price_fit(numbers, task, settings),
            **compiled.static,
            **self._contribution_columns(compiled, task, today),
        }
        weights = np.asarray(settings.weights.as_array())
        merit = np.zeros(n)
        term = np.empty(n)
        for name, weight in zip(FEATURES, weights.tolist(), strict=True):
            if weight:  # in place: the same sums in the same order, without a new array each
                np.multiply(columns[name], weight, out=term)
                merit += term
        capacity_ok, capacity_unknown = ft.capacity_check(numbers, task, today)
        eligible = (numbers[:, ft.COL["eligible"]] > 0) & capacity_ok
        fairness = np.zeros(n)
        if exposure is not None and settings.fairness_strength:
            ledger = exposure if isinstance(exposure, ExposureLedger) else ExposureLedger(exposure)
            fairness = fair_correction(
                merit, ledger.array(self._ids), eligible, settings.fairness_strength
            )
        return ScoreTable(
            vendor_ids=self._ids,
            columns=columns,
            weights=weights,
            fairness=fairness,
            score=merit + fairness,
            eligible=eligible,
            capacity_ok=capacity_ok,
            capacity_unknown=capacity_unknown,
            sme=numbers[:, ft.COL["sme"]] > 0,
        )

    def fair_minimums(
        self,
        table: ScoreTable,
        exposure: ExposureLedger | Mapping[int, float] | None = None,
        candidates: np.ndarray | None = None,
    ) -> np.ndarray:
        """Minimum SMEs per prefix for this task: the ledger's recorded lists set the floor
        and, with `fairness.LIFT_PRICE` > 0 (off by default), SMEs cheap to lift in this list
        are lifted (`fairness.fair_count`). `candidates`: `fairness.fair_candidates` of the
        table, if known."""
        ledger = exposure if isinstance(exposure, ExposureLedger) else None
        share = self.settings.fair_share * table.sme_pool_share()
        depth = self.settings.fair_depth
        natural, costs = 0, None
        if LIFT_PRICE > 0 and share > 0 and table.sme is not None:
            if candidates is None:
                candidates = fair_candidates(
                    table.key(), table.vendor_ids, table.eligible, table.sme, depth
                )
            # The candidates are eligible: their key is their score.
            natural, costs = lift_costs(table.score, table.sme, candidates, depth)
        return fair_minimums(
            share,
            depth,
            ledger.places if ledger else 0,
            ledger.sme_places if ledger else 0,
            natural=natural,
            costs=costs,
            price=LIFT_PRICE,
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
        `settings.explain_top` places. With `settings.fair_share` > 0 the first
        `settings.fair_depth` eligible places hold a minimum number of SMEs (rank-only: scores
        are unchanged; an SME placed above a higher score carries `FAIR_SHARE_NOTE`). Pass an
        `ExposureLedger` and record each shown list with `ledger.record_matches(matches)` to
        amortise that minimum over time.
        """
        table = self.score(task, exposure=exposure, today=today)
        candidates = None
        if LIFT_PRICE > 0 and self.settings.fair_share > 0 and table.sme is not None:
            candidates = fair_candidates(
                table.key(), table.vendor_ids, table.eligible, table.sme, self.settings.fair_depth
            )
        minimums = self.fair_minimums(table, exposure, candidates)
        order, moved = table.fair_order(minimums, top, candidates)
        moved_rows = set(moved.tolist())
        explain_top = self.settings.explain_top
        terms = self._shared_terms(task, order[:explain_top])
        memo, depths = self._code_memos()
        # The returned rows' values as Python numbers, read once (not cell by cell).
        weights = table.weights.tolist()
        rows = order.tolist()
        features = table.rows(order).tolist()
        fairness = table.fairness[order].tolist()
        ids = table.vendor_ids[order].tolist()
        profile_eligible = (self._compile().numbers[order, ft.COL["eligible"]] > 0).tolist()
        eligible = table.eligible[order].tolist()
        capacity_ok = table.capacity_ok[order].tolist()
        capacity_unknown = table.capacity_unknown[order].tolist()
        sme = table.sme[order].tolist() if table.sme is not None else [False] * len(rows)
        matches = []
        for i, row in enumerate(rows):
            explain = i < explain_top
            # What explanations read is decoded only for the explained and excluded vendors.
            vendor = self._vendors.explained(ids[i]) if explain or not profile_eligible[i] else None
            contributions = dict(
                zip(
                    FEATURES,
                    [f * w for f, w in zip(features[i], weights, strict=True)],
                    strict=True,
                )
            )
            contributions["fair_rotation"] = fairness[i]
            reasons = list(vendor.ineligible_reasons if vendor and not profile_eligible[i] else ())
            if not capacity_ok[i]:
                reasons.append(NO_CAPACITY)
            notes: tuple[str, ...] = (CAPACITY_UNKNOWN,) if capacity_unknown[i] else ()
            if row in moved_rows:
                notes = (*notes, FAIR_SHARE_NOTE)
            if contributions.get("contributed_product", 0.0) > 0:
                notes = (*notes, contrib.CONTRIBUTION_NOTE)
            explained = vendor if explain else None
            matches.append(
                Match(
                    rank=i + 1,
                    vendor_id=ids[i],
                    score=math.fsum(contributions.values()),
                    eligible=eligible[i],
                    reasons=tuple(reasons),
                    contributions=contributions,
                    matched_codes=self.matched_codes(task, explained, memo) if explained else (),
                    top_terms=terms.get(row, ()) if explain else (),
                    notes=notes,
                    sme=sme[i],
                    won_in_area=won_in_area(task, explained, self.taxonomy, depths)
                    if explained
                    else (),
                )
            )
        return matches

    def _code_memos(
        self,
    ) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], int | None]]:
        """The closeness and depth memos, emptied when the decays change or they grow large."""
        decays = (self.settings.vendor_narrower_decay, self.settings.vendor_broader_decay)
        if decays != self._memo_decays or len(self._closeness_memo) + len(self._depth_memo) > MEMO:
            self._memo_decays = decays
            self._closeness_memo, self._depth_memo = {}, {}
        return self._closeness_memo, self._depth_memo

    def _contribution_columns(
        self, compiled: _Compiled, task: TaskProfile, today: dt.date
    ) -> dict[str, np.ndarray]:
        """The contribution features (rebuilt with the compiled index, i.e. after changes)."""
        if self._contributions is None or self._contributions[0] is not compiled:
            vendors = [_Contributions(self._vendors.contributions(int(i))) for i in self._ids]
            self._contributions = (compiled, contrib.ContributionTable.build(vendors))
        table = self._contributions[1]
        return contrib.feature_columns(table, len(self._ids), task, today, self.settings)

    # -- explanations ---------------------------------------------------------------------

    def matched_codes(
        self,
        task: TaskProfile,
        vendor: VendorProfile | Explained,
        memo: dict[tuple[str, str], float] | None = None,
    ) -> tuple[tuple[str, str, float], ...]:
        """(task code, the vendor's closest code, closeness) for every task code it touches.

        `memo` keeps each (task code, vendor code) closeness across the vendors of one ranking.
        """
        memo = {} if memo is None else memo
        vendor_codes = sorted(set(vendor.codes) | set(vendor.past_codes))
        found = []
        for task_code in (*task.required_codes, *task.nice_to_have_codes):
            best, best_code = 0.0, ""
            for code in vendor_codes:
                value = memo.get((task_code, code))
                if value is None:
                    value = memo[(task_code, code)] = self.taxonomy.closeness(
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
        position = int(np.searchsorted(self._ids, vendor.id))
        if position >= len(self._ids) or self._ids[position] != vendor.id:
            return ()
        rows = np.asarray([position])
        return self._term_table(task_terms, rows, limit).get(position, ())

    def _shared_terms(self, task: TaskProfile, rows: np.ndarray) -> dict[int, tuple[str, ...]]:
        return self._term_table(Counter(self._analyze(task.text)), rows)

    def _term_table(
        self, task_terms: Counter[str], rows: np.ndarray, limit: int = 5
    ) -> dict[int, tuple[str, ...]]:
        """Row -> the task's words found in that vendor's texts, rarest first.

        A word is in a vendor's texts when its hashed column is set in the vendor's word counts
        (profile or past tasks); hashing is the vectorizer's, so no text needs to be kept.
        """
        if not task_terms or len(rows) == 0:
            return {}
        idf = self._compile().idf
        width = self.settings.text_features
        words = sorted(w for w in task_terms if explainable(w))
        if not words:
            return {}
        columns = np.asarray([abs(murmurhash3_32(w, seed=0)) % width for w in words])
        weights = np.maximum(idf["profile_word"][columns], idf["past_word"][columns])
        weights = weights * (1 + np.log([task_terms[w] for w in words]))
        blocks = list(TEXT_BLOCKS)
        # Rarest first (ties by the word): one order for every row; words of weight 0 (in
        # more than max_df of the vendors) are never shown and not looked up.
        order = sorted(range(len(words)), key=lambda j: (-float(weights[j]), words[j]))
        order = [j for j in order if weights[j] > 0]
        wanted = np.asarray(rows, dtype=np.int64)
        # Only the explained rows are looked up: a binary search per (row, word) in the
        # word's column of both word blocks; no vendor outside `rows` is touched. Rarest words
        # first, in rounds (`TERM_BATCH`): most rows find their `limit` words among the first
        # few, and the common words' long columns are read only for the rows still short.
        hits: list[list[int]] = [[] for _ in range(len(wanted))]
        short = np.arange(len(wanted))
        start, batch = 0, TERM_BATCH
        while len(short) and start < len(order):
            chunk = np.asarray(order[start : start + batch], dtype=np.int64)
            both = np.concatenate(
                [
                    columns[chunk] + blocks.index(block) * width
                    for block in ("profile_word", "past_word")
                ]
            )
            found = self._rows.text.contains(wanted[short], both)
            ranked = found[:, : len(chunk)] | found[:, len(chunk) :]
            for i, j in zip(*np.nonzero(ranked), strict=True):
                hits[short[i]].append(start + int(j))
            short = short[[len(hits[i]) < limit for i in short.tolist()]]
            start, batch = start + len(chunk), batch * 4
        return {
            int(row): tuple(words[order[j]] for j in hits[i][:limit])
            for i, row in enumerate(wanted.tolist())
        }

    # -- persistence ----------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The fitted index as bytes: NumPy arrays and one JSON header (`np.savez`, no pickle).

        `from_bytes(index.to_bytes())` ranks exactly like `index`. The header carries the
        format name and the settings' `model_version`, to store next to the bytes as the key.
        """
        rows = self._rows
        arrays: dict[str, np.ndarray] = {"ids": self._ids, "numbers": rows.numbers}
        arrays.update(rows.text.to_arrays("text"))
        for name in SPARSE_ROWS:
            matrix = getattr(rows, name)
            arrays[f"{name}_data"] = matrix.data
            arrays[f"{name}_indices"] = matrix.indices
            arrays[f"{name}_indptr"] = matrix.indptr
            arrays[f"{name}_shape"] = np.asarray(matrix.shape, dtype=np.int64)
        header = {
            "format": FORMAT,
            "model_version": self.settings.model_version,
            "settings": dataclasses.asdict(self.settings),
            "parents": self.taxonomy.parents,
            "vocabularies": {
                name: list(getattr(self, f"_{name}_vocab").columns)
                for name in ("code", "product", "buyer")
            },
            "contributions": self._vendors.contribution_records(),
        }
        # What the index keeps of each vendor, as stored (compressed JSON), in id order.
        kept = [self._vendors.packed(int(i)) for i in self._ids.tolist()]
        arrays["kept_lengths"] = np.asarray([len(k) for k in kept], dtype=np.int64)
        arrays["kept"] = np.frombuffer(b"".join(kept), dtype=np.uint8)
        del kept
        arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        buffer = io.BytesIO()
        np.savez(buffer, allow_pickle=False, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Index:
        """An index saved by `to_bytes` (objects are never unpickled)."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            header = json.loads(arrays.pop("header").tobytes().decode())
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            raise ValueError(f"not a readable {FORMAT} index: {error}") from error
        if header.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} index: {header.get('format')!r}")
        settings = _settings_from_dict(header["settings"])
        if settings.model_version != header["model_version"]:
            raise ValueError("stored settings do not match their model version")
        index = cls(settings, header["parents"])
        for name, keys in header["vocabularies"].items():
            getattr(index, f"_{name}_vocab").columns = {key: i for i, key in enumerate(keys)}

        def matrix(name: str, kind: type) -> sp.spmatrix:
            shape = tuple(int(v) for v in arrays[f"{name}_shape"])
            parts = (arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"])
            return kind(parts, shape=shape)

        index._ids = arrays["ids"].astype(np.int64)
        index._rows = _Rows(
            text=TermCounts.from_arrays(arrays, "text"),
            numbers=arrays["numbers"],
            **{name: matrix(name, sp.csr_matrix) for name in SPARSE_ROWS},
        )
        lengths = arrays["kept_lengths"].astype(np.int64)
        kept = arrays["kept"].tobytes()
        if len(lengths) != len(index._ids) or int(lengths.sum()) != len(kept):
            raise ValueError("inconsistent stored vendor records")
        if len(index._ids) != index._rows.text.shape[0] or len(index._rows.numbers) != len(
            index._ids
        ):
            raise ValueError("inconsistent stored vendor rows")
        ends = np.cumsum(lengths).tolist()
        try:
            for vendor_id, start, end in zip(
                index._ids.tolist(), [0, *ends[:-1]], ends, strict=True
            ):
                index._vendors.put_packed(vendor_id, kept[start:end])
            index._vendors.put_contribution_records(header.get("contributions") or {})
        except (ValueError, KeyError, TypeError, zlib.error) as error:
            raise ValueError(f"unreadable stored vendor records: {error}") from error
        return index


def won_in_area(
    task: TaskProfile,
    vendor: VendorProfile | Explained,
    taxonomy: Taxonomy,
    memo: dict[tuple[str, str], int | None] | None = None,
) -> tuple[tuple[str, int, int], ...]:
    """For each task code: the narrowest node of its chain under which the vendor won dated
    tasks, as (code, how many, year of the first). Undated awards are not counted here.

    `memo` keeps, per (task code, award code), the depth in the task code's chain of their
    nearest common node (None: none), across vendors and rankings."""
    memo = {} if memo is None else memo
    found: dict[str, tuple[str, int, int]] = {}
    if isinstance(vendor, Explained):  # the stored records: no `PastAward` made
        dated = vendor.dated_awards()
    else:
        dated = [(a.date.year, a.codes) for a in vendor.past_awards if a.date is not None]
    if not dated:
        return ()
    for task_code in (*task.required_codes, *task.nice_to_have_codes):
        chain = taxonomy.chain(task_code)
        depth: dict[str, int] | None = None
        best: int | None = None
        won: list[int] = []
        for year, codes in dated:
            level: int | None = None
            for code in codes:
                key = (task_code, code)
                if key in memo:
                    step = memo[key]
                else:
                    if depth is None:
                        depth = {node: i for i, node in enumerate(chain)}
                    steps = [depth[n] for n in taxonomy.chain(code) if n in depth]
                    step = memo[key] = min(steps) if steps else None
                if step is not None and (level is None or step < level):
                    level = step
            if level is None:
                continue
            if best is None or level < best:
                best, won = level, [year]
            elif level == best:
                won.append(year)
        if best is not None:
            node = display_code(chain[best])
            found.setdefault(node, (node, len(won), min(won)))
    return tuple(found.values())


def _settings_from_dict(values: dict[str, object]) -> Settings:
    """Settings from `dataclasses.asdict` output that went through JSON (lists back to tuples)."""
    fields = {f.name for f in dataclasses.fields(Settings)}
    unknown = set(values) - fields
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    converted: dict[str, object] = {}
    for name, value in values.items():
        if name == "weights":
            assert isinstance(value, dict)
            converted[name] = Weights.from_mapping(value)
        elif isinstance(value, list):
            converted[name] = tuple(value)
        else:
            converted[name] = value
    return Settings(**converted)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Contributions:
    contributions: tuple[Contribution, ...]


def _widen(matrix: sp.csr_matrix, width: int) -> sp.csr_matrix:
    if matrix.shape[1] == width:
        return matrix
    return sp.csr_matrix(
        (matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], width)
    )


def _in_id_order(vendors: Sequence[VendorProfile]) -> Iterator[VendorProfile]:
    """The vendors by id, the last of each id only (the sequence is not copied)."""
    order = sorted(range(len(vendors)), key=lambda i: vendors[i].id)  # stable: later ones last
    for k, i in enumerate(order):
        if k + 1 == len(order) or vendors[order[k + 1]].id != vendors[i].id:
            yield vendors[i]


_malloc_trim: list[Callable[[int], int] | None] = []


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's `malloc_trim`; elsewhere
    nothing). A build frees each segment's transient arrays and profiles between long-lived
    ones, and glibc keeps such holes resident (30,000 bench vendors: RSS after the build 590
    MB without, 431 MB with; the weighting's 541 -> 472 MB). About 10 ms a call."""
    if not _malloc_trim:
        try:
            _malloc_trim.append(ctypes.CDLL("libc.so.6").malloc_trim)
        except (OSError, AttributeError):
            _malloc_trim.append(None)
    trim = _malloc_trim[0]
    if trim is not None:
        trim(0)
