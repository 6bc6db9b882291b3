"""Every vendor's hashed term counts, stored in row segments of about 1.6 bytes per term.

The counts (vendors x text columns, uint8, capped at 255) are kept column by column (CSC) in
segments of at most `SEGMENT_ROWS` (8,192) vendors. Inside a segment a stored term (an entry)
is kept in three parts, none of them approximated (`to_csc` gives back the exact counts):

- `low`: the low 8 bits of its row within the segment, one byte per entry;
- `high`: the rows' high bits, coded per column in unary: a segment of `buckets` groups of 256
  rows gives every column `entries + buckets` bits, starting at bit
  `column start + buckets * column`: for each bucket in turn, a one per entry in it and a zero
  to close it (so an entry's bucket is the number of zeros before its one);
- `tally`: its count in two bits (four entries a byte): count - 1 up to 3, and 3 for counts of
  4 or more, whose exact counts are in the segment's small overflow table (`big_at`, the
  entries' positions, and `big_counts`).

Entries are in column order and, within a column, in row order; the column starts are a full
offset every 8 columns (`marks`) and a uint16 from it per column (`offsets`). So the 2,279
character n-grams and 857 words of a realistic vendor take about 1.6 bytes each (1 + 0.25 + the
unary bits + the overflow) and 2.5 bytes a column per segment, where two bytes per term (a
13-bit row and a 3-bit count) and four bytes a column were kept before; an update rebuilds
only the segments it touches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

SEGMENT_ROWS = 8192  # rows per segment at most: a row within a segment takes 13 bits
ROW_LIMIT = 8192  # what the encoding itself holds (32 buckets of 256 rows)
LOW_BITS = 8
BUCKET_ROWS = 1 << LOW_BITS
MARK_SHIFT = 3  # a full column start every 8 columns; the others as uint16 from it
MARK_EVERY = 1 << MARK_SHIFT
BIG = 3  # a tally of 3 means "4 or more": the exact count is in the overflow table
PIECE_ENTRIES = 1 << 18  # entries decoded at once by whole-segment passes
ENCODE_ENTRIES = 1 << 18  # entries encoded at once (about 40 bytes each while encoded)
PIECE_COLUMNS = 1 << 13  # columns decoded at once by whole-segment passes

# Sublinear term frequency (1 + log count) by count; counts are stored as uint8 (capped at 255).
SUBLINEAR = np.concatenate([[0.0], 1.0 + np.log(np.arange(1, 256))]).astype(np.float32)


def _ranges(starts: np.ndarray, lengths: np.ndarray, total: int) -> np.ndarray:
    """The positions start, start + 1, ..., start + length - 1 of every range, in order."""
    ends = np.cumsum(lengths)
    positions = np.arange(total, dtype=np.int64)
    positions += np.repeat(starts - (ends - lengths), lengths)
    return positions


def _pack_tally(values: np.ndarray) -> np.ndarray:
    """Values 0..3, four to a byte (the first in the low bits)."""
    padded = np.zeros((len(values) + 3) // 4 * 4, dtype=np.uint8)
    padded[: len(values)] = values
    quads = padded.reshape(-1, 4)
    packed: np.ndarray = quads[:, 0] | (quads[:, 1] << 2) | (quads[:, 2] << 4) | (quads[:, 3] << 6)
    return packed


# Masks keeping a byte's bits from bit i on, and up to bit i.
_HEAD_MASK = np.asarray([(0xFF << i) & 0xFF for i in range(8)], dtype=np.uint8)
_TAIL_MASK = np.asarray([0xFF >> (7 - i) for i in range(8)], dtype=np.uint8)
# Zero bits of each byte value, and where its k-th zero bit is (8: none).
_ZEROS = np.asarray([8 - bin(b).count("1") for b in range(256)], dtype=np.int32)
_SELECT0 = np.asarray(
    [
        [([i for i in range(8) if not (b >> i) & 1] + [8] * 8)[k] for k in range(8)]
        for b in range(256)
    ],
    dtype=np.int64,
)


def _read_tally(tally: np.ndarray, positions: np.ndarray) -> np.ndarray:
    return _tally_values(tally[positions >> 2], positions)


def _tally_values(quads: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The 2-bit values at `positions` from their bytes (`tally[positions >> 2]`), in place."""
    quads >>= (positions.astype(np.uint8) & 3) << 1
    quads &= 3
    return quads


def _or_bits(target: np.ndarray, at: int, bits: np.ndarray) -> None:
    """OR a little-bit-order stream into `target` from bit `at` on (its padding bits are 0)."""
    first, shift = at >> 3, at & 7
    size = min(len(bits), len(target) - first)
    if shift == 0:
        target[first : first + size] |= bits[:size]
        return
    target[first : first + size] |= bits[:size] << np.uint8(shift)
    size = min(len(bits), len(target) - first - 1)
    target[first + 1 : first + 1 + size] |= bits[:size] >> np.uint8(8 - shift)


def _offset_type(largest: int) -> type:
    return np.int32 if largest < np.iinfo(np.int32).max else np.int64


def _split_starts(indptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(marks, offsets): the column starts as a full start every 8 columns and uint16 from it."""
    indptr = np.asarray(indptr, dtype=np.int64)
    marks = indptr[::MARK_EVERY]
    offsets = indptr - np.repeat(marks, MARK_EVERY)[: len(indptr)]
    if len(offsets) and int(offsets.max()) > np.iinfo(np.uint16).max:
        raise ValueError("more than 65,535 entries in 7 columns of a segment")
    return marks.astype(_offset_type(int(indptr[-1]))), offsets.astype(np.uint16)


def _search_low(
    lows: Sequence[np.ndarray],
    bounds: Sequence[int],
    lo: np.ndarray,
    hi: np.ndarray,
    wanted: np.ndarray,
) -> np.ndarray:
    """Is `wanted[i]` among `low[lo[i]:hi[i]]` (sorted there)? Pairs come grouped by segment:
    pairs `bounds[k]` up to `bounds[k + 1]` (or the end) search `lows[k]`. One vectorised
    binary search for every segment's pairs at once: each step reads each segment's bytes with
    one index, the rest of the step is shared."""
    ends = [*bounds[1:], len(lo)]
    last = np.zeros(len(lo), dtype=np.int64)  # each pair's segment's last entry
    for low, start, end in zip(lows, bounds, ends, strict=True):
        last[start:end] = len(low) - 1
    value = np.empty(len(lo), dtype=np.uint8)

    def read(positions: np.ndarray) -> np.ndarray:
        capped = np.minimum(positions, last)
        for low, start, end in zip(lows, bounds, ends, strict=True):
            value[start:end] = low[capped[start:end]]
        return value

    size = hi - lo
    while size.any():
        half = size >> 1
        middle = lo + half
        below = (read(middle) < wanted) & (size > 0)
        lo = np.where(below, middle + 1, lo)
        size = np.where(below, size - half - 1, half)
    found: np.ndarray = (lo < hi) & (read(lo) == wanted)
    return found


def _bucket_bounds(
    segments: Sequence[Segment], rows: Sequence[np.ndarray], columns: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each segment k, each of its rows `rows[k]` (within the segment) and each column in
    turn: the first and past-the-last entry of the row's bucket in the column (positions among
    segment k's entries) and the row's low byte: what `_search_low` then searches.

    The bucket's ends come from the column's unary bits a byte at a time (zeros counted per
    byte, the bucket's closing zeros picked out of their bytes). All segments go at once:
    column j of segment k is column k x width + j of one set, only the reading of each
    segment's column starts and unary bytes is done per segment. Segments need entries."""
    width = len(columns)
    starts = np.concatenate([s.starts(columns) for s in segments])
    lengths = np.concatenate([s.starts(columns + 1) for s in segments]) - starts
    buckets = np.repeat(np.asarray([s.buckets for s in segments], dtype=np.int64), width)
    first = starts + buckets * np.tile(columns, len(segments))  # each column's first bit
    last = first + lengths + buckets - 1  # and its last
    sizes = (last >> 3) - (first >> 3) + 1
    ends = np.cumsum(sizes)
    begins = ends - sizes
    positions = _ranges(first >> 3, sizes, int(ends[-1]))
    cuts = [0, *ends[width - 1 :: width].tolist()]  # each segment's bytes among them
    gathered = np.concatenate(
        [s.high[positions[cuts[k] : cuts[k + 1]]] for k, s in enumerate(segments)]
    )
    # The bits of neighbouring columns in the first and last bytes count as ones.
    gathered[begins] |= np.invert(_HEAD_MASK[first & 7])
    gathered[ends - 1] |= np.invert(_TAIL_MASK[last & 7])
    zeros = np.cumsum(_ZEROS[gathered], dtype=np.int64)  # zeros up to each byte's end
    before = zeros[begins] - _ZEROS[gathered[begins]]  # zeros of earlier columns
    column_bit = 8 * begins + (first & 7)
    counts = np.asarray([len(r) for r in rows], dtype=np.int64)
    row = np.repeat(np.concatenate([np.asarray(r, dtype=np.int64) for r in rows]), width)
    pair = np.repeat(np.arange(len(segments), dtype=np.int64) * width, counts * width)
    pair += np.tile(np.arange(width, dtype=np.int64), int(counts.sum()))
    bucket = row >> LOW_BITS

    def ones_before_zero(nth: np.ndarray) -> np.ndarray:
        """Each pair's column's entries before its nth zero (bucket nth's end)."""
        target = before[pair] + nth + 1
        byte = np.searchsorted(zeros, target)
        rank = target - (zeros[byte] - _ZEROS[gathered[byte]])
        bit = 8 * byte + _SELECT0[gathered[byte], rank - 1]
        ones: np.ndarray = bit - column_bit[pair] - nth
        return ones

    lo = starts[pair]
    end = ones_before_zero(bucket)
    begin = np.where(bucket > 0, ones_before_zero(np.maximum(bucket - 1, 0)), 0)
    return lo + begin, lo + end, (row & (BUCKET_ROWS - 1)).astype(np.uint8)


def _gather(
    segments: Sequence[Segment], columns: np.ndarray, offsets: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`Segment.gather` of several segments at once: (row within its segment, exact count) of
    every stored entry of the given columns, segment by segment, then column by column and
    row by row, and the entries of each (segment, column) pair (`len(segments) * len(columns)`
    of them). Only the reading of each segment's own arrays is done per segment; the decoding
    (tallies, overflow, unary buckets) is one pass over all of them. `offsets`, one per
    (segment, column) pair, are added to the rows of its entries (in the same pass)."""
    columns = np.asarray(columns, dtype=np.int64)
    width = len(columns)
    both = np.concatenate([columns, columns + 1])
    bounds = [s.starts(both) for s in segments]
    starts = np.concatenate([b[:width] for b in bounds])
    lengths = np.concatenate([b[width:] for b in bounds]) - starts
    cuts = [0, *np.cumsum(lengths)[width - 1 :: width].tolist()] if width else [0]
    total = cuts[-1]  # each segment's entries are cuts[k]..cuts[k + 1]
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8), lengths
    positions = _ranges(starts, lengths, total)
    low = np.empty(total, dtype=np.uint8)
    quads = np.empty(total, dtype=np.uint8)
    quarter = positions >> 2
    for k, segment in enumerate(segments):
        if cuts[k + 1] > cuts[k]:
            part = slice(cuts[k], cuts[k + 1])
            np.take(segment.low, positions[part], out=low[part])
            np.take(segment.tally, quarter[part], out=quads[part])
    del quarter
    counts = _tally_values(quads, positions)
    big = np.flatnonzero(counts == BIG)
    counts += 1
    if len(big):
        edges = np.searchsorted(big, cuts).tolist()
        for k, segment in enumerate(segments):
            mine = big[edges[k] : edges[k + 1]]
            if len(mine):
                wanted = positions[mine].astype(segment.big_at.dtype)  # the table uncopied
                counts[mine] = segment.big_counts[np.searchsorted(segment.big_at, wanted)]
    del positions
    local = _buckets(segments, columns, starts, lengths, total, offsets)
    local += low
    return local, counts, lengths


def _buckets(
    segments: Sequence[Segment],
    columns: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    total: int,
    offsets: np.ndarray | None = None,
) -> np.ndarray:
    """The bucket of every entry of the given columns of each segment (as `_gather` orders
    them), from the unary bits, as the row it starts (bucket x 256), plus its pair's offset.

    The bytes holding each column's bits are gathered, the bits before and after the
    column's own masked off, and all unpacked at once: the k-th one is then the k-th
    entry, and its bucket is the number of zeros before it in its column."""
    width = len(columns)
    buckets = np.repeat(np.asarray([s.buckets for s in segments], dtype=np.int64), width)
    first = starts + buckets * np.tile(columns, len(segments))  # each column's first bit
    last = first + lengths + buckets - 1  # and its last
    sizes = (last >> 3) - (first >> 3) + 1
    ends = np.cumsum(sizes)
    positions = _ranges(first >> 3, sizes, int(ends[-1]))
    gathered = np.empty(len(positions), dtype=np.uint8)
    cuts = [0, *ends[width - 1 :: width].tolist()]
    for k, segment in enumerate(segments):
        part = slice(cuts[k], cuts[k + 1])
        np.take(segment.high, positions[part], out=gathered[part])
    del positions
    gathered[ends - sizes] &= _HEAD_MASK[first & 7]
    gathered[ends - 1] &= _TAIL_MASK[last & 7]
    ones = np.flatnonzero(np.unpackbits(gathered, bitorder="little").view(bool))
    # A one's bucket: its bit within its column less the entries before it there, i.e.
    # (its bit - its entry) - (the column's first bit - the column's first entry).
    column_bit = 8 * (ends - sizes) + (first & 7)
    entry = np.cumsum(lengths) - lengths
    ones -= np.arange(total, dtype=np.int64)
    ones <<= LOW_BITS
    shift = -((column_bit - entry) << LOW_BITS)
    if offsets is not None:
        shift += offsets
    ones += np.repeat(shift, lengths)
    return ones


@dataclass
class Chunk:
    """A few consecutive rows of counts (at most 65,535), column by column: each column's
    entry count, and the rows within the chunk (sorted per column) and counts, 3 bytes an
    entry. Built from a text counter's CSR rows at once, so that scipy's 5 bytes an entry
    (and a CSR and a CSC copy of the whole segment) are never held."""

    rows: int
    lengths: np.ndarray  # uint16, one per column
    local: np.ndarray  # uint16
    counts: np.ndarray  # uint8

    @classmethod
    def from_matrix(cls, matrix: sp.spmatrix) -> Chunk:
        csc = sp.csc_matrix(matrix)
        csc.sum_duplicates()
        csc.sort_indices()
        if csc.shape[0] > np.iinfo(np.uint16).max:
            raise ValueError("a chunk holds at most 65,535 rows")
        return cls(
            rows=csc.shape[0],
            lengths=np.diff(csc.indptr).astype(np.uint16),
            local=csc.indices.astype(np.uint16),
            counts=np.asarray(csc.data, dtype=np.uint8),
        )


@dataclass
class Segment:
    """Up to `SEGMENT_ROWS` consecutive rows of the count matrix (see the module docstring)."""

    rows: int
    marks: np.ndarray  # int32 or int64: the start of every 8th column (and of the end)
    offsets: np.ndarray  # uint16, one per column + 1: its start less its mark
    low: np.ndarray  # uint8 per entry: the row within the segment & 255
    high: np.ndarray  # uint8: the unary bucket bits of every column, little bit order
    tally: np.ndarray  # uint8: four 2-bit (count - 1) values a byte, 3 for 4 or more
    big_at: np.ndarray  # int32 or int64: sorted positions of the entries of count 4 or more
    big_counts: np.ndarray  # uint8: their exact counts

    @property
    def columns(self) -> int:
        return len(self.offsets) - 1

    @property
    def buckets(self) -> int:
        """Groups of 256 rows the unary code of each column counts through (at least one)."""
        return (max(self.rows, 1) + BUCKET_ROWS - 1) // BUCKET_ROWS

    @property
    def nnz(self) -> int:
        return len(self.low)

    def starts(self, columns: np.ndarray) -> np.ndarray:
        """The first entry of each given column (or the end, for `self.columns`), as int64."""
        columns = np.asarray(columns, dtype=np.int64)
        starts: np.ndarray = self.marks[columns >> MARK_SHIFT].astype(np.int64)
        starts += self.offsets[columns]
        return starts

    def indptr(self) -> np.ndarray:
        """Every column's start and the end, as int64 (a CSC matrix's indptr)."""
        full = np.repeat(self.marks.astype(np.int64), MARK_EVERY)[: len(self.offsets)]
        full += self.offsets
        return full

    @classmethod
    def encode(
        cls, rows: int, indptr: np.ndarray, local: np.ndarray, counts: np.ndarray
    ) -> Segment:
        """A segment from CSC arrays: column starts, rows within the segment (sorted within
        each column) and counts (1..255). Encoded `ENCODE_ENTRIES` entries at a time."""
        if rows > min(SEGMENT_ROWS, ROW_LIMIT):
            raise ValueError(f"a segment holds at most {SEGMENT_ROWS} rows, not {rows}")
        indptr = np.asarray(indptr, dtype=np.int64)
        nnz, columns = int(indptr[-1]), len(indptr) - 1
        buckets = (max(rows, 1) + BUCKET_ROWS - 1) // BUCKET_ROWS
        marks, offsets = _split_starts(indptr)
        low = np.empty(nnz, dtype=np.uint8)
        tally = np.empty((nnz + 3) // 4, dtype=np.uint8)
        high = np.zeros((nnz + buckets * columns + 7) // 8, dtype=np.uint8)
        big: list[np.ndarray] = []
        for first in range(0, nnz, ENCODE_ENTRIES):  # a multiple of 4 and of 8
            last = min(first + ENCODE_ENTRIES, nnz)
            rows_here = np.asarray(local[first:last], dtype=np.int64)
            counts_here = np.asarray(counts[first:last], dtype=np.uint8)
            low[first:last] = rows_here & (BUCKET_ROWS - 1)
            # count - 1, or 3 for a count of 4 or more or of 0 (uint8: 0 - 1 is 255)
            tallies = np.minimum(counts_here - np.uint8(1), np.uint8(BIG))
            tally[first // 4 : (last + 3) // 4] = _pack_tally(tallies)
            big.append(np.flatnonzero(tallies == BIG) + first)
            # Entry k of column c in bucket h is the one at bit k + buckets * c + h (the
            # positions increase with k): set them a byte at a time.
            entries = np.arange(first, last, dtype=np.int64)
            column_of = np.searchsorted(indptr, entries, side="right") - 1
            bits = entries + buckets * column_of + (rows_here >> LOW_BITS)
            del entries, column_of, rows_here
            byte = bits >> 3
            value = (np.uint8(1) << (bits & 7).astype(np.uint8)).astype(np.uint8)
            firsts = np.flatnonzero(np.concatenate([[True], byte[1:] != byte[:-1]]))
            high[byte[firsts]] |= np.add.reduceat(value, firsts).astype(np.uint8)
        big_at = np.concatenate(big) if big else np.zeros(0, dtype=np.int64)
        return cls(
            rows=rows,
            marks=marks,
            offsets=offsets,
            low=low,
            high=high,
            tally=tally,
            big_at=big_at.astype(_offset_type(nnz)),
            big_counts=np.asarray(counts, dtype=np.uint8)[big_at]
            if len(big_at)
            else np.zeros(0, dtype=np.uint8),
        )

    @classmethod
    def from_csc(cls, matrix: sp.csc_matrix) -> Segment:
        """A segment from a CSC matrix of uint8 counts with at most `SEGMENT_ROWS` rows."""
        matrix = matrix.tocsc()
        matrix.sum_duplicates()
        matrix.sort_indices()
        return cls.encode(matrix.shape[0], matrix.indptr, matrix.indices, matrix.data)

    @classmethod
    def from_chunks(cls, chunks: list[Chunk]) -> Segment:
        """A segment from chunks of consecutive rows (in order), each column by column: the
        chunks are merged into one CSC of uint16 rows and uint8 counts (3 bytes an entry, not
        scipy's 5, and no CSR beside it) and taken from the list as they are merged."""
        rows = sum(c.rows for c in chunks)
        columns = len(chunks[0].lengths) if chunks else 0
        lengths = np.zeros(columns, dtype=np.int64)
        for chunk in chunks:
            lengths += chunk.lengths
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        del lengths
        local = np.empty(int(indptr[-1]), dtype=np.uint16)
        counts = np.empty(int(indptr[-1]), dtype=np.uint8)
        fill = indptr[:-1].copy()  # where each column's next entry goes
        offset = 0
        while chunks:
            chunk = chunks.pop(0)
            sizes = chunk.lengths.astype(np.int64)
            where = _ranges(fill, sizes, len(chunk.local))
            local[where] = chunk.local + np.uint16(offset)
            counts[where] = chunk.counts
            fill += sizes
            offset += chunk.rows
            del chunk, where, sizes
        del fill
        return cls.encode(rows, indptr, local, counts)

    @classmethod
    def side_by_side(cls, parts: list[Segment]) -> Segment:
        """One segment of the parts' columns side by side (the parts have the same rows).

        The parts are taken from the list as they are copied in, so that each is freed as
        soon as it is in place. The parts' unary bits follow one another (a part's bits are
        its entries plus `buckets` per column), so they are copied shifted, one part at a
        time, like the tallies (two bits at 2 * entry)."""
        rows = parts[0].rows if parts else 0
        if any(p.rows != rows for p in parts):
            raise ValueError("segments side by side must have the same rows")
        entries = np.cumsum([0] + [p.nnz for p in parts])
        indptr = np.concatenate(
            [p.indptr()[:-1] + int(e) for p, e in zip(parts, entries, strict=False)]
            + [np.asarray([entries[-1]], dtype=np.int64)]
        )
        marks, offsets = _split_starts(indptr)
        nnz = int(entries[-1])
        buckets = parts[0].buckets if parts else 1
        low = np.empty(nnz, dtype=np.uint8)
        tally = np.zeros((nnz + 3) // 4, dtype=np.uint8)
        high = np.zeros((nnz + buckets * (len(indptr) - 1) + 7) // 8, dtype=np.uint8)
        del indptr
        big_at, big_counts = [], []
        at = 0
        for first in entries[:-1].tolist():
            part = parts.pop(0)
            low[first : first + part.nnz] = part.low
            _or_bits(tally, 2 * first, part.tally)
            _or_bits(high, at, part.high)
            at += part.nnz + buckets * part.columns
            big_at.append(part.big_at.astype(np.int64) + first)
            big_counts.append(part.big_counts)
            del part
        return cls(
            rows=rows,
            marks=marks,
            offsets=offsets,
            low=low,
            high=high,
            tally=tally,
            big_at=_join(big_at, _offset_type(nnz)),
            big_counts=_join(big_counts, np.uint8),
        )

    def gather(self, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row within the segment, exact count) of every stored entry in the given columns,
        column by column and, within a column, in row order, and how many entries each column
        gave (so `np.repeat(x, lengths)` spreads a per-column value over its entries)."""
        return _gather([self], columns)

    def has(self, local: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """(len(local), len(columns)) booleans: is each row (within the segment) stored in
        each column. Only the row's bucket of each column is searched: its entries are found
        from the column's unary bits a byte at a time (zeros counted per byte, the bucket's
        closing zeros picked out of their bytes), then the row's low byte is binary-searched
        among them. No entry outside those buckets is read."""
        local = np.asarray(local, dtype=np.int64)
        columns = np.asarray(columns, dtype=np.int64)
        count, width = len(local), len(columns)
        if count == 0 or width == 0 or self.nnz == 0:
            return np.zeros((count, width), dtype=bool)
        lo, hi, wanted = _bucket_bounds([self], [local], columns)
        hit = _search_low([self.low], [0], lo, hi, wanted)
        return hit.reshape(count, width)

    def pieces(self, first: int = 0, last: int | None = None) -> Iterator[np.ndarray]:
        """The columns first..last in runs of at most `PIECE_COLUMNS` columns and (unless one
        column holds more) `PIECE_ENTRIES` entries, for passes over a whole segment."""
        last = self.columns if last is None else last
        indptr = self.indptr()
        column = first
        while column < last:
            end = int(np.searchsorted(indptr, indptr[column] + PIECE_ENTRIES, side="right")) - 1
            end = min(max(end, column + 1), column + PIECE_COLUMNS, last)
            yield np.arange(column, end, dtype=np.int64)
            column = end

    def counts(self) -> np.ndarray:
        """The exact uint8 count of every stored entry, in storage order."""
        counts = _read_tally(self.tally, np.arange(self.nnz, dtype=np.int64))
        counts += 1
        counts[self.big_at] = self.big_counts
        return counts

    def to_csc(self) -> sp.csc_matrix:
        """The segment as a CSC matrix of exact uint8 counts (decoded a piece at a time)."""
        indptr = self.indptr()
        local = np.empty(self.nnz, dtype=np.int32)
        for piece in self.pieces():
            rows, _, _ = self.gather(piece)
            local[indptr[piece[0]] : indptr[piece[-1] + 1]] = rows
        index_type = _offset_type(max(int(indptr[-1]), self.rows))
        return sp.csc_matrix(
            (self.counts(), local, indptr.astype(index_type)), shape=(self.rows, self.columns)
        )

    @property
    def nbytes(self) -> int:
        return int(
            sum(
                a.nbytes
                for a in (
                    self.marks,
                    self.offsets,
                    self.low,
                    self.high,
                    self.tally,
                    self.big_at,
                    self.big_counts,
                )
            )
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
        return sum(s.nnz for s in self.segments)

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.segments)

    def df(self) -> np.ndarray:
        """Document frequency of every column (stored entries; counts are never zero)."""
        df = np.zeros(self.columns, dtype=np.int64)
        for segment in self.segments:
            df += np.diff(segment.indptr())
        return df

    def to_csc(self) -> sp.csc_matrix:
        """The whole matrix (exact counts; for tests and small indexes)."""
        if not self.segments:
            return sp.csc_matrix((0, self.columns), dtype=np.uint8)
        return sp.vstack([s.to_csc() for s in self.segments], format="csc", dtype=np.uint8)

    def block_norms(self, idfs: Sequence[np.ndarray]) -> np.ndarray:
        """Each row's TF-IDF length per block (blocks of equal width, side by side), 1 when 0.

        Each block of each segment is decoded a piece of columns at a time; every row's
        squares are added in column order, each piece's sums starting from the previous
        piece's (handed to `np.bincount` as the first term of each row), so the lengths are
        the same to the last bit as one pass over the block would give. The transient is
        about 60 bytes per entry of one piece (262,144 entries), not of the segment."""
        n, blocks = self.shape[0], len(idfs)
        width = self.columns // blocks
        norms = np.ones((n, blocks), dtype=np.float32)
        for start, segment in zip(self._starts, self.segments, strict=False):
            rows = np.arange(segment.rows, dtype=np.int64)
            for j, idf in enumerate(idfs):
                squares: np.ndarray = np.zeros(segment.rows, dtype=np.float64)
                for piece in segment.pieces(j * width, (j + 1) * width):
                    local, counts, lengths = segment.gather(piece)
                    if len(local) == 0:
                        continue
                    weights = SUBLINEAR[counts] * np.repeat(idf[piece - j * width], lengths)
                    del counts
                    squares = np.bincount(
                        np.concatenate([rows, local]),
                        weights=np.concatenate([squares, weights.astype(np.float64) ** 2]),
                        minlength=segment.rows,
                    )
                    del local, weights
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
        columns = np.asarray(columns, dtype=np.int64)
        weights = np.asarray(weights, dtype=np.float32)
        block_of = np.asarray(block_of, dtype=np.int64)
        if not self.segments or len(columns) == 0:
            summed: np.ndarray = np.zeros((blocks, n))
        else:
            # Every stored entry of the query's columns, segment by segment and column by column:
            # its row and its weight (sublinear TF times the column's query weight), summed per
            # (block, row) by one bincount. A row's entries are all in its segment, in column
            # order, so each (block, row) adds its terms in the same order as one pass would.
            offsets = self._starts[:-1, None] + n * block_of[None, :]  # (segment, column)
            key, counts, lengths = _gather(self.segments, columns, offsets.ravel())
            values = np.take(SUBLINEAR, counts, mode="clip")  # counts are 1..255
            del counts
            values *= np.repeat(np.tile(weights, len(self.segments)), lengths)
            summed = np.bincount(key, weights=values, minlength=blocks * n).reshape(blocks, n)
        # Divided block by block, so each block's column of the result is contiguous.
        scores: np.ndarray = (summed / norms.T).T
        return scores

    def contains(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """(len(rows), len(columns)) booleans: is the term of each column stored for each row.

        Only the rows' buckets of each column are read, as `Segment.has` does for one segment,
        but for every segment that holds one of the rows at once (`_bucket_bounds`, then one
        binary search of the low bytes, `_search_low`): a ranking's 50 explained rows sit in
        most segments, and one pass each (about 110 NumPy calls) cost more than the data."""
        rows = np.asarray(rows, dtype=np.int64)
        columns = np.asarray(columns, dtype=np.int64)
        found = np.zeros((len(rows), len(columns)), dtype=bool)
        if len(rows) == 0 or len(columns) == 0:
            return found
        segment_of = np.searchsorted(self._starts, rows, side="right") - 1
        mine_of, segments, local = [], [], []
        for k in np.unique(segment_of).tolist():
            if self.segments[k].nnz:
                mine = np.flatnonzero(segment_of == k)
                mine_of.append(mine)
                segments.append(self.segments[k])
                local.append(rows[mine] - self._starts[k])
        if not segments:
            return found
        lo, hi, wanted = _bucket_bounds(segments, local, columns)
        width = len(columns)
        bounds = np.cumsum([0, *(len(m) * width for m in mine_of[:-1])]).tolist()
        hit = _search_low([s.low for s in segments], bounds, lo, hi, wanted)
        for mine, start in zip(mine_of, bounds, strict=True):
            found[mine] = hit[start : start + len(mine) * width].reshape(len(mine), width)
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
            f"{prefix}_nnz": np.asarray([s.nnz for s in segments], dtype=np.int64),
            f"{prefix}_big": np.asarray([len(s.big_at) for s in segments], dtype=np.int64),
            f"{prefix}_marks": _join([s.marks.astype(np.int64) for s in segments], np.int64),
            f"{prefix}_offsets": _join([s.offsets for s in segments], np.uint16),
            f"{prefix}_low": _join([s.low for s in segments], np.uint8),
            f"{prefix}_high": _join([s.high for s in segments], np.uint8),
            f"{prefix}_tally": _join([s.tally for s in segments], np.uint8),
            f"{prefix}_big_at": _join([s.big_at.astype(np.int64) for s in segments], np.int64),
            f"{prefix}_big_counts": _join([s.big_counts for s in segments], np.uint8),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> TermCounts:
        """Counts saved by `to_arrays`; ValueError (or KeyError) when they do not fit."""
        columns = int(arrays[f"{prefix}_columns"][0])
        rows = arrays[f"{prefix}_rows"].astype(np.int64)
        nnz = arrays[f"{prefix}_nnz"].astype(np.int64)
        big = arrays[f"{prefix}_big"].astype(np.int64)
        if len(nnz) != len(rows) or len(big) != len(rows) or (rows <= 0).any():
            raise ValueError("inconsistent stored term counts")
        marks_each = (columns >> MARK_SHIFT) + 1
        buckets = (np.maximum(rows, 1) + BUCKET_ROWS - 1) // BUCKET_ROWS
        sizes = {
            "marks": np.full(len(rows), marks_each),
            "offsets": np.full(len(rows), columns + 1),
            "low": nnz,
            "high": (nnz + buckets * columns + 7) // 8,
            "tally": (nnz + 3) // 4,
            "big_at": big,
            "big_counts": big,
        }
        parts: dict[str, list[np.ndarray]] = {}
        for name, size in sizes.items():
            flat = arrays[f"{prefix}_{name}"]
            ends = np.cumsum(size)
            if len(flat) != (int(ends[-1]) if len(ends) else 0):
                raise ValueError(f"inconsistent stored term counts ({name})")
            parts[name] = np.split(flat, ends[:-1]) if len(ends) else []
        segments = []
        for k, count in enumerate(rows.tolist()):
            marks = parts["marks"][k].astype(np.int64)
            offsets = parts["offsets"][k].astype(np.uint16)
            if int(marks[-1]) + int(offsets[-1]) != int(nnz[k]) or np.any(
                np.diff(np.repeat(marks, MARK_EVERY)[: columns + 1] + offsets) < 0
            ):
                raise ValueError("inconsistent stored term counts (column starts)")
            big_at = parts["big_at"][k]
            if len(big_at) and (big_at.min() < 0 or big_at.max() >= nnz[k]):
                raise ValueError("inconsistent stored term counts (overflow)")
            segments.append(
                Segment(
                    rows=int(count),
                    marks=marks.astype(_offset_type(int(nnz[k]))),
                    offsets=offsets,
                    low=parts["low"][k].astype(np.uint8),
                    high=parts["high"][k].astype(np.uint8),
                    tally=parts["tally"][k].astype(np.uint8),
                    big_at=big_at.astype(_offset_type(int(nnz[k]))),
                    big_counts=parts["big_counts"][k].astype(np.uint8),
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
