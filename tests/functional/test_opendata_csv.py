"""The public data as CSV (tasks, awards, register), linked from /statistics, and the
statistics counted in SQL."""

from __future__ import annotations

import csv
import io

from market.opendata import services
from market.vendors.models import size_class_for
from tests.functional.test_opendata import _awarded_and_open


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


async def test_statistics_page_links_the_csv_files_and_they_download(client) -> None:
    awarded, sealed, _winner, vendor = await _awarded_and_open(client)
    page = await client.get("/statistics")
    for name in ("tasks", "awards", "register"):
        assert f'href="/statistics/{name}.csv"' in page.text
    assert 'href="/api/v1/ocds/records"' in page.text

    tasks = await client.get("/statistics/tasks.csv")
    assert tasks.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in tasks.headers["content-disposition"]
    assert tasks.headers["vary"] == "Accept-Encoding"  # gzip once it is over 1 KB
    rows = {int(r["task_id"]): r for r in _rows(tasks.text)}
    assert rows[awarded.id]["number_of_bids"] == "2"
    assert rows[awarded.id]["status"] == "awarded"
    assert rows[awarded.id]["ocid"] == f"ocds-pmkt01-{awarded.id}"
    assert rows[sealed.id]["number_of_bids"] == ""  # sealed until its deadline

    awards = _rows((await client.get("/statistics/awards.csv")).text)
    assert [(int(a["task_id"]), a["vendor"], a["price_dkk"]) for a in awards] == [
        (awarded.id, vendor.name, "80000")
    ]
    everything = tasks.text + (await client.get("/statistics/awards.csv")).text
    assert "95000" not in everything and "77777" not in everything

    register = _rows((await client.get("/statistics/register.csv")).text)
    assert vendor.cvr in {r["cvr"] for r in register}


async def test_statistics_are_counted_in_sql_with_the_same_figures(client) -> None:
    _awarded, _sealed, _winner, vendor = await _awarded_and_open(client)
    stats = await services.statistics()
    by_status = {b.key: b.count for b in stats.tasks_by_status}
    assert by_status["awarded"] == 1 and by_status["published"] == 1
    assert stats.tasks_total == 2
    assert stats.tasks_past_deadline == 1
    assert {b.key: b.count for b in stats.bids_distribution}["2"] == 1
    size = vendor.size_class
    assert {b.key: b.count for b in stats.awards_by_size}[size] == 1
    assert stats.money_by_size[size] == 80000 and stats.awarded_money == 80000


def test_the_size_ranges_match_the_vendor_size_classes() -> None:
    for size, (low, high) in services.SIZE_RANGES.items():
        assert size_class_for(low) == size
        if high is not None:
            assert size_class_for(high - 1) == size and size_class_for(high) != size
