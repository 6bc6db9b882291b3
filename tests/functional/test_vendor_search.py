"""Full-text search over vendors (PostgreSQL tsvector, SQLite FTS5) and the list copies that
are checked against the database's list version."""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import os
from collections.abc import Awaitable, Callable

import pytest

from market import clock, listcache
from market.competencies import directory
from market.competencies.models import Competency, VendorReference
from market.vendors.models import Vendor
from market.vendors.search import stem, terms
from tests import factories
from tests import factories_conduct as fc
from tests import factories_tasks as ft


def test_danish_stems_and_stop_words() -> None:
    assert stem("udviklinger") == stem("udvikling") == "udvikling"
    assert stem("kommunernes") == "kommun"
    assert terms("Udvikling og drift") == ["udvikling", "drift"]
    assert terms("og i") == []


async def _profile(vendor: Vendor, da: str, en: str = "") -> None:
    await Vendor.filter(id=vendor.id).update(profile_text_da=da, profile_text_en=en)


async def test_directory_finds_words_in_every_form_by_stem_and_prefix(client) -> None:
    first, _a = await fc.active_vendor(name="Fjordkode ApS")
    second, _b = await fc.active_vendor(name="Havnedata ApS")
    await _profile(first, "Vi leverer udviklinger af selvbetjening til kommunerne.")
    await _profile(second, "Drift og hosting.", "Hosting of Python services.")

    found = (await client.get("/directory?q=udvikling")).text
    assert "Fjordkode ApS" in found and "Havnedata ApS" not in found
    found = (await client.get("/directory?q=pyth+hosting")).text  # every word, prefixes
    assert "Havnedata ApS" in found and "Fjordkode ApS" not in found
    found = (await client.get("/directory?q=kommune")).text
    assert "Fjordkode ApS" in found
    found = (await client.get("/directory?q=og")).text  # stop words alone: everyone
    assert "Fjordkode ApS" in found and "Havnedata ApS" in found


async def test_the_index_follows_profiles_names_and_references(client) -> None:
    vendor, _admin = await fc.active_vendor(name="Bakkesoft ApS")
    assert "Bakkesoft" not in (await client.get("/directory?q=geodata")).text
    await VendorReference.create(vendor=vendor, title="Geodataportal", customer="Aarhus Kommune")
    assert "Bakkesoft" in (await client.get("/directory?q=geodata")).text
    await VendorReference.filter(vendor_id=vendor.id).delete()
    assert "Bakkesoft" not in (await client.get("/directory?q=geodata")).text

    await _profile(vendor, "Tilgængelighedsgennemgange")
    assert "Bakkesoft" in (await client.get("/directory?q=tilgængelighed")).text
    await Vendor.filter(id=vendor.id).update(name="Skovsoft ApS")
    assert "Skovsoft" in (await client.get("/directory?q=skovsoft")).text
    assert "Bakkesoft" not in (await client.get("/directory?q=bakkesoft")).text


async def test_partners_api_and_secretariat_lists_search_the_same_way(client) -> None:
    first, _a = await fc.active_vendor(name="Lyngby Integration ApS")
    await fc.active_vendor(name="Vejle Web ApS")
    await _profile(first, "Integrationer til Serviceplatformen")

    answer = (await client.get("/api/v1/vendors?q=integrationerne")).json()
    assert [item["name"] for item in answer["items"]] == ["Lyngby Integration ApS"]
    assert answer["total"] == 1
    by_cvr = (await client.get(f"/api/v1/vendors?q={first.cvr[:6]}")).json()
    assert first.id in {item["id"] for item in by_cvr["items"]}
    page = (await client.get("/partners?q=serviceplatform")).text
    assert "Lyngby Integration ApS" in page and "Vejle Web ApS" not in page

    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    page = (await client.get("/secretariat/vendors?q=integration")).text
    assert "Lyngby Integration ApS" in page and "Vejle Web ApS" not in page


async def test_a_list_copy_is_not_served_after_a_write_or_its_moment(client) -> None:
    coordinator, made = await ft.coordinator_of()
    task = await ft.task(coordinator, made, publish=True, title="Kortlægning af integrationer")
    first = (await client.get("/api/v1/tasks")).json()
    assert (await client.get("/api/v1/tasks")).json() == first  # the copy
    await ft.task(coordinator, made, publish=True, title="Anden opgave")
    assert (await client.get("/api/v1/tasks")).json()["total"] == first["total"] + 1

    status = {t["id"]: t["status"] for t in (await client.get("/api/v1/tasks")).json()["items"]}
    assert status[task.id] == "published"
    clock.shift(task.bid_deadline - clock.now() + dt.timedelta(minutes=1))
    status = {t["id"]: t["status"] for t in (await client.get("/api/v1/tasks")).json()["items"]}
    assert status[task.id] == "closed"  # nobody wrote anything: the deadline passed


async def test_a_copied_page_carries_each_visitors_own_csrf_token(client) -> None:
    await fc.active_vendor(name="Tokensoft ApS")
    first = await client.get("/directory")
    client.cookies.clear()
    second = await client.get("/directory")
    token_1 = factories.csrf_from(first.text)
    token_2 = factories.csrf_from(second.text)
    assert token_1 and token_2 and token_1 != token_2
    assert "pm-csrf-marker" not in second.text


async def test_a_searchs_total_follows_every_write_whoever_asks(client) -> None:
    """The total of a search is kept per process for the lists' version: a profile, a
    suspension or a new signature counts at once, for visitors and signed-in users alike."""
    first, _a = await fc.active_vendor(name="Ribe Geodata ApS")
    second, _b = await fc.active_vendor(name="Tønder Web ApS")
    await _profile(first, "Geodata og kortløsninger")

    def total(answer) -> int:
        return int(answer.json()["total"])

    async def in_directory(**filters: object) -> int:
        return (await directory.search(directory.DirectoryQuery(q="kortløsning", **filters)))[1]

    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    assert total(await client.get("/api/v1/vendors?q=kortløsning")) == 1
    assert total(await client.get("/api/v1/vendors?q=kortløsning")) == 1  # kept
    assert await in_directory() == 1 and await in_directory(eligible=True) == 1
    await _profile(second, "Kortløsninger til forsyning")
    assert total(await client.get("/api/v1/vendors?q=kortløsning")) == 2
    assert await in_directory() == 2 and await in_directory(eligible=True) == 2
    await Vendor.filter(id=first.id).update(suspended_at=clock.now())
    assert total(await client.get("/api/v1/vendors?q=kortløsning")) == 1
    assert await in_directory() == 2 and await in_directory(eligible=True) == 1
    client.cookies.clear()
    assert total(await client.get("/api/v1/vendors?q=kortløsning")) == 1


async def test_a_count_asked_for_by_many_at_once_is_computed_once(client) -> None:
    """Many requests arriving together for a count of every vendor run it once; when that
    computation fails, the others compute it themselves instead of failing with it."""
    listcache.clear()
    calls = []
    release = asyncio.Event()

    async def slow_count() -> int:
        calls.append(1)
        await release.wait()
        return 41 + len(calls)

    waiting = [
        asyncio.create_task(listcache.kept("vendors", "every vendor", slow_count)) for _ in range(5)
    ]
    await asyncio.sleep(0.05)
    release.set()
    assert await asyncio.gather(*waiting) == [42] * 5
    assert len(calls) == 1

    listcache.clear()
    release.clear()

    async def failing() -> int:
        await release.wait()
        raise RuntimeError("the database went away")

    first = asyncio.create_task(listcache.kept("vendors", "another count", failing))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(listcache.kept("vendors", "another count", slow_count))
    await asyncio.sleep(0.01)
    release.set()
    with pytest.raises(RuntimeError):
        await first
    assert await second == 43


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: SQLite has one connection, no reader outside the transaction",
)
async def test_a_transaction_reads_its_own_list_version_not_one_shared_from_outside() -> None:
    # A request outside any transaction and one inside a transaction that changed the taxonomy
    # ask for a kept value at the same moment, the outside one first. The transaction must be
    # answered for the version its own write made, not the one read for the outside request.
    await listcache.kept("taxonomy", "probe", _constant("before the write"))
    await Competency.create(code="x:probe", kind="technology", label_da="Prøve", label_en="Probe")
    outside = asyncio.get_running_loop().create_task(
        listcache.kept("taxonomy", "probe", _constant("outside")),
        context=contextvars.Context(),  # no transaction: the default connection pool
    )
    await asyncio.sleep(0)  # the outside request asks first
    inside = await listcache.kept("taxonomy", "probe", _constant("after the write"))
    assert inside == "after the write"
    assert await outside == "before the write"  # committed state: the write is not its yet


def _constant(value: str) -> Callable[[], Awaitable[str]]:
    async def compute() -> str:
        return value

    return compute
