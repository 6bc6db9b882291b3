"""The fast paths of a ranking give what the plain computations give."""

import numpy as np
import scipy.sparse as sp

from matching import FEATURES, Index, Settings
from matching.bench import synthetic_tasks, synthetic_vendors
from matching.features import Vocabulary, code_closeness, column_products, column_sum
from matching.ranker import won_in_area
from matching.taxonomy import Taxonomy


def test_column_reads_equal_sliced_sparse_products():
    matrix = sp.random(300, 12, density=0.2, random_state=6, format="csc", dtype=np.float32)
    columns, weights = [3, 0, 7], [0.6, 1.0, 0.36]
    expected = matrix.astype(np.float64)[:, columns] @ np.asarray(weights)
    assert np.allclose(column_products(matrix.astype(np.float64), columns, weights), expected)
    vocabulary = Vocabulary()
    for key in ("a", "b", "c", "d"):
        vocabulary.add(key)
    summed = column_sum(matrix, vocabulary, ["b", "d", "missing"])
    assert np.allclose(summed, np.asarray(matrix[:, [1, 3]].sum(axis=1)).ravel())


def test_code_closeness_is_the_best_decayed_value_per_code():
    taxonomy, settings = Taxonomy(), Settings()
    vocabulary = Vocabulary()
    nodes = [vocabulary.add(n) for n in taxonomy.chain("72212100")]
    rows = sp.lil_matrix((3, len(vocabulary)), dtype=np.float32)
    rows[0, nodes[0]] = 1.0  # the code itself
    rows[1, nodes[2]] = 0.8  # two levels up
    rows[1, nodes[3]] = 1.0  # three levels up: 0.6^3 = 0.216 < 0.8 x 0.36
    got = code_closeness(rows.tocsc(), vocabulary, ("72212100",), taxonomy, settings)
    assert np.allclose(got, [1.0, 0.8 * 0.36, 0.0])


def test_score_table_builds_features_only_when_read_and_sums_the_weights():
    vendors = synthetic_vendors(60)
    index = Index.fit(vendors)
    task = synthetic_tasks(1)[0]
    table = index.score(task)
    assert table._features is None
    rows = np.asarray([5, 0, 17])
    assert np.array_equal(table.rows(rows), table.features[rows])
    assert table.features.shape == (60, len(FEATURES))
    assert np.allclose(table.features @ table.weights, table.score)


def test_won_in_area_with_a_memo_equals_without():
    vendors = synthetic_vendors(40)
    taxonomy = Taxonomy()
    memo: dict = {}
    for task in synthetic_tasks(5):
        for vendor in vendors:
            assert won_in_area(task, vendor, taxonomy, memo) == won_in_area(task, vendor, taxonomy)
    assert memo


def test_rank_explains_the_same_after_the_memos_filled_up():
    index = Index.fit(synthetic_vendors(80))
    tasks = synthetic_tasks(4)
    first = [index.rank(task, top=20) for task in tasks]
    again = [index.rank(task, top=20) for task in tasks]
    assert first == again
    fresh = Index.fit(synthetic_vendors(80))
    assert [fresh.rank(task, top=20) for task in reversed(tasks)] == list(reversed(first))
