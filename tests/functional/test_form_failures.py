"""Every form answers a refused POST the same way (market.web.form_failure): the status of the
exception, its message above the form, each field's error beside the field, and everything
typed kept, in four domains: a bid, a task, a vendor profile and the Code of Conduct."""

from __future__ import annotations

import datetime as dt
import re

from market import clock
from market.bids.models import Bid
from market.conduct.models import Signature
from market.tasks.models import Task
from tests import factories, factories_bids, factories_conduct, factories_tasks
from tests import factories_competencies as fcomp


def _error_beside(html: str, name: str) -> str:
    """The error message shown beside field `name` (empty when there is none)."""
    found = re.search(
        rf'id="field-{name}-error"><span class="sr-only">[^<]*</span>([^<]*)</span>', html
    )
    return found.group(1).strip() if found else ""


def _summary(html: str) -> str:
    found = re.search(r'class="alert-heading">([^<]*)</h2>', html)
    return found.group(1).strip() if found else ""


async def test_a_refused_bid_keeps_what_was_typed_and_names_the_wrong_field(client) -> None:
    scene = await factories_bids.scene()
    await factories.login(client, scene.admin)
    path = f"/tasks/{scene.task.id}/bid"
    values = {
        "price_dkk": "85 kr. og lidt",
        "hours": "110",
        "delivery_date": (clock.today() + dt.timedelta(days=50)).isoformat(),
        "approach": "Vi bygger & tester <grundigt>.",
        "assumptions": "Adgang til testmiljø.",
        "team": "Anne Udvikler: udvikler",
        "action": "submit",
    }
    answer = await factories.post_form(client, path, values, csrf_page=path)
    assert answer.status_code == 422, answer.text[:300]
    html = answer.text
    assert _summary(html) and 'href="#field-price_dkk"' in html
    assert _error_beside(html, "price_dkk")
    assert 'value="85 kr. og lidt"' in html and 'value="110"' in html
    assert "Vi bygger &amp; tester &lt;grundigt&gt;." in html
    assert "Anne Udvikler: udvikler" in html and "Adgang til testmiljø." in html
    assert not await Bid.exists(task_id=scene.task.id)


async def test_a_bid_after_the_deadline_is_a_conflict_shown_on_the_page(client) -> None:
    scene = await factories_bids.scene()
    await factories.login(client, scene.admin)
    path = f"/tasks/{scene.task.id}/bid"
    token = factories.csrf_from((await client.get(path)).text)
    factories_bids.pass_deadline(scene.task)  # the clock is reset after each test
    answer = await client.post(
        path, data={"csrf_token": token, "price_dkk": "85000", "approach": "Sent.", "hours": "1"}
    )
    assert answer.status_code == 409, answer.text[:300]
    # "Bidding closed at ...": the page says so at the top; the form is gone with the deadline.
    assert _summary(answer.text) and "Sent." not in answer.text
    assert not await Bid.exists(task_id=scene.task.id)


async def test_a_refused_task_keeps_what_was_typed(client) -> None:
    coordinator, solution = await factories_tasks.coordinator_of()
    await factories.login(client, coordinator)
    page = f"/tasks/new?solution_id={solution.id}"
    form = {
        "solution_id": str(solution.id),
        "title": "Eksport til CSV & PDF",
        "description": "En eksport, som <kommunerne> vil have.",
        "required": "72212000",
        "estimate_hours": "tres",
        "budget_dkk": "50000",
        "bid_deadline": (clock.to_local(clock.now() + dt.timedelta(days=20))).strftime(
            "%Y-%m-%dT12:00"
        ),
        "delivery_date": (clock.today() + dt.timedelta(days=80)).isoformat(),
        "funding": "Syddjurs: 50000",
        "criteria": "pris: 50\nkvalitet af tilgangen: 50",
    }
    answer = await factories.post_form(client, "/tasks/new", form, csrf_page=page)
    assert answer.status_code == 422, answer.text[:300]
    html = answer.text
    assert _summary(html)
    assert _error_beside(html, "estimate_hours")
    assert 'value="Eksport til CSV &amp; PDF"' in html and 'value="tres"' in html
    assert "En eksport, som &lt;kommunerne&gt; vil have." in html
    assert "Syddjurs: 50000" in html
    assert not await Task.exists(title="Eksport til CSV & PDF")


async def test_a_refused_profile_keeps_what_was_typed(client) -> None:
    await fcomp.taxonomy()
    _vendor, admin = await fcomp.vendor()
    await factories.login(client, admin)
    form = {
        "profile_text": "Vi bygger kort & sensorløsninger til kommuner. " * 3,
        "hourly_rate_dkk": "mange",
        "capacity_hours_per_month": "150",
        "team_size": "3",
        "working_languages": "da",
        "competencies": "72212000-4 expert\nFindes ikke",
    }
    answer = await factories.post_form(client, "/vendor/profile", form, csrf_page="/vendor/profile")
    assert answer.status_code == 422, answer.text[:300]
    html = answer.text
    assert _summary(html) and 'href="#field-hourly_rate_dkk"' in html
    assert _error_beside(html, "hourly_rate_dkk")
    assert 'value="mange"' in html and 'value="150"' in html
    assert "Vi bygger kort &amp; sensorløsninger til kommuner." in html
    assert "Findes ikke" in html


async def test_a_refused_signature_keeps_the_names_typed(client) -> None:
    version = await factories_conduct.version_1()
    vendor, admin = await factories_conduct.vendor()
    await factories.login(client, admin)
    form = {
        "version": version.label,
        "sha256": version.sha256,
        "signer_name": "Anne <Admin>",
        "signer_title": "Direktør & stifter",
    }  # not accepted
    answer = await factories.post_form(
        client, "/my-company/conduct", form, csrf_page="/my-company/conduct"
    )
    assert answer.status_code == 422, answer.text[:300]
    html = answer.text
    assert _summary(html) and 'href="#field-accept"' in html
    assert _error_beside(html, "accept")
    assert 'value="Anne &lt;Admin&gt;"' in html and 'value="Direktør &amp; stifter"' in html
    assert not await Signature.exists(vendor_id=vendor.id)


async def test_a_password_is_never_sent_back(client) -> None:
    body = factories_conduct.registration(cvr="12345678")
    answer = await factories.post_form(
        client,
        "/vendors/register",
        {**body, "employees": str(body["employees"])},
        csrf_page="/vendors/register",
    )
    assert answer.status_code == 422
    assert body["password"] not in answer.text
    assert f'value="{body["name"]}"' in answer.text
