"""Spreadsheet exports never carry a formula that runs, whoever typed the text."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from market import exports
from tests import factories, factories_bids, factories_conduct

FORMULA = '=HYPERLINK("https://evil.example","Klik")'


def test_every_cell_starting_like_a_formula_is_kept_as_text():
    for text in ("=1+2", "+1", "-1+2", "@SUM(A1)", "\t=1", " =1", "\uff1d1"):
        assert exports.cell(text).startswith("'"), text
    for value in (12, -5, 2.5, "Kvalitet", "", "a=b", True):
        assert exports.cell(value) == value
    assert exports.cell(None) == ""


async def test_a_vendor_email_that_is_a_formula_is_neutralised_in_register_csv(client):
    vendor, admin = await factories_conduct.active_vendor(
        email=f"{FORMULA}@x.dk", name="=cmd|' /C calc'!A0"
    )
    assert admin.email.startswith("=hyperlink")
    await factories.login(client, await factories.user("secretariat"))
    answer = await client.get("/secretariat/conduct/register.csv")
    assert answer.status_code == 200
    sheet = csv.reader(io.StringIO(answer.text.lstrip("\ufeff")), delimiter=";")  # Danish
    cells = [c for r in sheet for c in r]
    assert "'" + admin.email in cells and "'" + vendor.name in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
    public = await client.get("/statistics/register.csv")
    cells = [c for r in csv.reader(io.StringIO(public.text.lstrip("\ufeff"))) for c in r]
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]


async def test_criterion_names_reach_the_scoring_sheets_as_text(client):
    scene = await factories_bids.scene(
        criteria=[{"name": "=1+2", "weight": 60}, {"name": "price", "weight": 40}]
    )
    await factories_bids.place_bid(client, scene.admin, scene.task)
    factories_bids.pass_deadline(scene.task)
    path = f"/tasks/{scene.task.id}"
    headers = await factories.bearer(client, scene.coordinator)
    declared = await client.post(
        f"/api/v1{path}/declaration", json={"no_conflict": True}, headers=headers
    )
    assert declared.status_code == 201, declared.text
    await factories.login(client, scene.coordinator)
    xlsx = await client.get(f"{path}/evaluation.xlsx")
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    header = [c for c in next(sheet.iter_rows(values_only=True))]
    assert "'=1+2 (60 %)" in header
    assert all(not str(c.value).startswith("=") for r in sheet.iter_rows() for c in r)
    text = (await client.get(f"{path}/evaluation.csv")).text
    assert "'=1+2 (60 %)" in text.splitlines()[0]


async def test_line_breaks_never_reach_a_mail_header(client):
    from market.mail.services import queue_message
    from tests import factories_tasks

    coordinator, solution = await factories_tasks.coordinator_of()
    headers = await factories.bearer(client, coordinator)
    injected = "Ny opgave\r\nBcc: everyone@evil.example"
    answer = await client.post(
        "/api/v1/tasks",
        json=factories_tasks.task_body(solution.id, title=injected),
        headers=headers,
    )
    assert answer.status_code == 422 and "title" in answer.json()["fields"]
    registration = factories_conduct.registration(name="Firma\nBcc: x@evil.example")
    refused = await client.post("/api/v1/vendors", json=registration)
    assert refused.status_code == 422 and "name" in refused.json()["fields"]
    named = factories_conduct.registration(contact_name="Anne\rBcc: x@evil.example")
    refused = await client.post("/api/v1/vendors", json=named)
    assert refused.status_code == 422 and "contact_name" in refused.json()["fields"]
    # Whatever got in before these checks, the outbox writes one line.
    message = await queue_message(
        to="a@example.dk", key="header-test", subject=injected, text="x", headers={"X-A": "1\n2"}
    )
    assert "\r" not in message.subject and "\n" not in message.subject
    assert message.headers["X-A"] == "1 2"
