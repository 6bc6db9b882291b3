"""The index: filters, features, contributions, determinism and incremental updates."""

import dataclasses
import datetime as dt
import io
import itertools
import json
import math
import random

import numpy as np
import pytest

import matching.ranker as ranker_module
from matching import (
    FEATURES,
    ExposureLedger,
    Index,
    Settings,
    TaskProfile,
    VendorProfile,
    Weights,
    model_version,
)
from matching.bench import synthetic_tasks, synthetic_vendors
from matching.fairness import FAIR_SHARE_NOTE
from matching.ranker import CAPACITY_UNKNOWN, FORMAT, NO_CAPACITY

TODAY = dt.date(2025, 1, 1)


def vendor(vendor_id: int, **overrides) -> VendorProfile:
    values = {
        "id": vendor_id,
        "name": f"Vendor {vendor_id}",
        "size_class": "medium",
        "profile_text": "Generel it-rådgivning og projektledelse",
    }
    values.update(overrides)
    return VendorProfile(**values)


def task(**overrides) -> TaskProfile:
    values = {
        "id": 1,
        "title": "Integration af OS2forms med sagsbehandlingssystem",
        "description": "Vi skal bruge en Django-udvikler til en integration.",
        "published_at": TODAY,
    }
    values.update(overrides)
    return TaskProfile(**values)


def by_id(matches):
    return {match.vendor_id: match for match in matches}


def feature(index: Index, the_task: TaskProfile, name: str) -> dict[int, float]:
    table = index.score(the_task, today=TODAY)
    column = FEATURES.index(name)
    return {int(v): float(table.features[i, column]) for i, v in enumerate(table.vendor_ids)}


def test_ineligible_vendors_come_last_with_reasons():
    index = Index.fit(
        [
            vendor(
                1,
                profile_text="OS2forms integration Django sagsbehandling",
                eligible=False,
                ineligible_reasons=("Code of Conduct not signed",),
            ),
            vendor(2),
            vendor(3, capacity_hours_per_month=10),
        ]
    )
    the_task = task(estimate_hours=100, delivery_date=dt.date(2025, 3, 1))
    matches = index.rank(the_task, today=TODAY)
    assert [m.eligible for m in matches] == [True, False, False]
    found = by_id(matches)
    assert found[1].reasons == ("Code of Conduct not signed",)
    assert found[3].reasons == (NO_CAPACITY,)
    assert found[2].eligible and CAPACITY_UNKNOWN in found[2].notes


def test_capacity_counts_months_from_capacity_from_until_delivery():
    index = Index.fit(
        [
            vendor(1, capacity_hours_per_month=50),
            vendor(2, capacity_hours_per_month=50, capacity_from=dt.date(2025, 2, 15)),
        ]
    )
    the_task = task(estimate_hours=100, delivery_date=dt.date(2025, 3, 3))
    found = by_id(index.rank(the_task, today=TODAY))
    assert found[1].eligible  # two months of 50 hours
    assert not found[2].eligible  # barely two weeks left


def test_text_similarity_prefers_the_vendor_that_speaks_the_tasks_language():
    index = Index.fit(
        [
            vendor(1, profile_text="Vi bygger OS2forms integrationer og sagsbehandlingssystemer"),
            vendor(2, profile_text="Vinduespudsning og rengøring af kontorer"),
            vendor(3, past_task_texts=("Django integration til OS2forms",)),
        ]
    )
    profile = feature(index, task(), "text_profile_word")
    char = feature(index, task(), "text_profile_char")
    past = feature(index, task(), "text_past_word")
    assert profile[1] > profile[2] and char[1] > char[2]
    assert past[3] > past[1] == 0.0
    top = index.rank(task(), today=TODAY)[0]
    assert top.vendor_id in (1, 3) and top.top_terms


def test_code_coverage_gives_partial_credit_through_the_hierarchy_and_levels():
    index = Index.fit(
        [
            vendor(1, codes={"72212100-0": "expert"}),
            vendor(2, codes={"72212100": "basic"}),
            vendor(3, codes={"72212000": "expert"}),
            vendor(4, codes={"72200000": "expert"}),
            vendor(5, codes={"45000000": "expert"}),
            vendor(6, past_codes=("72212100",)),
        ]
    )
    coverage = feature(index, task(required_codes=("72212100-0",)), "required_codes")
    assert coverage[1] == pytest.approx(1.0)
    assert coverage[1] > coverage[6] > coverage[2] > 0  # expert > past delivery > basic
    assert coverage[1] > coverage[3] > coverage[4] > coverage[5] == 0.0
    nice = feature(index, task(nice_to_have_codes=("72212100",)), "nice_codes")
    assert nice[1] == pytest.approx(1.0)
    assert feature(index, task(), "required_codes")[1] == 0.0


def test_non_cpv_codes_climb_the_given_parents():
    parents = {"tech:django": "tech:python", "tech:flask": "tech:python"}
    index = Index.fit(
        [vendor(1, codes={"tech:flask": "expert"}), vendor(2, codes={"tech:rust": "expert"})],
        taxonomy_parents=parents,
    )
    coverage = feature(index, task(required_codes=("tech:django",)), "required_codes")
    assert coverage[1] > 0 and coverage[2] == 0.0


def test_products_buyer_and_experience():
    index = Index.fit(
        [
            vendor(
                1, products=("OS2forms", "OS2mo"), past_buyers=("aarhus", "aarhus"), award_count=10
            ),
            vendor(2, products=("os2forms",)),
            vendor(3),
        ]
    )
    the_task = task(products=("os2forms", "OS2MO"), buyer="aarhus")
    assert feature(index, the_task, "products") == {1: 1.0, 2: 0.5, 3: 0.0}
    buyer = feature(index, the_task, "same_buyer")
    assert buyer[1] > 0 and buyer[2] == 0.0
    experience = feature(index, the_task, "experience")
    assert experience[1] > experience[2] == 0.0


def test_delivery_record_is_shrunk_towards_the_mean_when_few_ratings():
    index = Index.fit(
        [
            vendor(1, ratings=(5,), on_time=(True,)),
            vendor(2, ratings=(5,) * 20, on_time=(True,) * 20),
            vendor(3, ratings=(1, 2, 1), on_time=(False, False, False)),
            vendor(4),
        ]
    )
    rating = feature(index, task(), "rating")
    on_time = feature(index, task(), "on_time")
    assert rating[2] > rating[1] > rating[4] > rating[3]
    assert on_time[2] > on_time[1] > on_time[4] > on_time[3]


def test_price_fit_is_one_within_budget_and_decays_above():
    index = Index.fit([vendor(1, hourly_rate_dkk=800), vendor(2, hourly_rate_dkk=1500), vendor(3)])
    fit = feature(index, task(estimate_hours=100, budget_dkk=100_000), "price_fit")
    assert fit[1] == 1.0
    assert 0 < fit[2] < 1.0
    assert fit[3] == Settings().price_unknown
    assert set(feature(index, task(), "price_fit").values()) == {Settings().price_unknown}


def test_small_vendor_bonus_and_workload_penalty():
    index = Index.fit(
        [
            vendor(1, size_class="micro"),
            vendor(2, size_class="large"),
            vendor(3, size_class="small", recent_awards=6, workload_hours=300),
        ]
    )
    assert feature(index, task(), "small_vendor") == {1: 1.0, 2: 0.0, 3: 1.0}
    workload = feature(index, task(), "workload")
    assert workload[3] > workload[1] == 0.0
    contributions = by_id(index.rank(task(), today=TODAY))[3].contributions
    assert contributions["workload"] < 0


def test_contributions_add_up_to_the_score():
    vendors = synthetic_vendors(200)
    index = Index.fit(vendors)
    exposure = {v.id: float(v.id % 7) for v in vendors}
    for the_task in synthetic_tasks(3):
        for match in index.rank(the_task, exposure=exposure):
            assert math.isclose(sum(match.contributions.values()), match.score, abs_tol=1e-9)
            assert set(match.contributions) == {*FEATURES, "fair_rotation"}


def test_ranking_is_ordered_and_explained_only_for_the_top():
    index = Index.fit(synthetic_vendors(120))
    matches = index.rank(synthetic_tasks(1)[0])
    assert [m.rank for m in matches] == list(range(1, 121))
    eligible = [m for m in matches if m.eligible]
    assert all(
        a.score >= b.score or FAIR_SHARE_NOTE in a.notes for a, b in itertools.pairwise(eligible)
    )
    assert any(m.matched_codes for m in matches[:50])
    assert not any(m.matched_codes or m.top_terms for m in matches[50:])
    assert [m.vendor_id for m in index.rank(synthetic_tasks(1)[0], top=10)] == [
        m.vendor_id for m in matches[:10]
    ]


def test_same_ranking_whatever_the_insertion_order():
    vendors = synthetic_vendors(150)
    shuffled = vendors[:]
    random.Random(4).shuffle(shuffled)
    a, b = Index.fit(vendors), Index.fit([])
    for v in shuffled:
        b.upsert(v)
    for the_task in synthetic_tasks(3):
        assert ranking(a, the_task) == ranking(b, the_task)


def ranking(index: Index, the_task: TaskProfile):
    return [(m.vendor_id, m.score, m.eligible) for m in index.rank(the_task, today=TODAY)]


def test_ties_go_to_the_lower_vendor_id():
    index = Index.fit([vendor(3), vendor(1), vendor(2)])
    assert [m.vendor_id for m in index.rank(task(), today=TODAY)] == [1, 2, 3]


def test_single_vendor_upsert_and_remove_equal_a_full_refit():
    vendors = synthetic_vendors(150)
    index = Index.fit(vendors)
    changed = dataclasses.replace(
        vendors[10], profile_text="Sagsbehandling, Django og OS2forms", codes={"72212100": "expert"}
    )
    new = dataclasses.replace(vendors[0], id=9999, profile_text="Hosting og drift af servere")
    index.upsert(changed)
    index.upsert(new)
    index.remove(vendors[20].id)
    index.remove(123456)  # unknown ids are ignored
    expected = [v for v in vendors if v.id not in (changed.id, vendors[20].id)]
    refit = Index.fit([*expected, changed, new])
    assert len(index) == len(refit) == 150
    for the_task in [*synthetic_tasks(3), task(required_codes=("72212100",))]:
        assert ranking(index, the_task) == ranking(refit, the_task)


def test_upsert_many_and_remove_many_equal_a_full_refit():
    vendors = synthetic_vendors(150)
    index = Index.fit(vendors[:100])
    changed = [
        dataclasses.replace(v, profile_text="Sagsbehandling, Django og OS2forms", eligible=False)
        for v in vendors[10:15]
    ]
    new = [dataclasses.replace(v, id=9000 + v.id) for v in vendors[100:]]
    index.upsert_many([*new, *changed])  # any order; new and known ids together
    index.remove_many([vendors[20].id, vendors[30].id, 123456])  # unknown ids are ignored
    gone = {vendors[20].id, vendors[30].id, *(v.id for v in changed)}
    refit = Index.fit([*(v for v in vendors[:100] if v.id not in gone), *changed, *new])
    assert len(index) == len(refit) == 148
    assert index.vendor_ids.tolist() == refit.vendor_ids.tolist()
    for the_task in [*synthetic_tasks(3), task(required_codes=("72212100",))]:
        assert ranking(index, the_task) == ranking(refit, the_task)
    index.upsert_many([])
    index.remove_many([])
    assert len(index) == 148


def test_model_version_changes_with_the_weights():
    default = Settings()
    edited = Settings(weights=Weights(small_vendor=0.5))
    assert model_version(default) == default.model_version != edited.model_version
    with pytest.raises(ValueError):
        Weights.from_mapping({"no_such_feature": 1.0})


def test_vendor_profile_validates_its_classes():
    with pytest.raises(ValueError):
        vendor(1, size_class="huge")
    with pytest.raises(ValueError):
        vendor(1, codes={"72000000": "guru"})
    assert vendor(1, size_class="micro").sme and not vendor(1, size_class="large").sme


def test_fair_share_fills_the_top_with_smes_without_changing_scores():
    vendors = [
        vendor(i, size_class="large" if i <= 12 else "small", profile_text="OS2forms integration")
        for i in range(1, 13)
    ] + [vendor(i, size_class="small") for i in range(13, 25)]
    index = Index.fit(vendors)
    matches = index.rank(task(), today=TODAY)
    top = matches[:10]
    assert sum(m.sme for m in top) >= 5  # half the pool is SME
    moved = [m for m in top if FAIR_SHARE_NOTE in m.notes]
    assert moved and all(m.sme for m in moved)
    large_below = [m for m in matches[10:] if not m.sme]
    assert all(m.score >= large_below[0].score for m in top if not m.sme)
    assert all(m.score < large_below[0].score for m in moved)  # rank-only: scores unchanged
    for match in matches:
        assert math.isclose(sum(match.contributions.values()), match.score, abs_tol=1e-9)
    plain = Index.fit(vendors, settings=Settings(fair_share=0.0)).rank(task(), today=TODAY)
    assert sum(m.sme for m in plain[:10]) == 0
    assert {m.vendor_id: m.score for m in plain} == {m.vendor_id: m.score for m in matches}


def test_ledger_amortises_the_fair_share_over_shortlists():
    vendors = synthetic_vendors(300)
    index = Index.fit(vendors)
    ledger = ExposureLedger()
    for the_task in synthetic_tasks(20):
        ledger.record_matches(index.rank(the_task, top=10, exposure=ledger))
    pool = sum(v.sme and v.eligible for v in vendors) / sum(v.eligible for v in vendors)
    assert ledger.places == 200 and ledger.sme_places / ledger.places >= pool - 0.05


def test_index_round_trips_through_bytes_and_ranks_identically():
    vendors = synthetic_vendors(200)
    settings = Settings(weights=Weights(small_vendor=0.3), fairness_strength=0.02)
    index = Index.fit(vendors, taxonomy_parents={"tech:django": "tech:python"}, settings=settings)
    index.upsert(
        vendor(
            9999,
            codes={"tech:django": "expert"},
            profile_text="Django OS2forms",
            capacity_from=TODAY,
            on_time=(True, False),
            ratings=(4,),
        )
    )
    data = index.to_bytes()
    loaded = Index.from_bytes(data)
    assert [loaded.vendor(v.id) for v in vendors] == [index.vendor(v.id) for v in vendors]
    kept = loaded.vendor(vendors[7].id)
    assert kept is not None and (kept.codes, kept.past_awards, kept.sme) == (
        vendors[7].codes,
        vendors[7].past_awards,
        vendors[7].sme,
    )
    assert loaded.settings == settings and loaded.settings.model_version == settings.model_version
    assert loaded.vendor(9999) == index.vendor(9999)
    exposure = {v.id: float(v.id % 5) for v in vendors}
    for the_task in [*synthetic_tasks(3), task(required_codes=("tech:python",))]:
        assert loaded.rank(the_task, exposure=exposure, today=TODAY) == index.rank(
            the_task, exposure=exposure, today=TODAY
        )
    with pytest.raises(ValueError):
        Index.from_bytes(data.replace(FORMAT.encode(), b"matching-index/0"))
    # The previous format kept two bytes a term: its snapshots are refused (the app refits),
    # and so is a snapshot whose vendor records do not match its vendors.
    with pytest.raises(ValueError, match="not a matching-index/5 index: 'matching-index/4'"):
        Index.from_bytes(rewritten(data, header={"format": "matching-index/4"}))
    lengths = np.load(io.BytesIO(data))["kept_lengths"]
    with pytest.raises(ValueError, match="inconsistent stored vendor records"):
        Index.from_bytes(rewritten(data, kept_lengths=lengths[:-1]))


def rewritten(data: bytes, header: dict | None = None, **arrays: np.ndarray) -> bytes:
    """A saved index with some header values or arrays replaced."""
    with np.load(io.BytesIO(data)) as stored:
        values = {name: stored[name] for name in stored.files}
    values.update(arrays)
    changed = {**json.loads(values["header"].tobytes()), **(header or {})}
    values["header"] = np.frombuffer(json.dumps(changed).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **values)
    return buffer.getvalue()


def test_shared_words_come_from_the_hashed_counts():
    index = Index.fit([vendor(1, profile_text="Vi bygger OS2forms integrationer med Django")])
    (match,) = index.rank(task(), today=TODAY)
    assert (
        set(match.top_terms) <= {"os2forms", "django", "med", "vi"} and "django" in match.top_terms
    )


def test_shared_words_leave_out_function_words():
    danish = vendor(
        1,
        profile_text="Integration af kontrakter med FK Organisation og rapporter til kommuner",
    )
    index = Index.fit([danish])
    the_task = task(
        title="Rapporter af kontrakter",
        description="Integration med FK Organisation og eksport til Excel",
    )
    terms = index.rank(the_task)[0].top_terms
    assert terms, "the task and the vendor share words"
    for term in terms:
        words = term.split()
        assert words[0] not in ("af", "med", "og", "til"), term
        assert words[-1] not in ("af", "med", "og", "til"), term


def test_shared_words_are_the_same_whatever_rounds_they_are_looked_up_in(monkeypatch):
    """Shared words are looked up rarest first in rounds, only for vendors still short of
    five: a vendor that shares only commoner words gets them from a later round, and every
    vendor's words are those of a single lookup of every word at once."""
    common = [f"almen{i}" for i in range(10)]  # in 40% of the vendors
    rare = [f"sjælden{i}" for i in range(30)]  # each in a few vendors

    def text(i: int) -> str:
        return " ".join([*(common if i % 5 < 2 else []), *rare[i % 30 : i % 30 + i % 7]])

    vendors = [vendor(i + 1, profile_text=text(i), past_task_texts=(text(i),)) for i in range(40)]
    index = Index.fit(vendors)
    the_task = task(title="Opgave", description=" ".join(rare + common))

    def words() -> dict[int, tuple[str, ...]]:
        return {m.vendor_id: m.top_terms for m in index.rank(the_task, today=TODAY)}

    monkeypatch.setattr(ranker_module, "TERM_BATCH", 1000)  # one round: every word at once
    at_once = words()
    for batch in (1, 2, 16):
        monkeypatch.setattr(ranker_module, "TERM_BATCH", batch)
        assert words() == at_once
    assert len(at_once[1]) == 5 and set(at_once[1]) <= set(common)  # vendor 1: no rare word
    mixed = at_once[2]  # one rare word, then the commoner ones
    assert mixed[0] == "sjælden1" and set(mixed[1:]) <= set(common) and len(mixed) == 5
    assert at_once[5] == ("sjælden4", "sjælden5", "sjælden6", "sjælden7")  # four, none common
