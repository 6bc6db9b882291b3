"""The segmented term counts (their encoding on hostile shapes) and the compressed profile
store, against plain matrices."""

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

import matching.counts as counts_module
import matching.ranker as ranker_module
from matching.bench import synthetic_tasks, synthetic_vendors
from matching.counts import SUBLINEAR, Segment, TermCounts
from matching.profiles import ProfileStore
from matching.ranker import Index


def random_counts(rows: int, columns: int, seed: int = 0) -> sp.csc_matrix:
    rng = np.random.default_rng(seed)
    dense = rng.integers(0, 4, size=(rows, columns)) * (rng.random((rows, columns)) < 0.3)
    dense[rng.random((rows, columns)) < 0.03] = 200  # counts past the three bits
    dense[0, 0] = 255
    return sp.csc_matrix(dense.astype(np.uint8))


@pytest.fixture
def small_segments(monkeypatch):
    """Segments of 8 rows, so that a few dozen rows make several segments."""
    monkeypatch.setattr(counts_module, "SEGMENT_ROWS", 8)
    monkeypatch.setattr(ranker_module, "SEGMENT_ROWS", 8)


def hostile(rows: int, columns: int, seed: int) -> sp.csc_matrix:
    """Counts 0..255 (explicit zeros too), empty columns, one column in every row."""
    rng = np.random.default_rng(seed)
    density = rng.choice([0.0, 0.001, 0.02, 0.3, 0.9], size=columns)
    density[:1] = 1.0  # a column stored in every row
    mask = rng.random((rows, columns)) < density
    values = rng.choice(np.arange(256), size=(rows, columns)).astype(np.uint8)
    values[rng.random((rows, columns)) < 0.7] = 1  # mostly ones, as in real texts
    dense = np.where(mask, values, 0).astype(np.uint8)
    matrix = sp.csc_matrix(dense)
    # An explicit stored 0 (scipy keeps it): kept and given back as stored.
    if columns and dense[0, 0]:
        matrix.data[matrix.indptr[0]] = 0
    return matrix


def same_csc(got: sp.csc_matrix, expected: sp.csc_matrix) -> bool:
    expected = expected.tocsc()
    expected.sort_indices()
    return (
        got.shape == expected.shape
        and np.array_equal(got.indptr, expected.indptr)
        and np.array_equal(got.indices, expected.indices)
        and np.array_equal(got.data, expected.data)
        and got.data.dtype == np.uint8
    )


@pytest.mark.parametrize(
    ("rows", "columns"),
    [(1, 30), (7, 1), (256, 40), (257, 40), (3000, 17), (8192, 24), (50, 0)],
)
def test_segment_encoding_gives_back_every_count(rows, columns):
    matrix = hostile(rows, columns, seed=rows + columns)
    segment = Segment.from_csc(matrix)
    assert same_csc(segment.to_csc(), matrix)
    assert segment.nnz == matrix.nnz and segment.buckets == max(1, -(-rows // 256))
    assert np.array_equal(segment.indptr(), matrix.indptr)
    assert np.array_equal(segment.counts(), matrix.data)
    # Any columns, in any order, repeated: each column's entries in row order.
    rng = np.random.default_rng(rows)
    choices = [[], list(range(columns))]
    if columns:
        choices.append(rng.integers(0, columns, 9).tolist())  # any order, repeated
    for chosen in choices:
        wanted = np.asarray(chosen, dtype=np.int64)
        local, counts, lengths = segment.gather(wanted)
        expected = [matrix[:, [c]] for c in wanted.tolist()]
        assert local.tolist() == [i for m in expected for i in m.indices.tolist()]
        assert counts.tolist() == [v for m in expected for v in m.data.tolist()]
        assert lengths.tolist() == [m.nnz for m in expected]
    # Membership of any row in any column, looked up in the row's bucket only.
    probe = np.unique(np.concatenate([[0, rows - 1], rng.integers(0, rows, 40)]))
    expected = matrix.toarray()[probe] != 0
    expected |= (
        sp.csc_matrix(
            (np.ones(matrix.nnz), matrix.indices, matrix.indptr), shape=matrix.shape
        ).toarray()[probe]
        > 0
    )
    assert np.array_equal(segment.has(probe, np.arange(columns)), expected)
    # The counts survive a split into column blocks put side by side again.
    cut = columns // 3
    halves = [Segment.from_csc(matrix[:, :cut]), Segment.from_csc(matrix[:, cut:])]
    joined = Segment.side_by_side(halves)
    for name in ("marks", "offsets", "low", "high", "tally", "big_at", "big_counts"):
        assert np.array_equal(getattr(joined, name), getattr(segment, name)), name


def test_segment_sizes_one_byte_a_term_plus_two_bits_plus_the_unary_bits():
    vendors = synthetic_vendors(300)
    segment = Index.fit(vendors)._rows.text.segments[0]
    nnz, columns = segment.nnz, segment.columns
    assert segment.buckets == 2  # 300 rows: two groups of 256
    assert len(segment.low) == nnz and len(segment.tally) == (nnz + 3) // 4
    assert len(segment.high) == (nnz + 2 * columns + 7) // 8
    assert len(segment.big_at) < nnz / 20  # counts of 4 or more are rare
    assert segment.offsets.dtype == np.uint16 and len(segment.marks) == columns // 8 + 1


def test_segment_refuses_more_rows_than_it_can_code():
    with pytest.raises(ValueError):
        Segment.from_csc(sp.csc_matrix((8193, 3), dtype=np.uint8))


def test_a_column_dense_in_one_segment_and_sparse_in_another():
    rng = np.random.default_rng(5)
    n = 8192 + 300
    dense = np.zeros((n, 6), dtype=np.uint8)
    dense[:8192, 0] = rng.integers(1, 256, 8192)  # every row of the first segment
    dense[8192 + rng.choice(300, 2, replace=False), 0] = (7, 255)
    dense[rng.choice(8192, 3, replace=False), 1] = 1  # sparse in the first
    dense[8192:, 1] = rng.integers(0, 3, 300)  # dense in the second
    dense[:, 4] = 4  # count 4 (the overflow's first) everywhere
    matrix = sp.csc_matrix(dense)
    counts = TermCounts.from_csc(matrix)
    assert [s.rows for s in counts.segments] == [8192, 300]
    assert same_csc(counts.to_csc(), matrix)
    assert counts.df().tolist() == np.diff(matrix.indptr).tolist()
    rows = np.asarray([0, 8191, 8192, n - 1, 4000])
    columns = np.arange(6)
    assert (counts.contains(rows, columns) == (dense[rows] > 0)).all()
    norms = np.ones((n, 2), dtype=np.float32) * 3
    weights = np.asarray([0.5, 2.0, 1.0, 0.25, 1.5, 3.0], dtype=np.float32)
    block_of = np.asarray([0, 0, 0, 1, 1, 1])
    got = counts.similarity(columns, weights, block_of, norms)
    tf = SUBLINEAR[dense].astype(np.float64)
    for block in (0, 1):
        chosen = block_of == block
        assert np.allclose(got[:, block], tf[:, chosen] @ weights[chosen] / 3, rtol=1e-6)
    idfs = [np.asarray([1.0, 2.0, 0.5], dtype=np.float32)] * 2
    expected = np.sqrt(((tf.reshape(n, 2, 3) * np.asarray(idfs)[None]) ** 2).sum(axis=2))
    expected[expected == 0] = 1
    assert np.allclose(counts.block_norms(idfs), expected, rtol=1e-6)


def test_block_norms_are_the_same_however_the_columns_are_cut(monkeypatch):
    """The norms sum each row's squares in column order: cut into pieces or not, the
    same floating-point sums."""
    matrix = hostile(3000, 40, seed=9)
    counts = TermCounts.from_csc(matrix)
    idfs = [np.linspace(0.5, 3, 20, dtype=np.float32), np.linspace(3, 0.1, 20, dtype=np.float32)]
    whole = counts.block_norms(idfs)
    monkeypatch.setattr(counts_module, "PIECE_COLUMNS", 3)
    monkeypatch.setattr(counts_module, "PIECE_ENTRIES", 1000)
    assert np.array_equal(counts.block_norms(idfs), whole)
    assert same_csc(counts.to_csc(), matrix)


def test_ranking_equals_a_reference_through_scipy(small_segments):
    """The text similarity of every vendor, and so the ranking, equals one computed from the
    plain CSC matrix (`to_csc`) with scipy; the index ranks exactly like one whose counts
    went through `to_csc` and back."""
    vendors = synthetic_vendors(60)
    index = Index.fit(vendors)
    text = index._rows.text
    assert len(text.segments) == 8
    compiled = index._compile()
    matrix = text.to_csc().astype(np.float64)
    width = index.settings.text_features
    tf = matrix.copy()
    tf.data = SUBLINEAR[text.to_csc().data].astype(np.float64)
    for j, block in enumerate(ranker_module.TEXT_BLOCKS):
        part = tf[:, j * width : (j + 1) * width] @ sp.diags(compiled.idf[block].astype(np.float64))
        norms = np.sqrt(np.asarray(part.multiply(part).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        assert np.allclose(compiled.norms[:, j], norms, rtol=1e-6)
    for task in synthetic_tasks(4):
        query = index.query(task)
        table = index.score(task, query=query)
        weights = query.blocks * compiled.stacked_idf[query.columns][:, None]
        reference = (tf[:, query.columns] @ weights) / compiled.norms
        for j, block in enumerate(ranker_module.TEXT_BLOCKS):
            assert np.allclose(
                table.columns[f"text_{block}"], reference[:, j], rtol=1e-6, atol=1e-9
            )
    again = Index.from_bytes(index.to_bytes())
    again._rows.text = TermCounts.from_csc(text.to_csc())
    again._compiled = None
    for task in synthetic_tasks(4):
        assert again.rank(task) == index.rank(task)
        assert np.array_equal(again.score(task).score, index.score(task).score)


def test_counts_gather_similarity_and_contains_match_the_plain_matrix(small_segments):
    matrix = random_counts(61, 40, seed=1)
    counts = TermCounts.from_csc(matrix)
    assert len(counts.segments) == 8 and counts.shape == (61, 40)
    assert (counts.to_csc() != matrix).nnz == 0
    assert counts.df().tolist() == np.diff(matrix.indptr).tolist()
    columns = np.asarray([0, 3, 7, 21, 39])
    weights = np.asarray([0.5, 1.0, 0.25, 2.0, 1.5], dtype=np.float32)
    block_of = np.asarray([0, 0, 1, 1, 1])
    norms = np.ones((61, 2), dtype=np.float32) * 2
    got = counts.similarity(columns, weights, block_of, norms)
    dense = SUBLINEAR[matrix.toarray()]
    for block in (0, 1):
        chosen = block_of == block
        expected = dense[:, columns[chosen]] @ weights[chosen] / 2
        assert np.allclose(got[:, block], expected, atol=1e-5)
    rows = np.asarray([60, 0, 17, 8, 33])
    assert (counts.contains(rows, columns) == (matrix.toarray()[rows][:, columns] > 0)).all()


def test_take_inserts_replaces_removes_and_splits_segments(small_segments):
    matrix = sp.csr_matrix(random_counts(30, 20, seed=2))
    counts = TermCounts.from_csc(matrix.tocsc())
    new = sp.csr_matrix(random_counts(12, 20, seed=3))
    # Drop rows 3 and 4, put eleven new rows after row 9 (one segment grows past 8 rows),
    # replace row 20 with the last new row.
    source = np.concatenate(
        [
            [0, 1, 2],
            np.arange(5, 10),
            30 + np.arange(11),
            np.arange(10, 20),
            [41],
            np.arange(21, 30),
        ]
    )
    result = counts.take(new, source)
    expected = sp.vstack([matrix, new], format="csr")[source]
    assert (result.to_csc() != expected.tocsc()).nnz == 0
    assert max(s.rows for s in result.segments) <= 8
    untouched = counts.segments[-1]  # rows 24..29 kept as they were: the same arrays
    assert any(s is untouched for s in result.segments)
    with pytest.raises(ValueError):
        counts.take(new, np.asarray([1, 0]))


def test_counts_round_trip_through_arrays(small_segments):
    counts = TermCounts.from_csc(random_counts(20, 10, seed=4))
    again = TermCounts.from_arrays(counts.to_arrays("text"), "text")
    assert (again.to_csc() != counts.to_csc()).nnz == 0


def test_index_on_many_segments_ranks_like_one_segment(small_segments, monkeypatch):
    vendors = synthetic_vendors(40)
    segmented = Index.fit(vendors)
    assert len(segmented._rows.text.segments) == 5
    changed = dataclasses.replace(vendors[5], profile_text="Django og OS2forms", eligible=False)
    segmented.upsert_many([changed, dataclasses.replace(vendors[0], id=999)])
    segmented.remove(vendors[30].id)
    monkeypatch.setattr(counts_module, "SEGMENT_ROWS", 8192)
    monkeypatch.setattr(ranker_module, "SEGMENT_ROWS", 8192)
    expected = [v for v in vendors if v.id not in (changed.id, vendors[30].id)]
    whole = Index.fit([*expected, changed, dataclasses.replace(vendors[0], id=999)])
    assert len(whole._rows.text.segments) == 1
    for task in synthetic_tasks(3):
        assert segmented.rank(task) == whole.rank(task)
        assert np.array_equal(segmented.score(task).score, whole.score(task).score)


def test_profile_store_keeps_what_explanations_read_not_the_texts():
    store = ProfileStore()
    vendors = synthetic_vendors(5)
    for vendor in vendors:
        store.put(vendor)
    store.put(dataclasses.replace(vendors[1], codes={"72212000": "expert"}))
    store.remove(vendors[2].id)
    kept = store.get(vendors[0].id)
    assert kept is not None
    assert (kept.codes, kept.past_codes, kept.past_awards) == (
        vendors[0].codes,
        vendors[0].past_codes,
        vendors[0].past_awards,
    )
    assert (kept.eligible, kept.ineligible_reasons, kept.sme) == (
        vendors[0].eligible,
        vendors[0].ineligible_reasons,
        vendors[0].sme,
    )
    assert not hasattr(kept, "profile_text")
    assert store.explained(vendors[1].id).codes == {"72212000": "expert"}
    assert store.get(vendors[2].id) is None and len(store) == 4
    # Eligibility changes in place; the same verdict again is no change.
    assert store.set_eligibility(vendors[3].id, False, ("Code of Conduct not signed",))
    assert not store.set_eligibility(vendors[3].id, False, ("Code of Conduct not signed",))
    changed = store.explained(vendors[3].id)
    assert not changed.eligible and changed.ineligible_reasons == ("Code of Conduct not signed",)
    assert changed.past_awards == vendors[3].past_awards


def test_contains_asks_every_segment_at_once_like_one_segment_at_a_time():
    # Segments of 8,192, 257 (two buckets) and 1 row; a segment with no entries; rows in any
    # order, repeated, from every segment: the batched lookup equals each segment's own.
    full = hostile(8192, 30, seed=11)
    tail = hostile(257, 30, seed=12)
    empty = sp.csc_matrix((1, 30), dtype=np.uint8)
    matrix = sp.vstack([full, tail, empty], format="csc", dtype=np.uint8)
    counts = TermCounts(30, [Segment.from_csc(m.tocsc()) for m in (full, tail, empty)])
    assert [s.rows for s in counts.segments] == [8192, 257, 1]
    assert counts.segments[2].nnz == 0
    rng = np.random.default_rng(13)
    rows = np.concatenate([[8449, 8192, 0, 8448, 8191], rng.integers(0, 8450, 60), [5, 5]])
    columns = np.concatenate([np.arange(30), rng.integers(0, 30, 7)])
    got = counts.contains(rows, columns)
    stored = matrix.copy()
    stored.data[:] = 1  # an explicit 0 is a stored term too
    assert (got == (stored.toarray()[rows][:, columns] > 0)).all()
    for k, segment in enumerate(counts.segments):
        start = sum(s.rows for s in counts.segments[:k])
        mine = (rows >= start) & (rows < start + segment.rows)
        assert (segment.has(rows[mine] - start, columns) == got[mine]).all()


def test_similarity_takes_the_query_columns_in_any_block_order(small_segments):
    """One decoding pass over every segment: blocks interleaved in the query, a column asked
    twice, and segments holding none of the query's entries give the plain matrix's sums."""
    matrix = hostile(45, 30, seed=4).tolil()
    matrix[8:16, :] = 0  # a whole segment without entries
    matrix = sp.csc_matrix(matrix)
    matrix.eliminate_zeros()
    counts = TermCounts.from_csc(matrix)
    assert len(counts.segments) == 6
    columns = np.asarray([29, 1, 14, 0, 14, 7, 22])
    block_of = np.asarray([2, 0, 1, 0, 1, 0, 2])
    weights = np.asarray([0.5, 1.0, 0.25, 2.0, 1.5, 3.0, 0.75], dtype=np.float32)
    norms = np.full((45, 3), 2.0, dtype=np.float32)
    got = counts.similarity(columns, weights, block_of, norms)
    dense = SUBLINEAR[matrix.toarray()].astype(np.float64)
    for block in range(3):
        chosen = block_of == block
        expected = dense[:, columns[chosen]] @ weights[chosen] / 2
        assert np.allclose(got[:, block], expected, rtol=1e-6, atol=1e-9)
    assert not got[8:16].any() and got.any()
    empty = counts.similarity(columns[:0], weights[:0], block_of[:0], norms)
    assert empty.shape == (45, 3) and not empty.any()
