"""Where the generated document and the code must agree to the last value: what the document
admits is accepted, what it refuses is refused with the field named."""

from __future__ import annotations

import pytest

from market.db import MAX_ID
from market.errors import ValidationFailed
from market.schemas import parse
from market.tasks.schemas import InviteVendors


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
