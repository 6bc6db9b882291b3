"""Contribution features: recency decay, no look-ahead, languages, explanations, persistence."""

from __future__ import annotations

import datetime as dt

import pytest

from matching import contributions as contrib
from matching.ranker import Index
from matching.types import DEFAULT_SETTINGS, Contribution, TaskProfile, VendorProfile

TODAY = dt.date(2026, 11, 15)


def kitos(month: str, commits: int, lines: int = 100, languages=("Python",)) -> Contribution:
    return Contribution("os2:os2kitos", month, commits, lines, tuple(languages))


def task(**overrides) -> TaskProfile:
    values = {
        "id": 1,
        "title": "Eksport til Excel",
        "products": ("os2:os2kitos",),
        "published_at": TODAY,
    }
    values.update(overrides)
    return TaskProfile(**values)


def product_scores(*histories) -> list[float]:
    vendors = [VendorProfile(id=i + 1, contributions=h) for i, h in enumerate(histories)]
    table = contrib.ContributionTable.build(vendors)
    found = contrib.product_experience(
        table, len(vendors), ["os2:os2kitos"], TODAY, DEFAULT_SETTINGS
    )
    return [round(float(v), 4) for v in found]


def test_recent_commits_count_more_than_old_ones_and_future_ones_not_at_all() -> None:
    recent, old, future, none = product_scores(
        (kitos("2026-10", 10),), (kitos("2023-10", 10),), (kitos("2027-01", 10),), ()
    )
    assert recent > old > 0
    assert future == 0 and none == 0
    # Three years is three half-lives: an eighth of the weight.
    assert old == pytest.approx(1 - (1 - recent) ** (1 / 8), abs=0.01)


def test_only_the_tasks_products_count() -> None:
    forms = (Contribution("os2:os2forms", "2026-10", 50, 1000, ("PHP",)),)
    assert product_scores(forms) == [0.0]


def test_technology_evidence_follows_the_tasks_tech_codes() -> None:
    vendors = [
        VendorProfile(id=1, contributions=(kitos("2026-09", 5, 800, ("Python", "HTML")),)),
        VendorProfile(id=2, contributions=(kitos("2026-09", 5, 800, ("PHP",)),)),
    ]
    table = contrib.ContributionTable.build(vendors)
    found = contrib.technology_evidence(
        table, 2, ["tech:python", "72000000"], TODAY, DEFAULT_SETTINGS
    )
    assert found[0] > 0.5 and found[1] == 0
    assert contrib.tech_languages(["tech:Python", "tech:python", "48000000"]) == ("python",)


def test_the_engine_ranks_the_contributor_first_and_says_why_and_keeps_it_when_saved() -> None:
    vendors = [
        VendorProfile(id=1, name="Uden bidrag", profile_text="excel eksport"),
        VendorProfile(
            id=2,
            name="Med bidrag",
            profile_text="excel eksport",
            contributions=(kitos("2026-09", 20),),
        ),
    ]
    index = Index.fit(vendors)
    ranked = index.rank(task())
    assert ranked[0].vendor_id == 2
    assert ranked[0].contributions["contributed_product"] > 0
    assert contrib.CONTRIBUTION_NOTE in ranked[0].notes
    assert contrib.CONTRIBUTION_NOTE not in ranked[1].notes
    again = Index.from_bytes(index.to_bytes()).rank(task())
    assert [(m.vendor_id, m.score) for m in again] == [(m.vendor_id, m.score) for m in ranked]
    # An upsert that drops the history drops the evidence too.
    index.upsert(VendorProfile(id=2, name="Med bidrag", profile_text="excel eksport"))
    assert index.rank(task())[0].contributions["contributed_product"] == 0


def test_contribution_data_adds_histories_to_vendors_and_products_to_tasks() -> None:
    data = contrib.ContributionData(
        histories={"S1": (kitos("2026-01", 3),)}, products={"A1": ("os2:os2kitos",)}
    )
    assert data.vendor(VendorProfile(id=1), "S1").contributions == (kitos("2026-01", 3),)
    assert data.vendor(VendorProfile(id=2), "S2").contributions == ()
    assert data.task(task(id="A1", products=())).products == ("os2:os2kitos",)
    records = [["os2:os2kitos", "2026-01", 3, 100, ["Python"]]]
    assert contrib.from_records(records) == (kitos("2026-01", 3),)


def test_synthetic_histories_favour_the_vendors_own_niches() -> None:
    vendors = [(f"S{i}", [(i % 5, 0)]) for i in range(200)]
    histories = contrib.synthetic_histories(vendors, 5, 3, dt.date(2022, 1, 1), seed=3)
    own = sum(
        1
        for key, rows in histories.items()
        for row in rows
        if row[0] == contrib.synthetic_product(int(key[1:]) % 5, 0)
    )
    total = sum(len(rows) for rows in histories.values())
    assert 0.5 < own / total < 1.0
