"""Experience per code area, the code-frequency and blend baselines, rolling-origin learning and
the text similarity read from the counts; every data set is built here."""

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from matching import FEATURES, Index, TaskProfile, VendorProfile
from matching import evaluate as ev
from matching.awards import Award
from matching.learn import History, concat, evaluate_over_folds, fit_weights
from matching.text import SUBLINEAR, block_weights, similarity
from matching.types import DEFAULT_WEIGHTS, PastAward

TODAY = dt.date(2025, 1, 1)
TED = Path(__file__).parents[4] / "shared/data/awards/eu_ted_sample.jsonl"


def vendor(vendor_id: int, awards=(), **overrides) -> VendorProfile:
    return VendorProfile(
        id=vendor_id,
        name=f"Vendor {vendor_id}",
        profile_text="Rådgivning",
        past_awards=tuple(awards),
        **overrides,
    )


def task(codes=("72212000",), when=TODAY, buyer=None) -> TaskProfile:
    return TaskProfile(
        id="t", title="Software", required_codes=codes, published_at=when, buyer=buyer
    )


def experience(index: Index, the_task: TaskProfile) -> dict[int, float]:
    table = index.score(the_task)
    column = FEATURES.index("code_experience")
    return {int(v): float(table.features[i, column]) for i, v in enumerate(table.vendor_ids)}


def test_experience_counts_awards_through_the_hierarchy_and_fades_with_time():
    recent = dt.date(2024, 6, 1)
    index = Index.fit(
        [
            vendor(1, [PastAward(recent, ("72212000",))] * 4),  # the task's own code
            vendor(2, [PastAward(recent, ("72212100",))] * 4),  # a narrower code below it
            vendor(3, [PastAward(recent, ("72000000",))] * 4),  # only the division
            vendor(4, [PastAward(dt.date(2016, 6, 1), ("72212000",))] * 4),  # long ago
            vendor(5, [PastAward(recent, ("45000000",))] * 4),  # another division
            vendor(6, [PastAward(recent, ("72212000",))]),  # once
        ]
    )
    value = experience(index, task())
    # The nearer the node where the vendor won, the more it counts; narrower codes count under
    # the task's code; another division counts nothing.
    assert value[1] > value[3] > value[5] == 0.0
    assert value[2] == pytest.approx(value[1])
    assert value[1] > value[6] > 0.0
    # Eight years (four half-lives) later, four awards weigh a quarter of one.
    assert value[4] < value[6]
    assert all(0.0 <= v < 1.0 for v in value.values())


def test_experience_is_explained_with_the_code_the_count_and_the_first_year():
    awards = [
        PastAward(dt.date(2024, 2, 1), ("72212000",)),
        PastAward(dt.date(2024, 9, 1), ("72212100",)),
        PastAward(dt.date(2025, 3, 1), ("72212000", "48000000")),
        PastAward(dt.date(2022, 1, 1), ("72000000",)),  # broader: not under 72212000
        PastAward(None, ("72212000",)),  # undated: not counted in the sentence
    ]
    index = Index.fit([vendor(1, awards), vendor(2)])
    (first, _second) = index.rank(task(when=dt.date(2026, 1, 1)))
    assert first.vendor_id == 1
    assert first.won_in_area == (("72212000", 3, 2024),)
    assert first.won_in_area_text() == ("won 3 tasks in 72212000 since 2024",)
    assert first.contributions["code_experience"] > 0


def test_experience_survives_persistence_and_upsert_exactly():
    vendors = [
        vendor(i, [PastAward(dt.date(2020 + i % 4, 1, 1), (f"7221{i % 3}000",), "Kommune")])
        for i in range(1, 30)
    ]
    index = Index.fit(vendors[:-1])
    index.upsert(vendors[-1])
    fresh = Index.fit(vendors)
    restored = Index.from_bytes(fresh.to_bytes())
    the_task = task(codes=("72211000", "72210000"))
    expected = fresh.score(the_task).score
    assert np.array_equal(index.score(the_task).score, expected)
    assert np.array_equal(restored.score(the_task).score, expected)
    assert restored.vendor(3).past_awards == vendors[2].past_awards


def award(n: int, supplier: str, codes: tuple[str, ...], title: str = "", day: int = 1) -> Award:
    return Award(
        id=f"a{n}",
        date=dt.date(2020, 1, day),
        title=title,
        description="",
        codes=codes,
        buyer="b",
        supplier=supplier,
    )


def test_code_frequency_scores_prefix_counts_times_prefix_length():
    train = [
        award(1, "s1", ("72212000",)),
        award(2, "s1", ("72212000", "72212100")),  # one award: each prefix counts once
        award(3, "s2", ("72000000",)),
        award(4, "s3", ("45000000",)),
        award(5, "s3", ("45000000",)),
    ]
    position = {"s1": 0, "s2": 1, "s3": 2}
    scores = ev.code_frequency_scorer(train, position, [award(6, "x", ("72212000-7",))])(0)
    # s1: two awards under 72, 722, 7221, 72212 and 72212000 -> 2 x (2+3+4+5+8);
    # s2: one award under 72 (its 722... prefixes are 720, 7200, 72000, 72000000).
    assert scores.tolist() == [44.0, 2.0, 0.0]
    assert ev.cpv_prefixes("72212000-7") == ["72", "722", "7221", "72212", "72212000"]
    assert ev.cpv_prefixes("tech:django") == []


def test_code_frequency_and_blend_in_the_evaluation_report():
    awards = []
    for n in range(60):
        supplier = ("s1", "s2", "s3")[n % 3]
        codes = {"s1": ("72212000",), "s2": ("45000000",), "s3": ("79000000",)}[supplier]
        title = {"s1": "software", "s2": "bygning", "s3": "konsulent"}[supplier]
        awards.append(award(n, supplier, codes, title, day=1 + n % 28))
    awards += [
        Award(f"t{n}", dt.date(2021, 1, 1), "software", "", ("72212000",), "b", "s1")
        for n in range(5)
    ]
    report = ev.evaluate(awards, dt.date(2021, 1, 1), curve=(0.0,), curve_strengths=(0.0,))
    rankers = report["rankers"]
    assert rankers["code_frequency"]["mrr"] == 1.0
    assert rankers["blend"]["mrr"] == 1.0
    assert {"engine-code_frequency", "engine-blend", "engine-hand_weights"} <= set(report["paired"])


def grouped(rng: np.random.Generator, groups: int, signal: int, start: int = 0) -> History:
    """Groups of 10 rows; the awarded row has the highest value of feature `signal`."""
    features = rng.random((groups * 10, len(FEATURES))) * 0.5
    labels = np.zeros(groups * 10, dtype=int)
    for g in range(groups):
        winner = g * 10 + int(rng.integers(10))
        features[winner, signal] += 1.0
        labels[winner] = 1
    return History(features, labels, np.repeat(np.arange(start, start + groups), 10))


def test_conditional_logit_finds_the_feature_that_decides():
    rng = np.random.default_rng(0)
    signal = FEATURES.index("code_experience")
    weights = fit_weights(grouped(rng, 80, signal))
    values = np.asarray(weights.as_array())
    assert int(np.argmax(values)) == signal
    # Same total size as the default weights, up to the rounding of each weight to 6 decimals.
    total = np.abs(DEFAULT_WEIGHTS.as_array()).sum()
    assert math.isclose(np.abs(values).sum(), total, abs_tol=len(FEATURES) * 5e-7)


def test_decision_over_all_folds_adopts_only_when_better_beyond_doubt():
    rng = np.random.default_rng(1)
    signal = FEATURES.index("same_buyer")
    folds = [grouped(rng, 40, signal, start=40 * k) for k in range(4)]
    zero = dict.fromkeys(FEATURES, 0.0)
    only_small = DEFAULT_WEIGHTS.from_mapping(zero | {"small_vendor": 1.0})
    decision = evaluate_over_folds(only_small, folds)
    assert decision.use == "candidate" and decision.mrr_diff_ci95[0] > 0
    assert decision.candidate is not None and decision.weights == decision.candidate
    # Weights that already rank every fold perfectly are kept.
    perfect = DEFAULT_WEIGHTS.from_mapping(zero | {"same_buyer": 1.0})
    assert evaluate_over_folds(perfect, folds).use == "current"
    # Folds are pooled with their groups kept apart.
    pooled = concat(folds)
    assert pooled is not None and len(np.unique(pooled.groups)) == 160


def test_similarity_from_counts_equals_the_weighted_matrix_product():
    rng = np.random.default_rng(2)
    counts = sp.random(50, 40, density=0.2, random_state=3, format="csc")
    counts.data = rng.integers(1, 5, counts.nnz).astype(np.uint8)
    counts = counts.astype(np.uint8)
    counts.sort_indices()
    idfs, norms = block_weights(counts, 2, max_df=0.9)
    idf = np.concatenate(idfs)
    weighted = counts.astype(np.float64).tocsc()
    weighted.data = SUBLINEAR[counts.data].astype(np.float64)
    weighted = weighted @ sp.diags(idf)
    columns = np.asarray([1, 5, 22, 30, 39])
    query = rng.random(len(columns))
    got = similarity(counts, columns, query * idf[columns], columns // 20, norms)
    for block in range(2):
        inside = columns // 20 == block
        expected = weighted[:, columns[inside]] @ query[inside] / norms[:, block]
        assert np.allclose(got[:, block], expected, rtol=1e-5)


@pytest.mark.skipif(not TED.exists(), reason="../shared/data is not here")
def test_code_frequency_on_real_awards_beats_popularity():
    from matching.awards import load_awards

    awards = [a for a in load_awards(TED) if dt.date(2020, 1, 1) <= a.date < dt.date(2021, 1, 1)]
    split = ev.split_awards(awards, dt.date(2020, 10, 1))
    run = ev.Evaluation(split)
    frequency, _ = run.baseline("code_frequency")
    popularity, _ = run.baseline("popularity")
    assert (1 / frequency).mean() > (1 / popularity).mean()
