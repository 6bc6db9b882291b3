"""Vendor lists read the stored standing: it follows every decision and the clock, and lists
filter, count and page on it the way the state function would."""

from __future__ import annotations

import datetime as dt

from market import clock
from market.conduct import services as conduct
from market.conduct.models import Decision, Signature, VendorStanding
from market.conduct.states import standings
from market.vendors import services as vendors
from market.vendors.models import Vendor
from tests import factories
from tests import factories_conduct as fc


async def _stored_agrees_with_decide() -> None:
    """The stored rows (suspension read from the vendor) say what `decide` says now."""
    rows = {s.vendor_id: s for s in await VendorStanding.all()}
    all_vendors = list(await Vendor.all())
    for vendor_id, judged in (await standings(all_vendors)).items():
        vendor = next(v for v in all_vendors if v.id == vendor_id)
        stored = rows[vendor_id]
        assert stored.state == judged.underlying
        assert (stored.eligible and vendor.suspended_at is None) == judged.eligible


async def _public_ids(client) -> set[int]:
    answer = (await client.get("/api/v1/vendors?per_page=200")).json()
    assert answer["total"] == len(answer["items"])
    return {item["id"] for item in answer["items"]}


async def test_the_stored_standing_follows_each_decision_in_its_transaction(client) -> None:
    v1 = await fc.version_1()
    secretariat = await factories.user("secretariat")
    vendor, admin = await fc.vendor(name="Skala Et ApS")
    signature_id = await fc.signed(vendor, admin, v1, countersign=False)
    assert (await VendorStanding.get(vendor_id=vendor.id)).state == "awaiting_countersignature"
    assert vendor.id not in await _public_ids(client)

    await conduct.decide_signature(signature_id, Decision.COUNTERSIGNED, actor=secretariat)
    assert (await VendorStanding.get(vendor_id=vendor.id)).eligible
    assert vendor.id in await _public_ids(client)

    await vendors.suspend(vendor.id, "Klage", actor=secretariat)
    assert vendor.id not in await _public_ids(client)
    await vendors.reinstate(vendor.id, "Afklaret", actor=secretariat)
    assert vendor.id in await _public_ids(client)

    await conduct.decide_signature(
        signature_id, Decision.REVOKED, actor=secretariat, reason="Brud på kodeks"
    )
    assert (await VendorStanding.get(vendor_id=vendor.id)).state == "revoked"
    assert vendor.id not in await _public_ids(client)
    await _stored_agrees_with_decide()


async def test_a_grace_period_ends_by_the_clock_alone(client) -> None:
    await fc.active_vendor(name="Skala To ApS")
    await fc.version("2", grace_days=10)  # in force today: the vendor is outdated, in grace
    first = await _public_ids(client)
    assert len(first) == 1
    clock.shift(dt.timedelta(days=11))
    assert await _public_ids(client) == set()  # nobody decided anything: time did
    await _stored_agrees_with_decide()
    clock.reset()  # and back: rows computed "in the future" are recomputed too
    assert await _public_ids(client) == first


async def test_a_suspension_written_straight_to_the_row_counts_at_once(client) -> None:
    vendor, _admin = await fc.active_vendor(name="Skala Tre ApS")
    await fc.active_vendor(name="Skala Fire ApS")
    await Vendor.filter(id=vendor.id).update(suspended_at=clock.now(), suspension_reason="x")
    assert vendor.id not in await _public_ids(client)
    page = await client.get("/directory?eligible=1")
    assert "Skala Fire ApS" in page.text and "Skala Tre ApS" not in page.text


async def test_the_secretariat_pages_the_register_and_counts_in_the_database(client) -> None:
    made = [await fc.active_vendor(name=f"Skala {n:02d} ApS") for n in range(3)]
    waiting, admin = await fc.vendor(name="Skala Venter ApS")
    await fc.signed(waiting, admin, await fc.version_1(), countersign=False)
    secretariat = await factories.user("secretariat")
    headers = await factories.bearer(client, secretariat)
    answer = (await client.get("/api/v1/signatures?per_page=2&page=2", headers=headers)).json()
    assert answer["total"] == 4 and len(answer["items"]) == 2
    active = (await client.get("/api/v1/signatures?status=active", headers=headers)).json()
    assert {i["vendor_id"] for i in active["items"]} == {v.id for v, _ in made}
    pending = (await client.get("/api/v1/signatures?status=pending", headers=headers)).json()
    assert [i["vendor_id"] for i in pending["items"]] == [waiting.id]
    assert (await conduct.state_counts())["active"] == 3
    await factories.login(client, secretariat)
    page = await client.get("/secretariat/vendors?state=awaiting_countersignature")
    assert "Skala Venter ApS" in page.text and "Skala 00 ApS" not in page.text
    desk = await client.get("/secretariat/conduct")
    assert desk.status_code == 200 and "Skala Venter ApS" in desk.text


async def test_the_desk_counts_states_and_pending_signatures_as_the_register_judges(
    client,
) -> None:
    v1 = await fc.version_1()
    secretariat = await factories.user("secretariat")
    active = [await fc.active_vendor(name=f"Tælles {n} ApS") for n in range(3)]
    await vendors.suspend(active[0][0].id, "Klage", actor=secretariat)  # active underneath
    waiting = []
    for n in range(2):
        vendor, admin = await fc.vendor(name=f"Venter {n} ApS")
        waiting.append(await fc.signed(vendor, admin, v1, countersign=False))
    rejected, admin = await fc.vendor(name="Afvist ApS")
    signature_id = await fc.signed(rejected, admin, v1, countersign=False)
    await conduct.decide_signature(
        signature_id, Decision.REJECTED, actor=secretariat, reason="Mangler"
    )
    await fc.vendor(name="Usigneret ApS")

    counts = await conduct.state_counts()  # stored rows, counted in SQL
    assert counts == await conduct.state_counts(at=clock.now())  # every vendor judged
    assert counts["active"] == 2 and counts["suspended"] == 1
    assert counts["awaiting_countersignature"] == 2 and counts["rejected"] == 1
    pending = await conduct.pending_signatures()
    assert [s.id for s in pending] == waiting  # oldest first
    assert [s.vendor.name for s in await conduct.pending_signatures(1)] == ["Venter 0 ApS"]
    assert await conduct.pending_count() == 2

    await factories.login(client, secretariat)
    desk = await client.get("/secretariat/conduct")
    assert desk.status_code == 200 and "Venter 0 ApS" in desk.text and "Afvist ApS" not in desk.text

    # The counts are kept per process for the vendor lists' version: a decision counts at once.
    await conduct.decide_signature(waiting[0], Decision.COUNTERSIGNED, actor=secretariat)
    counts = await conduct.state_counts()
    assert counts["active"] == 3 and counts["awaiting_countersignature"] == 1
    assert await conduct.pending_count() == 1
    shares = {label: n for label, n, _total in await conduct.version_shares()}
    assert shares == {label: n for label, n, _t in await conduct.version_shares(at=clock.now())}
    desk = await client.get("/secretariat/conduct")
    assert "Venter 0 ApS" not in desk.text and "Venter 1 ApS" in desk.text


async def test_a_deep_page_of_a_kept_list_follows_every_write_at_once(client) -> None:
    # The ordered ids of the lists without free text are kept per process for the vendor
    # lists' version: page 2 must still move with a rename, a suspension and a newcomer.
    made = {n: (await fc.active_vendor(name=f"Side {n} ApS"))[0] for n in "ABCDE"}

    async def page_two() -> tuple[list[str], int]:
        answer = (await client.get("/api/v1/vendors?per_page=2&page=2")).json()
        return [i["name"] for i in answer["items"]], answer["total"]

    assert await page_two() == (["Side C ApS", "Side D ApS"], 5)
    await Vendor.filter(id=made["A"].id).update(name="Side Z ApS")  # straight to the row
    assert await page_two() == (["Side D ApS", "Side E ApS"], 5)
    await vendors.suspend(made["D"].id, "Klage", actor=await factories.user("secretariat"))
    assert await page_two() == (["Side E ApS", "Side Z ApS"], 4)
    await fc.active_vendor(name="Side Ca ApS")
    assert await page_two() == (["Side Ca ApS", "Side E ApS"], 5)
    secretariat = await factories.user("secretariat")
    rows, total = await conduct.register_page(state="active", page=2, per_page=2)
    assert [r.vendor.name for r in rows] == ["Side Ca ApS", "Side E ApS"] and total == 5
    await factories.login(client, secretariat)
    page = await client.get("/secretariat/vendors?state=active")
    assert "Side Z ApS" in page.text and "Side D ApS" not in page.text


async def test_the_desk_names_each_pending_signatures_version_and_flags_another_text(
    client,
) -> None:
    # The desk reads the versions apart from the signatures (not joined, text and all, to
    # every row): each row still names its own version, and a signed text that is not the
    # version's is flagged.
    v1 = await fc.version_1()
    v2 = await fc.version("2.0", effective_from=clock.today() + dt.timedelta(days=30))
    first, admin = await fc.vendor(name="Første Underskriver ApS")
    await fc.signed(first, admin, v1, countersign=False)
    second, admin = await fc.vendor(name="Anden Underskriver ApS")
    other = await fc.signed(second, admin, v2, countersign=False)
    await Signature.filter(id=other).update(sha256="0" * 64)  # not the text of version 2.0
    await factories.login(client, await factories.user("secretariat"))
    desk = (await client.get("/secretariat/conduct")).text
    rows = {name: desk[desk.index(name) :].split("</tr>")[0] for name in ("Første", "Anden")}
    assert f"<td>{v1.label}</td>" in rows["Første"] and "⚠" not in rows["Første"]
    assert "<td>2.0 ⚠</td>" in rows["Anden"]
