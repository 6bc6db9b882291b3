"""Dates and CSV files follow the reader's language: Danish with ";", decimal commas and
Danish headers; English with ",", decimal points and English headers. The open data CSVs
are for programs and keep one format in both languages."""

from __future__ import annotations

import csv
import datetime as dt
import io

from market.i18n import set_language
from market.templating import templates
from tests import factories
from tests.functional.test_bids_evaluation import _evaluated
from tests.functional.test_opendata import _awarded_and_open


def test_a_date_is_written_one_way_per_language() -> None:
    day = dt.date(2027, 1, 31)
    moment = dt.datetime(2027, 1, 31, 9, 5, tzinfo=dt.UTC)
    shown = templates.from_string("{{ day|date }} / {{ moment|datetime }}")
    set_language("da")
    assert shown.render(day=day, moment=moment) == "31-01-2027 / 31-01-2027 10:05 CET"
    set_language("en")
    assert shown.render(day=day, moment=moment) == "2027-01-31 / 2027-01-31 10:05 CET"
    set_language("da")


async def test_the_scoring_sheet_is_danish_with_semicolons_and_decimal_commas(client) -> None:
    scene, mine, theirs, headers = await _evaluated(client)
    for bid in (mine, theirs):
        scored = await client.put(
            f"/api/v1/tasks/{scene.task.id}/scores",
            json={"bid_id": bid["id"], "scores": {"quality of approach": 7, "delivery time": 6}},
            headers=headers,
        )
        assert scored.status_code == 200, scored.text
    await factories.login(client, scene.coordinator)
    danish = (await client.get(f"/tasks/{scene.task.id}/evaluation.csv?lang=da")).text
    rows = list(csv.reader(io.StringIO(danish.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][1] == "Leverandør"
    assert sorted(r[-2] for r in rows[1:]) == ["7,2", "8"]  # 7.2 would be 7 February
    english = (await client.get(f"/tasks/{scene.task.id}/evaluation.csv?lang=en")).text
    rows = list(csv.reader(io.StringIO(english.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Rank", "Vendor"]
    assert sorted(r[-2] for r in rows[1:]) == ["7.2", "8"]


async def test_the_partner_register_csv_in_both_languages(client) -> None:
    from tests import factories_conduct

    await factories_conduct.active_vendor(name="Lille Kode ApS", employees=3)
    danish = (await client.get("/partners.csv?lang=da")).text.lstrip("\ufeff").splitlines()
    assert danish[0].startswith("Virksomhed;CVR-nummer;")
    assert ";v1;" in danish[1]
    english = (await client.get("/partners.csv?lang=en")).text.lstrip("\ufeff").splitlines()
    assert english[0].startswith("Company,CVR number,") and ",v1," in english[1]


async def test_open_data_csv_keeps_its_field_names_and_commas_in_both_languages(client) -> None:
    await _awarded_and_open(client)
    danish = (await client.get("/statistics/awards.csv?lang=da")).text
    english = (await client.get("/statistics/awards.csv?lang=en")).text
    assert danish == english
    assert danish.lstrip("\ufeff").startswith("task_id,ocid,title,awarded_at,vendor,")
