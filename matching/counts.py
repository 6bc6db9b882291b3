"""Every vendor's hashed term counts, stored in row segments of two bytes per stored term.

The counts (vendors x text columns, uint8, capped at 255) are kept column by column (CSC) in
segments of at most `SEGMENT_ROWS` vendors. Inside a segment a stored term is one uint16: the
vendor's row within the segment (13 bits) and its count (3 bits); a count of 7 or more is
marked 7 and kept exactly in the segment's small overflow table. So a stored term takes two
bytes instead of five (int32 row number and uint8 count), and an update rebuilds only the
segments it touches. Nothing is approximated: `to_csc` gives back the exact counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

SEGMENT_ROWS = 8192  # rows per segment at most: a row within a segment takes 13 bits
ROW_SHIFT = 3
COUNT_MASK = 7  # a stored 7 means "7 or more": the exact count is in the overflow table
NORM_ROWS = 2048  # rows summed at once by `block_norms`

# Sublinear term frequency (1 + log count) by count; counts are stored as uint8 (capped at 255).
SUBLINEAR = np.concatenate([[0.0], 1.0 + np.log(np.arange(1, 256))]).astype(np.float32)


@dataclass
class Segment:
    """Up to `SEGMENT_ROWS` consecutive rows of the count matrix."""

    rows: int
    indptr: np.ndarray  # int32 or int64, one entry per column + 1
    codes: np.ndarray  # uint16: row within the segment << 3 | min(count, 7); rows sorted per column
    big_keys: np.ndarray  # int64 column * SEGMENT_ROWS + row, sorted: the entries marked 7
    big_counts: np.ndarray  # uint8: their exact counts

    @classmethod
    def from_csc(cls, matrix: sp.csc_matrix) -> Segment:
        """A segment from a CSC matrix of uint8 counts with at most `SEGMENT_ROWS` rows."""
        rows = matrix.shape[0]
        if rows > SEGMENT_ROWS:
            raise ValueError(f"a segment holds at most {SEGMENT_ROWS} rows, not {rows}")
        matrix = matrix.tocsc()
        matrix.sum_duplicates()
        matrix.sort_indices()
        counts = np.asarray(matrix.data, dtype=np.uint8)
        codes = np.asarray(matrix.indices, dtype=np.uint16)  # the row within the segment
        big = np.flatnonzero(counts >= COUNT_MASK)
        column_of = np.searchsorted(matrix.indptr, big, side="right") - 1
        big_keys = column_of.astype(np.int64) * SEGMENT_ROWS + codes[big]
        codes <<= ROW_SHIFT
        codes |= np.minimum(counts, COUNT_MASK)
        indptr = np.asarray(matrix.indptr)
        indptr = indptr.astype(np.int32 if indptr[-1] < np.iinfo(np.int32).max else np.int64)
        return cls(rows=rows, indptr=indptr, codes=codes, big_keys=big_keys, big_counts=counts[big])

    @property
    def columns(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def side_by_side(cls, parts: Sequence[Segment]) -> Segment:
        """One segment of the parts' columns side by side (the parts have the same rows)."""
        offsets = np.cumsum([0] + [len(p.codes) for p in parts])
        firsts = np.cumsum([0] + [p.columns for p in parts])
        indptr = np.concatenate(
            [p.indptr[:-1].astype(np.int64) + o for p, o in zip(parts, offsets, strict=False)]
            + [np.asarray([offsets[-1]], dtype=np.int64)]
        )
        indptr = indptr.astype(np.int32 if indptr[-1] < np.iinfo(np.int32).max else np.int64)
        return cls(
            rows=parts[0].rows if parts else 0,
            indptr=indptr,
            codes=np.concatenate([p.codes for p in parts]).astype(np.uint16, copy=False),
            big_keys=np.concatenate(
                [p.big_keys + int(f) * SEGMENT_ROWS for p, f in zip(parts, firsts, strict=False)]
            ).astype(np.int64, copy=False),
            big_counts=np.concatenate([p.big_counts for p in parts]).astype(np.uint8, copy=False),
        )

    def counts(self) -> np.ndarray:
        """The exact uint8 count of every stored entry, in storage order."""
        counts = (self.codes & COUNT_MASK).astype(np.uint8)
        counts[counts == COUNT_MASK] = self.big_counts  # same order: both sorted by column, row
        return counts

    def to_csc(self) -> sp.csc_matrix:
        local = (self.codes >> ROW_SHIFT).astype(np.int32)
        return sp.csc_matrix((self.counts(), local, self.indptr), shape=(self.rows, self.columns))

    def gather(self, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row within the segment, exact count, position in `columns`) of every stored entry
        in the given columns."""
        starts = self.indptr[columns].astype(np.int64)
        lengths = self.indptr[columns + 1].astype(np.int64) - starts
        total = int(lengths.sum())
        if total == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, np.zeros(0, dtype=np.uint8), empty
        ends = np.cumsum(lengths)
        positions = np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)
        codes = self.codes[positions]
        local = (codes >> ROW_SHIFT).astype(np.int64)
        counts = (codes & COUNT_MASK).astype(np.uint8)
        which = np.repeat(np.arange(len(columns), dtype=np.int64), lengths)
        big = np.flatnonzero(counts == COUNT_MASK)
        if len(big):
            keys = columns[which[big]].astype(np.int64) * SEGMENT_ROWS + local[big]
            counts[big] = self.big_counts[np.searchsorted(self.big_keys, keys)]
        return local, counts, which

    @property
    def nbytes(self) -> int:
        return int(
            self.indptr.nbytes + self.codes.nbytes + self.big_keys.nbytes + self.big_counts.nbytes
        )


class TermCounts:
    """The count matrix of all vendors: a list of row segments (see the module docstring)."""

    def __init__(self, columns: int, segments: Sequence[Segment] = ()) -> None:
        self.columns = columns
        self.segments = [s for s in segments if s.rows]
        self._starts = np.cumsum([0] + [s.rows for s in self.segments]).astype(np.int64)

    @classmethod
    def from_csc(cls, matrix: sp.csc_matrix) -> TermCounts:
        """Counts of any number of rows (cut into full segments)."""
        if matrix.shape[0] <= SEGMENT_ROWS:
            return cls(matrix.shape[1], [Segment.from_csc(matrix)])
        matrix = sp.csr_matrix(matrix)
        segments = [
            Segment.from_csc(matrix[start : start + SEGMENT_ROWS].tocsc())
            for start in range(0, matrix.shape[0], SEGMENT_ROWS)
        ]
        return cls(matrix.shape[1], segments)

    @classmethod
    def concat(cls, parts: Sequence[TermCounts], columns: int) -> TermCounts:
        return cls(columns, [s for p in parts for s in p.segments])

    @property
    def shape(self) -> tuple[int, int]:
        return int(self._starts[-1]), self.columns

    @property
    def nnz(self) -> int:
        return sum(len(s.codes) for s in self.segments)

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.segments)

    def df(self) -> np.ndarray:
        """Document frequency of every column (stored entries; counts are never zero)."""
        df = np.zeros(self.columns, dtype=np.int64)
        for segment in self.segments:
            df += np.diff(segment.indptr)
        return df

    def to_csc(self) -> sp.csc_matrix:
        """The whole matrix (exact counts; for tests and small indexes)."""
        if not self.segments:
            return sp.csc_matrix((0, self.columns), dtype=np.uint8)
        return sp.vstack([s.to_csc() for s in self.segments], format="csc", dtype=np.uint8)

    def block_norms(self, idfs: Sequence[np.ndarray]) -> np.ndarray:
        """Each row's TF-IDF length per block (blocks of equal width, side by side), 1 when 0.

        Summed a few thousand rows at a time within each block of each segment, every row's
        terms in the same (column) order as one pass over the block would add them, so the
        lengths are the same to the last bit; the transient is about 12 bytes per stored term
        of one block of one segment, not 40 bytes per stored term of the segment."""
        n, blocks = self.shape[0], len(idfs)
        width = self.columns // blocks
        norms = np.ones((n, blocks), dtype=np.float32)
        for start, segment in zip(self._starts, self.segments, strict=False):
            taken = 0
            for j, idf in enumerate(idfs):
                lo = int(segment.indptr[j * width])
                hi = int(segment.indptr[(j + 1) * width])
                lengths = np.diff(segment.indptr[j * width : (j + 1) * width + 1])
                codes = segment.codes[lo:hi]
                counts = (codes & COUNT_MASK).astype(np.uint8)
                big = np.flatnonzero(counts == COUNT_MASK)
                # The exact counts of the entries marked 7: the overflow table is in storage
                # order, and the blocks are read in storage order.
                counts[big] = segment.big_counts[taken : taken + len(big)]
                taken += len(big)
                weights = SUBLINEAR[counts] * np.repeat(idf, lengths)
                del counts
                local = codes >> ROW_SHIFT
                squares = np.zeros(segment.rows, dtype=np.float64)
                for part in range(0, segment.rows, NORM_ROWS):
                    at = np.flatnonzero((local >= part) & (local < part + NORM_ROWS))
                    squares += np.bincount(
                        local[at],
                        weights=weights[at].astype(np.float64) ** 2,
                        minlength=segment.rows,
                    )
                length = np.sqrt(squares)
                length[length == 0] = 1.0
                norms[start : start + segment.rows, j] = length
        return norms

    def similarity(
        self, columns: np.ndarray, weights: np.ndarray, block_of: np.ndarray, norms: np.ndarray
    ) -> np.ndarray:
        """Cosine of every row with a query, per block: (rows, blocks).

        `columns` are the query's columns, `weights` their query weight times the column's
        IDF, `block_of` their block. Only those columns' entries are read, weighted by
        sublinear TF and summed per row.
        """
        n, blocks = norms.shape
        summed = np.zeros((blocks, n), dtype=np.float64)
        columns = np.asarray(columns, dtype=np.int64)
        weights = np.asarray(weights, dtype=np.float32)
        block_of = np.asarray(block_of, dtype=np.int64)
        if np.any(np.diff(block_of) < 0):  # each block's columns together, in their order
            order = np.argsort(block_of, kind="stable")
            columns, weights, block_of = columns[order], weights[order], block_of[order]
        bounds = np.searchsorted(block_of, np.arange(blocks + 1))
        for start, segment in zip(self._starts.tolist(), self.segments, strict=False):
            # Every stored entry of the query's columns, in column order: its row within the
            # segment and its weight (sublinear TF times the column's query weight), summed
            # per row block by block. Each (block, row) adds its terms in the same order as
            # one pass over all of them would.
            indptr = segment.indptr
            firsts = indptr[columns].astype(np.int64)
            lengths = indptr[columns + 1].astype(np.int64) - firsts
            ends = np.cumsum(lengths)
            total = int(ends[-1]) if len(ends) else 0
            if total == 0:
                continue
            positions = np.arange(total, dtype=np.int64)
            positions += np.repeat(firsts - (ends - lengths), lengths)
            codes = segment.codes[positions]
            del positions
            values = SUBLINEAR[codes & COUNT_MASK]
            values *= np.repeat(weights, lengths)
            big = np.flatnonzero((codes & COUNT_MASK) == COUNT_MASK)
            local = codes >> ROW_SHIFT
            if len(big):  # the exact counts of the entries marked 7
                which = np.searchsorted(ends, big, side="right")
                keys = columns[which] * SEGMENT_ROWS + local[big]
                exact = segment.big_counts[np.searchsorted(segment.big_keys, keys)]
                values[big] = SUBLINEAR[exact] * weights[which]
            cut = np.concatenate([[0], ends])[bounds]
            for j in range(blocks):
                if cut[j + 1] > cut[j]:
                    summed[j, start : start + segment.rows] = np.bincount(
                        local[cut[j] : cut[j + 1]],
                        weights=values[cut[j] : cut[j + 1]],
                        minlength=segment.rows,
                    )
        scores: np.ndarray = summed.T / norms
        return scores

    def contains(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """(len(rows), len(columns)) booleans: is the term of each column stored for each row.

        A binary search in each (row, column) pair's column, every pair of every segment at
        once (one pass of the loop per halving, not one loop per segment)."""
        rows = np.asarray(rows, dtype=np.int64)
        columns = np.asarray(columns, dtype=np.int64)
        if len(rows) == 0 or len(columns) == 0:
            return np.zeros((len(rows), len(columns)), dtype=bool)
        segment_of = np.searchsorted(self._starts, rows, side="right") - 1
        order = np.argsort(segment_of, kind="stable")  # each segment's pairs together
        segment_of = segment_of[order]
        width = len(columns)
        target = np.repeat(rows[order] - self._starts[segment_of], width)
        lo = np.empty(len(target), dtype=np.int64)
        end = np.empty(len(target), dtype=np.int64)
        spans = []  # (segment, first pair, last pair + 1)
        for k in np.unique(segment_of).tolist():
            first, last = np.searchsorted(segment_of, [k, k + 1]) * width
            indptr = self.segments[k].indptr
            lo[first:last] = np.tile(indptr[columns], (last - first) // width)
            end[first:last] = np.tile(indptr[columns + 1], (last - first) // width)
            spans.append((self.segments[k].codes, int(first), int(last)))
        size = end - lo
        probe = np.zeros(len(target), dtype=np.uint16)

        def read(positions: np.ndarray) -> None:
            for codes, first, last in spans:
                if len(codes):
                    probe[first:last] = codes[np.minimum(positions[first:last], len(codes) - 1)]

        # The first position in each pair's column whose row is >= the target (rows are
        # sorted within a column): halve every pair's range at once until all are empty.
        while size.any():
            half = size >> 1
            mid = lo + half
            read(mid)
            below = ((probe >> ROW_SHIFT) < target) & (size > 0)
            lo = np.where(below, mid + 1, lo)
            size = np.where(below, size - half - 1, half)
        read(lo)
        hit = (lo < end) & ((probe >> ROW_SHIFT) == target)
        found = np.empty((len(rows), width), dtype=bool)
        found[order] = hit.reshape(len(rows), width)
        return found

    def take(self, new: sp.csr_matrix, source: np.ndarray) -> TermCounts:
        """Rows `source` of this matrix stacked on `new` (row i of the result is row
        `source[i]`, counting `new`'s rows after this one's). Rows of this matrix must keep
        their order; a segment whose rows are unchanged is kept as it is, the others are
        rebuilt (and split when they grow past `SEGMENT_ROWS`)."""
        n = self.shape[0]
        source = np.asarray(source, dtype=np.int64)
        old = source < n
        if np.any(np.diff(source[old]) <= 0):
            raise ValueError("rows of the index must keep their order")
        if not self.segments:
            return TermCounts.from_csc(sp.csr_matrix(new)[source - n].tocsc())
        # Each result row belongs to the segment of the nearest old row at or before it
        # (new rows before every old row go to the first segment).
        label = np.full(len(source), -1, dtype=np.int64)
        label[old] = np.searchsorted(self._starts, source[old], side="right") - 1
        label = np.maximum.accumulate(label)
        label[label < 0] = 0
        new = sp.csr_matrix(new)
        segments: list[Segment] = []
        bounds = np.searchsorted(label, np.arange(len(self.segments) + 1))
        for k, segment in enumerate(self.segments):
            mine = source[bounds[k] : bounds[k + 1]]
            start = int(self._starts[k])
            if len(mine) == segment.rows and np.array_equal(
                mine, np.arange(start, start + segment.rows)
            ):
                segments.append(segment)
                continue
            if len(mine) == 0:
                continue
            both = sp.vstack(
                [segment.to_csc().tocsr(), _widen(new, self.columns)], format="csr", dtype=np.uint8
            )
            pick = np.where(mine < n, mine - start, segment.rows + (mine - n))
            rows = both[pick]
            size = SEGMENT_ROWS if rows.shape[0] <= SEGMENT_ROWS else SEGMENT_ROWS // 2
            for cut in range(0, rows.shape[0], size):
                segments.append(Segment.from_csc(rows[cut : cut + size].tocsc()))
        return TermCounts(self.columns, segments)

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The segments as flat arrays (for `np.savez`)."""
        segments = self.segments
        return {
            f"{prefix}_columns": np.asarray([self.columns], dtype=np.int64),
            f"{prefix}_rows": np.asarray([s.rows for s in segments], dtype=np.int64),
            f"{prefix}_nnz": np.asarray([len(s.codes) for s in segments], dtype=np.int64),
            f"{prefix}_big": np.asarray([len(s.big_keys) for s in segments], dtype=np.int64),
            f"{prefix}_indptr": _join([s.indptr.astype(np.int64) for s in segments], np.int64),
            f"{prefix}_codes": _join([s.codes for s in segments], np.uint16),
            f"{prefix}_big_keys": _join([s.big_keys for s in segments], np.int64),
            f"{prefix}_big_counts": _join([s.big_counts for s in segments], np.uint8),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> TermCounts:
        columns = int(arrays[f"{prefix}_columns"][0])
        rows = arrays[f"{prefix}_rows"]
        nnz = np.cumsum([0, *arrays[f"{prefix}_nnz"]])
        big = np.cumsum([0, *arrays[f"{prefix}_big"]])
        segments = []
        for k, count in enumerate(rows):
            indptr = arrays[f"{prefix}_indptr"][k * (columns + 1) : (k + 1) * (columns + 1)]
            if indptr[-1] != nnz[k + 1] - nnz[k]:
                raise ValueError("inconsistent stored term counts")
            indptr = indptr.astype(np.int32 if indptr[-1] < np.iinfo(np.int32).max else np.int64)
            segments.append(
                Segment(
                    rows=int(count),
                    indptr=indptr,
                    codes=arrays[f"{prefix}_codes"][nnz[k] : nnz[k + 1]].astype(np.uint16),
                    big_keys=arrays[f"{prefix}_big_keys"][big[k] : big[k + 1]].astype(np.int64),
                    big_counts=arrays[f"{prefix}_big_counts"][big[k] : big[k + 1]].astype(np.uint8),
                )
            )
        return cls(columns, segments)


def _join(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


def _widen(matrix: sp.csr_matrix, width: int) -> sp.csr_matrix:
    if matrix.shape[1] == width:
        return matrix
    return sp.csr_matrix(
        (matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], width)
    )
