"""The segmented term counts and the compressed profile store, against plain matrices."""

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


def test_segment_keeps_exact_counts_in_two_bytes_per_term():
    matrix = random_counts(50, 40)
    segment = Segment.from_csc(matrix)
    assert segment.codes.dtype == np.uint16 and len(segment.codes) == matrix.nnz
    assert (segment.to_csc() != matrix).nnz == 0
    assert set(segment.big_counts.tolist()) >= {200, 255}


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
