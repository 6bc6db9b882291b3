"""OCDS releases a consumer can trust: each change of a task is a new, immutable release;
records hold them all and a compiled release; everything validates with libcoveocds and
compiles with ocdskit, offline, with the declared extensions."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from market import clock
from market.opendata import ocds
from market.tasks.models import Task
from tests import factories, factories_bids
from tests.ocds_offline import cove, ocdskit_compile, offline_ocds  # noqa: F401 - a fixture

pytestmark = pytest.mark.usefixtures("offline_ocds")


async def _market(client, settings) -> tuple[Task, Task, Task]:
    """One task amended then awarded, one still open, one cancelled: each step recorded."""
    scene = await factories_bids.scene(hours=72)
    coordinator = await factories.bearer(client, scene.coordinator)
    await ocds.record_releases(settings)  # published
    clock.shift(dt.timedelta(hours=1))
    amended = await client.put(
        f"/api/v1/tasks/{scene.task.id}",
        json={"description": "Eksport af aftaler til regneark, også med bilag."},
        headers=coordinator,
    )
    assert amended.status_code == 200, amended.text
    await ocds.record_releases(settings)  # amended
    await factories_bids.place_bid(client, scene.admin, scene.task, price_dkk=80000)
    await factories_bids.place_bid(client, scene.other_admin, scene.task, price_dkk=95000)
    solution = await scene.task.solution
    open_task = await factories_bids.published_task(scene.coordinator, solution, hours=500)
    doomed = await factories_bids.published_task(scene.coordinator, solution, hours=500)
    await ocds.record_releases(settings)
    await ocds.record_releases(settings)  # nothing changed: nothing new
    cancelled = await client.post(f"/api/v1/tasks/{doomed.id}/cancel", json={}, headers=coordinator)
    assert cancelled.status_code == 200, cancelled.text
    factories_bids.pass_deadline(scene.task)
    await ocds.record_releases(settings)  # the deadline passed: the number of tenderers
    declared = await client.post(
        f"/api/v1/tasks/{scene.task.id}/declaration",
        json={"no_conflict": True},
        headers=coordinator,
    )
    assert declared.status_code == 201, declared.text
    bids = (await client.get(f"/api/v1/tasks/{scene.task.id}/bids", headers=coordinator)).json()
    winner = next(b for b in bids["items"] if b["price_dkk"] == 80000)
    awarded = await client.post(
        f"/api/v1/tasks/{scene.task.id}/award",
        json={"bid_id": winner["id"], "justification": "Bedste pris og tilgang."},
        headers=coordinator,
    )
    assert awarded.status_code == 201, awarded.text
    await ocds.record_releases(settings)  # awarded
    return scene.task, open_task, doomed


async def test_each_change_is_a_new_immutable_release_valid_with_0_errors_and_0_additional_fields(
    client, settings
) -> None:
    awarded, open_task, cancelled = await _market(client, settings)
    package = (await client.get("/api/v1/ocds/releases")).json()
    assert cove(package) == {}

    ocid = f"{settings.ocds_ocid_prefix}-{awarded.id}"
    history = [r for r in package["releases"] if r["ocid"] == ocid]
    assert [r["tag"] for r in history] == [
        ["tender"],
        ["tenderAmendment"],
        ["tenderUpdate"],
        ["award"],
    ]
    assert len({r["id"] for r in package["releases"]}) == len(package["releases"])
    dates = [r["date"] for r in history]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    first, amendment, update, award = history
    assert "bilag" not in first["tender"]["description"]  # the first release kept its words
    assert "bilag" in amendment["tender"]["description"]
    [change] = amendment["tender"]["amendments"]
    assert change["amendsReleaseID"] == first["id"] and change["releaseID"] == amendment["id"]
    assert "numberOfTenderers" not in first["tender"]
    assert update["tender"]["numberOfTenderers"] == 2
    assert award["awards"][0]["value"]["amount"] == 80000
    assert "95000" not in json.dumps(package)  # the losing price is never published

    tender = award["tender"]
    assert tender["awardCriteria"] == "ratedCriteria"
    assert "pris 40 %" in tender["awardCriteriaDetails"]
    assert tender["submissionMethod"] == ["electronicSubmission"]
    for release in package["releases"]:
        periods = release["tender"]
        assert periods["tenderPeriod"]["startDate"] <= periods["tenderPeriod"]["endDate"]
        assert periods["enquiryPeriod"]["startDate"] <= periods["enquiryPeriod"]["endDate"]
        assert release["language"] == "da"
    supplier = next(p for p in award["parties"] if "supplier" in p["roles"])
    assert supplier["details"]["scale"] in ("micro", "sme", "large")
    procuring = next(p for p in award["parties"] if "procuringEntity" in p["roles"])
    assert procuring["contactPoint"]["email"] == settings.contact_email
    assert all("address" in p for p in award["parties"])
    assert any(r["tag"] == ["tenderCancellation"] for r in package["releases"]
               if r["ocid"].endswith(f"-{cancelled.id}"))  # fmt: skip
    sealed = [r for r in package["releases"] if r["ocid"].endswith(f"-{open_task.id}")]
    assert sealed and all("numberOfTenderers" not in r["tender"] for r in sealed)
    assert package["publisher"]["name"] and package["extensions"] == ocds.EXTENSIONS


async def test_records_hold_every_release_and_the_compiled_release_ocdskit_agrees_with(
    client, settings
) -> None:
    awarded, _open, _cancelled = await _market(client, settings)
    ocid = f"{settings.ocds_ocid_prefix}-{awarded.id}"
    records = (await client.get("/api/v1/ocds/records")).json()
    assert cove(records) == {}
    record = next(r for r in records["records"] if r["ocid"] == ocid)
    assert len(record["releases"]) == 4
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["awards"][0]["value"]["amount"] == 80000
    assert "bilag" in compiled["tender"]["description"]

    releases = (await client.get("/api/v1/ocds/releases")).json()
    theirs = ocdskit_compile(releases)[ocid]
    assert theirs == compiled

    one = (await client.get("/api/v1/ocds/records", params={"ocid": ocid})).json()
    assert [r["ocid"] for r in one["records"]] == [ocid]
    missing = await client.get("/api/v1/ocds/records", params={"ocid": "ocds-none-1"})
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


async def test_the_feed_is_paginated_with_package_links(client, settings, monkeypatch) -> None:
    await _market(client, settings)
    monkeypatch.setattr(ocds, "RELEASES_PER_PAGE", 3)
    first = await client.get("/api/v1/ocds/releases")
    package = first.json()
    assert len(package["releases"]) == 3
    assert package["links"]["next"].endswith("/api/v1/ocds/releases?page=2")
    assert 'rel="next"' in first.headers["link"]
    assert first.headers["content-encoding"] == "gzip"  # public data: compressed on the wire
    seen = list(package["releases"])
    while "next" in package.get("links", {}):
        url = package["links"]["next"].removeprefix(settings.base_url)
        package = (await client.get(url)).json()
        assert "prev" in package["links"]
        seen.extend(package["releases"])
    everything = (await client.get("/api/v1/ocds/releases", params={"page": 1})).json()
    assert len({r["id"] for r in seen}) == len(seen) == 7  # 4 + 1 open + 2 cancelled
    # libcoveocds applies the declared extensions to releases only, not to the package, so
    # it names the pagination extension's `links` as the one field outside the core schema.
    found = cove(package)
    assert found == {"additional_fields": [{"path": "", "field": "links", "usage_count": 1}]}
    assert (await client.get("/api/v1/ocds/releases?page=999")).status_code == 404
    assert everything["releases"][0]["id"] == seen[0]["id"]
