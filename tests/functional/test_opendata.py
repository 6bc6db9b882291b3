"""Open data: the OCDS release package and the public statistics page."""

from __future__ import annotations

import html
from typing import Any

import pytest

from market.opendata import ocds
from market.tasks.models import Task
from market.vendors.models import Vendor
from tests import factories, factories_bids, factories_tasks
from tests.ocds_offline import cove, offline_ocds  # noqa: F401 - a fixture


async def _awarded_and_open(client: Any) -> tuple[Task, Task, dict, Vendor]:
    scene = await factories_bids.scene()
    winner = await factories_bids.place_bid(client, scene.admin, scene.task, price_dkk=80000)
    await factories_bids.place_bid(client, scene.other_admin, scene.task, price_dkk=95000)
    headers = await factories.bearer(client, scene.coordinator)
    factories_bids.pass_deadline(scene.task)
    declared = await client.post(
        f"/api/v1/tasks/{scene.task.id}/declaration", json={"no_conflict": True}, headers=headers
    )
    assert declared.status_code == 201, declared.text
    awarded = await client.post(
        f"/api/v1/tasks/{scene.task.id}/award",
        json={"bid_id": winner["id"], "justification": "Bedste pris og tilgang."},
        headers=headers,
    )
    assert awarded.status_code == 201, awarded.text
    # A second task, still open for bids, with one sealed bid on it.
    solution = await scene.task.solution
    open_task = await factories_bids.published_task(
        scene.coordinator, solution, hours=48, title="Ny rapport over aftaler"
    )
    await factories_bids.place_bid(client, scene.other_admin, open_task, price_dkk=77777)
    return scene.task, open_task, winner, scene.vendor


def _release(package: dict[str, Any], task: Task) -> dict[str, Any]:
    """The task's latest release."""
    return [r for r in package["releases"] if r["ocid"] == f"ocds-pmkt01-{task.id}"][-1]


@pytest.mark.usefixtures("offline_ocds")
async def test_the_release_package_is_valid_ocds_and_keeps_sealed_bids_sealed(
    client, settings
) -> None:
    awarded, open_task, _winner, vendor = await _awarded_and_open(client)
    await ocds.record_releases(settings)
    response = await client.get("/api/v1/ocds/releases")
    assert response.status_code == 200
    package = response.json()
    assert package["version"] == "1.1"
    assert package["uri"].endswith("/api/v1/ocds/releases")
    assert cove(package) == {}

    done = _release(package, awarded)
    assert done["tag"] == ["award"] and done["initiationType"] == "tender"
    assert done["tender"]["numberOfTenderers"] == 2
    assert done["tender"]["procurementMethod"] == "open"
    assert done["tender"]["value"] == {"amount": awarded.budget_dkk, "currency": "DKK"}
    assert done["tender"]["items"][0]["classification"] == {
        "scheme": "CPV",
        "id": "72000000",
        "description": done["tender"]["items"][0]["description"],
    }
    [award] = done["awards"]
    assert award["status"] == "active" and award["value"]["amount"] == 80000
    supplier = next(p for p in done["parties"] if "supplier" in p["roles"])
    assert supplier["identifier"] == {
        "scheme": "DK-CVR",
        "id": vendor.cvr,
        "legalName": vendor.name,
    }
    assert supplier["details"]["scale"] in ("micro", "sme", "large")
    assert award["suppliers"] == [{"id": supplier["id"], "name": vendor.name}]
    buyer = next(p for p in done["parties"] if "buyer" in p["roles"])
    assert done["buyer"]["id"] == buyer["id"] and buyer["name"] == "Syddjurs Kommune"

    sealed = _release(package, open_task)
    assert sealed["tag"] == ["tender"] and sealed["tender"]["status"] == "active"
    assert "numberOfTenderers" not in sealed["tender"]
    assert "awards" not in sealed
    assert all("supplier" not in p["roles"] for p in sealed["parties"])
    assert "77777" not in response.text  # the sealed bid's price appears nowhere
    # Release ids change with the state, so a consumer sees each state as a new release.
    assert sealed["id"] != done["id"]


@pytest.mark.usefixtures("offline_ocds")
async def test_drafts_are_not_published(client, settings) -> None:
    coordinator, solution = await factories_tasks.coordinator_of()
    draft = await factories_tasks.task(coordinator, solution, title="Hemmelig kladde")
    # (OCDS wants at least one release in a package: an empty market serves "releases": [].)
    await factories_bids.published_task(coordinator, solution, title="Offentlig opgave")
    await ocds.record_releases(settings)
    package = (await client.get("/api/v1/ocds/releases")).json()
    assert all(r["ocid"] != f"ocds-pmkt01-{draft.id}" for r in package["releases"])
    assert cove(package) == {}


async def test_statistics_count_bids_only_after_the_deadline(client) -> None:
    _awarded, _open, _winner, vendor = await _awarded_and_open(client)
    page = await client.get("/statistics?lang=en")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Statistics</h1>" in text
    assert 'id="bids-per-task"' in text and "<svg" in text
    assert "style=" not in text  # CSP: no inline styles
    # The open task's sealed bid is not counted: only tasks past their deadline are.
    assert "77.777" not in text and "77777" not in text
    share = html.unescape(text.split('id="small-share">')[1].split("</p>")[0])
    expected = 100 if vendor.size_class in ("micro", "small", "medium") else 0
    assert f"{expected} % of the awarded money" in share
    danish = await client.get("/statistics?lang=da")
    assert "Tilbud pr. opgave" in danish.text
    assert 'href="/statistics"' in danish.text  # in the menu


async def test_statistics_never_count_sealed_bids(client) -> None:
    scene = await factories_bids.scene()
    await factories_bids.place_bid(client, scene.admin, scene.task)
    from market.opendata import services

    before = await services.statistics()
    assert before.tasks_past_deadline == 0
    assert sum(b.count for b in before.bids_distribution) == 0
    factories_bids.pass_deadline(scene.task)
    after = await services.statistics()
    counts = {b.key: b.count for b in after.bids_distribution}
    assert counts["1"] == 1
