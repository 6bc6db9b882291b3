"""Where the generated document and the code must agree to the last value: what the document
admits is accepted, what it refuses is refused with the field named."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from market.competencies.schemas import ProfileUpdate
from market.contributions.schemas import IdentitiesDeclare
from market.db import MAX_ID
from market.errors import ValidationFailed
from market.openapi import OPS
from market.schemas import parse
from market.solutions.schemas import SolutionCreate
from market.tasks.schemas import InviteVendors, TaskContent, TaskUpdate
from tests import factories, factories_bids


async def test_a_page_the_document_refuses_is_refused_by_the_open_data_feeds(client):
    for path in ("/api/v1/ocds/releases", "/api/v1/ocds/records"):
        refused = await client.get(path, params={"page": "0"})
        assert refused.status_code == 422, refused.text
        assert "page" in refused.json()["fields"]
        assert (await client.get(path, params={"page": "1"})).status_code == 200
        unknown = await client.get(path, params={"per_page": "5"})
        assert unknown.status_code == 422 and "per_page" in unknown.json()["fields"]


async def test_an_id_filter_is_bounded_where_the_database_is(client):
    document = (await client.get("/api/v1/openapi.json")).json()
    parameters = document["paths"]["/tasks"]["get"]["parameters"]
    declared = next(p["schema"] for p in parameters if p["name"] == "solution_id")
    assert declared["maximum"] == MAX_ID == 2**31 - 1
    assert (await client.get("/api/v1/tasks", params={"solution_id": MAX_ID})).status_code == 200
    beyond = await client.get("/api/v1/tasks", params={"solution_id": MAX_ID + 1})
    assert beyond.status_code == 422 and "solution_id" in beyond.json()["fields"]


def test_a_whole_number_written_with_a_decimal_point_is_an_id():
    """JSON Schema's "integer" admits 1.0, so the API must too (not true, not 1.5)."""
    assert parse(InviteVendors, {"vendor_ids": [3.0, 4, 3]}).vendor_ids == [3, 4]
    for wrong in ([1.5], [True], [0], [MAX_ID + 1], ["3"]):
        with pytest.raises(ValidationFailed) as refused:
            parse(InviteVendors, {"vendor_ids": wrong})
        assert set(refused.value.fields) == {"vendor_ids"}, wrong


# --- text the model does not read, and null --------------------------------------------------


def test_text_a_model_ignores_may_hold_anything_but_what_it_reads_may_not():
    """NUL and lone surrogates are refused in the fields a model reads (nested ones named by
    their top-level field), not in unknown fields or unknown keys of a nested model."""
    ignored = {"x\x00": {"\ud800": "a\x00b"}, "y": ["\udfff"]}
    reference = {"title": "Sagssystem", "year": 2024, "extra\x00": "\ud800"}
    held = {"code": "72000000", "note\x00": "\ud800"}
    data = parse(ProfileUpdate, {**ignored, "references": [reference], "competencies": [held]})
    assert [r.title for r in data.references] == ["Sagssystem"]
    assert len(data.competencies) == 1
    with pytest.raises(ValidationFailed) as refused:  # {name: weight}: the names are read
        parse(TaskUpdate, {"criteria": {"Pris\x00": 100}})
    assert list(refused.value.fields) == ["criteria"]
    for field, value in (
        ("profile_text", "a\x00b"),
        ("references", [{**reference, "title": "a\ud800"}]),
        ("competencies", [{"code": "7200\x000000", "note\x00": 1}]),
    ):
        with pytest.raises(ValidationFailed) as refused:
            parse(ProfileUpdate, {**ignored, field: value})
        assert list(refused.value.fields) == [field], field


async def test_an_unknown_field_holding_nul_is_ignored_by_the_api(client):
    scene = await factories_bids.scene()
    headers = {**await factories.bearer(client, scene.admin), "Content-Type": "application/json"}
    body = r'{"o": {"g": {"\u00d6\u0000\udaf3": "\ud800"}}}'
    followed = await client.put(
        f"/api/v1/tasks/{scene.task.id}/follow", content=body, headers=headers
    )
    assert followed.status_code == 200, followed.text
    assert followed.json()["following"] is True


def _admits_null(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(_admits_null(s) for s in schema.get("anyOf", []))


# An edit's null empties the field, and the service reads the merged whole as this model.
EDITED = {TaskUpdate: TaskContent}


def test_the_document_admits_null_exactly_where_a_request_model_reads_it():
    """A field whose schema refuses null is named when null is sent; one that admits null is
    not (identities' authors and a profile's references read null as an empty list; a task's
    edit admits null where the task may be empty: question_deadline, not title)."""
    models = {op.request for op in OPS.values() if op.request is not None}
    checked = 0
    for model in models:
        properties = model.model_json_schema(ref_template="{model}")["properties"]
        for name, schema in properties.items():
            try:
                parse(EDITED.get(model, model), {name: None})
                named = False
            except ValidationFailed as refused:
                named = name in refused.fields
            assert named != _admits_null(schema), f"{model.__name__}.{name}: null named={named}"
            checked += 1
    assert checked > 50
    assert _admits_null(IdentitiesDeclare.model_json_schema()["properties"]["authors"])
    assert _admits_null(ProfileUpdate.model_json_schema()["properties"]["references"])


async def test_the_document_does_not_constrain_the_names_of_fields_the_api_ignores(client):
    """A body's unknown fields are ignored whatever their names hold (NUL too), so no request
    schema may refuse a name (only {name: weight} objects, whose names are read)."""
    document = (await client.get("/api/v1/openapi.json")).json()
    text = json.dumps(document["components"]["schemas"])
    assert '"propertyNames": {"pattern": "^[^\\\\u0000]*$"}' not in text
    scene = await factories_bids.scene()
    headers = {**await factories.bearer(client, scene.admin), "Content-Type": "application/json"}
    body = r'{"\u0000": "", "team": [{"name": "Anne", "role": "Udvikler", "\u0000x": 1}]}'
    saved = await client.post(f"/api/v1/tasks/{scene.task.id}/bids", content=body, headers=headers)
    assert saved.status_code == 422, saved.text  # a submission needs a price and the rest
    assert "team" not in saved.json()["fields"]


async def test_an_author_is_declared_as_long_as_the_api_admits_it(client):
    """An author's address may have 254 characters, a name 200: the document says which."""
    document = (await client.get("/api/v1/openapi.json")).json()
    authors = document["components"]["schemas"]["IdentitiesDeclare"]["properties"]["authors"]
    items = authors["anyOf"][0]["items"]["anyOf"]
    assert sorted(i["maxLength"] for i in items) == [200, 254]
    scene = await factories_bids.scene()
    headers = await factories.bearer(client, scene.admin)
    url = f"/api/v1/vendors/{scene.vendor.id}/identities"
    saved = await client.put(url, json={"authors": ["A" * 200]}, headers=headers)
    assert saved.status_code == 200, saved.text
    refused = await client.put(url, json={"authors": ["A" * 201]}, headers=headers)
    assert refused.status_code == 422 and "authors" in refused.json()["fields"]


async def test_a_task_edit_refuses_null_where_the_document_does(client):
    """Null empties an edited field: the document admits it for the question deadline (which
    then follows the bid deadline), not for the title, which a task cannot be without."""
    properties = (await client.get("/api/v1/openapi.json")).json()["components"]["schemas"][
        "TaskUpdate"
    ]["properties"]
    assert properties["title"]["type"] == "string" and "anyOf" not in properties["title"]
    assert {"type": "null"} in properties["question_deadline"]["anyOf"]


async def test_a_repository_address_is_declared_as_the_api_reads_it(client):
    """The solution's repository is empty or an http(s) address, in the document too."""
    declared = SolutionCreate.model_json_schema()["properties"]["repository_url"]["anyOf"][0]
    pattern = re.compile(declared["pattern"])
    headers = await factories.bearer(client, await factories.user("secretariat"))
    for n, (url, admitted) in enumerate(
        [
            ("https://github.com/OS2/x", True),
            (" http://x.dk ", True),
            ("", True),
            ("00000", False),
            ("ftp://x.dk", False),
            ("HTTPS://x.dk", False),
        ]
    ):
        assert bool(pattern.match(url)) is admitted, url
        body = {"name": f"Løsning {n}", "repository_url": url}
        answer = await client.post("/api/v1/solutions", json=body, headers=headers)
        assert (answer.status_code == 201) is admitted, (url, answer.text)
        if not admitted:
            assert list(answer.json()["fields"]) == ["repository_url"]
