"""Eligibility changed in place, and an index built from vendors in any order: each ranks
exactly like an index fitted from the changed profiles in id order."""

import dataclasses
import datetime as dt

import numpy as np
import pytest

import matching.counts as counts_module
import matching.ranker as ranker_module
from matching import ExposureLedger, Index, VendorProfile
from matching.bench import synthetic_tasks, synthetic_vendors

TODAY = dt.date(2025, 1, 1)
SUSPENDED = ("Suspended after a documented complaint",)
UNSIGNED = ("Code of Conduct not signed",)


@pytest.fixture
def small_segments(monkeypatch):
    """Segments of 8 rows, so that a few dozen vendors make several segments."""
    monkeypatch.setattr(counts_module, "SEGMENT_ROWS", 8)
    monkeypatch.setattr(ranker_module, "SEGMENT_ROWS", 8)


def same_ranking(index: Index, other: Index, tasks: int = 4) -> None:
    for task in synthetic_tasks(tasks):
        ledger = ExposureLedger({v: float(v % 3) for v in index.vendor_ids.tolist()})
        assert index.rank(task, exposure=ledger, today=TODAY) == other.rank(
            task, exposure=ledger, today=TODAY
        )
        assert np.array_equal(index.score(task).score, other.score(task).score)
        assert np.array_equal(index.score(task).eligible, other.score(task).eligible)


def changes(vendors: list[VendorProfile]) -> dict[int, tuple[bool, tuple[str, ...]]]:
    """A suspension of the vendor ranked first, a countersignature, a reason changed."""
    first = Index.fit(vendors).rank(synthetic_tasks(1)[0], top=1, today=TODAY)[0].vendor_id
    ineligible = [v.id for v in vendors if not v.eligible]
    return {first: (False, SUSPENDED), ineligible[0]: (True, ()), ineligible[1]: (False, UNSIGNED)}


def changed_profiles(vendors, verdicts) -> list[VendorProfile]:
    return [
        dataclasses.replace(v, eligible=verdicts[v.id][0], ineligible_reasons=verdicts[v.id][1])
        if v.id in verdicts
        else v
        for v in vendors
    ]


@pytest.mark.parametrize("ranked_before", [False, True])
def test_eligibility_set_in_place_ranks_like_a_refit(small_segments, ranked_before):
    vendors = synthetic_vendors(60)
    verdicts = changes(vendors)
    index = Index.fit(vendors)
    if ranked_before:  # the weighted matrices exist: they are kept, only one number changes
        index.rank(synthetic_tasks(1)[0], today=TODAY)
    for vendor_id, (eligible, reasons) in verdicts.items():
        assert index.set_eligibility(vendor_id, eligible, reasons)
    refit = Index.fit(changed_profiles(vendors, verdicts))
    same_ranking(index, refit)
    first = next(iter(verdicts))
    match = next(m for m in index.rank(synthetic_tasks(1)[0], today=TODAY) if m.vendor_id == first)
    assert not match.eligible and match.reasons[0] == SUSPENDED[0]


def test_the_same_eligibility_again_is_no_change_and_an_unknown_vendor_is_refused():
    vendors = synthetic_vendors(20)
    index = Index.fit(vendors)
    vendor = vendors[3]
    assert not index.set_eligibility(vendor.id, vendor.eligible, vendor.ineligible_reasons)
    assert index.set_eligibility(vendor.id, vendor.eligible, ("A new reason",))
    kept = index.vendor(vendor.id)
    assert kept is not None and kept.ineligible_reasons == ("A new reason",)
    with pytest.raises(KeyError):
        index.set_eligibility(10_000, False, SUSPENDED)


def test_a_changed_eligibility_survives_the_snapshot():
    vendors = synthetic_vendors(60)
    verdicts = changes(vendors)
    index = Index.fit(vendors)
    for vendor_id, (eligible, reasons) in verdicts.items():
        index.set_eligibility(vendor_id, eligible, reasons)
    loaded = Index.from_bytes(index.to_bytes())
    same_ranking(loaded, Index.fit(changed_profiles(vendors, verdicts)))
    for vendor_id, (eligible, reasons) in verdicts.items():
        kept = loaded.vendor(vendor_id)
        assert kept is not None and (kept.eligible, kept.ineligible_reasons) == (eligible, reasons)


def test_vendors_in_any_order_give_the_index_of_their_ids(small_segments):
    vendors = synthetic_vendors(50)
    renamed = dataclasses.replace(vendors[10], profile_text="Django og OS2forms integration")
    expected = Index.fit(iter([*vendors[:10], renamed, *vendors[11:]]))  # increasing ids
    shuffled = [vendors[i] for i in np.random.default_rng(3).permutation(len(vendors))]
    # A later duplicate replaces an earlier one, in a list and in an iterator alike.
    for given in ([*shuffled, renamed], iter([*vendors[:30], *shuffled, renamed])):
        index = Index.fit(given)
        assert index.vendor_ids.tolist() == [v.id for v in vendors]
        same_ranking(index, expected, tasks=3)
