"""Alerts: tasks that fit reach vendors at once or in one digest, unsubscribe without signing
in, preferences in the API, and the feeds that calendar and feed readers parse."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import feedparser
import icalendar
import pytest

from market import clock
from market.accounts.models import User
from market.alerts import delivery, services
from market.alerts.models import AlertDigest, AlertItem, AlertPreference, SavedSearch
from market.alerts.schemas import PreferencesUpdate, SearchSave
from market.mail.models import OutboxMessage
from market.schemas import parse
from market.shortlists import engine
from market.shortlists.models import ExposureLedger
from market.tasks import services as tasks
from market.tasks.schemas import TaskUpdate
from tests import factories
from tests import factories_shortlists as fs
from tests import factories_tasks as ft


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    engine.forget()
    yield
    engine.forget()


async def vendor_user(vendor) -> User:
    return await User.get(organisation_id=vendor.organisation_id)


async def mails_to(user: User, prefix: str = "") -> list[OutboxMessage]:
    rows = await OutboxMessage.filter(to_email=user.email).order_by("id")
    return [m for m in rows if m.idempotency_key.startswith(prefix)]


async def prefer(user: User, **values) -> None:
    await services.update_preferences(user, parse(PreferencesUpdate, values))


async def market(client, run_jobs, *, instant: str = "best"):
    """The vendor pool, one vendor user wanting alerts at once, and a published task."""
    vendors = await fs.pool()
    users = {key: await vendor_user(v) for key, v in vendors.items()}
    await prefer(users[instant], frequency="instant")
    coordinator, solution = await ft.coordinator_of()
    await run_jobs()
    task = await ft.task(coordinator, solution, publish=True)
    await run_jobs()
    return vendors, users, coordinator, task


def next_digest_time(hour: int = 7) -> None:
    """Move the clock past the next digest hour (local time)."""
    local = clock.local_now()
    target = (local + dt.timedelta(days=1)).replace(hour=hour, minute=30, second=0)
    clock.shift(target - local)


async def test_publishing_sends_instant_alerts_with_one_click_unsubscribe(
    client, run_jobs, settings
):
    vendors, users, _coordinator, task = await market(client, run_jobs)
    [alert] = await mails_to(users["best"], "alert:")
    assert task.title in alert.subject
    assert "72000000" in alert.body_text or "Python" in alert.body_text  # the reasons
    link = re.search(r"(http\S+/alerts/unsubscribe/\S+)", alert.body_text).group(1)
    assert link.startswith(settings.base_url)
    assert alert.headers["List-Unsubscribe"] == f"<{link}>"
    assert alert.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{settings.base_url}/account/alerts" in alert.body_text
    # The daily-digest vendor waits for its digest; excluded vendors hear nothing.
    assert await mails_to(users["good"], "alert:") == []
    assert await AlertItem.filter(user_id=users["good"].id, delivered_at=None).count() == 1
    for key in ("unsigned", "busy", "suspended"):
        assert not await AlertItem.filter(user_id=users[key].id).exists(), key
    ledger = await ExposureLedger.get(vendor_id=vendors["best"].id)
    assert ledger.alerts == 1


async def test_the_same_task_is_told_once_and_again_only_when_it_changes(client, run_jobs):
    _vendors, users, coordinator, task = await market(client, run_jobs)
    await delivery.queue_task_alerts(client._transport.app.state.settings, task.id)
    await run_jobs()
    assert len(await mails_to(users["best"], "alert:")) == 1
    change = TaskUpdate(description="Eksporten skal også dække leverandørlisten.")
    await tasks.update_task(task.id, change, actor=coordinator)
    await run_jobs()
    alerts = await mails_to(users["best"], "alert:")
    assert len(alerts) == 2
    assert "changed" in alerts[1].subject or "ændret" in alerts[1].subject


@pytest.mark.parametrize("start", ["06:30", "07:30", "12:00", "23:30"])
async def test_the_next_digest_run_sends_one_digest_per_user_however_often_it_runs(
    client, run_jobs, settings, start
):
    # At any hour of the day (the cut-off is local time; an hour after it, 07:30 in
    # Copenhagen, is 06:30 UTC, where comparing local and UTC times would go wrong).
    hour, minute = (int(part) for part in start.split(":"))
    local = clock.local_now()
    clock.shift(local.replace(hour=hour, minute=minute) - local)
    _vendors, users, _coordinator, task = await market(client, run_jobs)
    assert await delivery.send_digests(settings) == 0, "nothing before the digest hour"
    waiting = set(await AlertItem.filter(delivered_at=None).values_list("user_id", flat=True))
    assert users["good"].id in waiting and users["best"].id not in waiting
    next_digest_time(settings.alert_digest_hour)
    assert await delivery.send_digests(settings) == len(waiting)
    assert await delivery.send_digests(settings) == 0
    await run_jobs()
    [digest] = await mails_to(users["good"], "alerts-digest:")
    assert task.title in digest.body_text
    assert "/alerts/unsubscribe/" in digest.body_text
    assert digest.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert await mails_to(users["best"], "alerts-digest:") == [], "already told at once"
    assert await AlertDigest.filter(user_id=users["good"].id).count() == 1


async def test_a_vendor_suspended_before_the_digest_gets_none(client, run_jobs, settings):
    vendors, users, _coordinator, _task = await market(client, run_jobs)
    await (
        vendors["good"]
        .__class__.filter(id=vendors["good"].id)
        .update(suspended_at=clock.now(), suspension_reason="Klage")
    )
    next_digest_time(settings.alert_digest_hour)
    await delivery.send_digests(settings)
    assert await mails_to(users["good"], "alerts-digest:") == []
    assert len(await mails_to(users["weak"], "alerts-digest:")) == 1, "others still get theirs"


async def test_unsubscribe_from_the_mail_works_without_signing_in(client, run_jobs, settings):
    _vendors, users, _coordinator, _task = await market(client, run_jobs)
    [alert] = await mails_to(users["best"], "alert:")
    link = re.search(r"(http\S+/alerts/unsubscribe/\S+)", alert.body_text).group(1)
    path = link.removeprefix(settings.base_url)
    page = await client.get(path)
    assert page.status_code == 200 and users["best"].email in page.text
    assert (await AlertPreference.get(user_id=users["best"].id)).frequency == "instant"
    # RFC 8058: the mail client POSTs this body, with no cookie and no CSRF token.
    client.cookies.clear()
    answer = await client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    assert (await AlertPreference.get(user_id=users["best"].id)).frequency == "off"
    forged = await client.post(path[:-3] + "xyz", content=b"List-Unsubscribe=One-Click")
    assert forged.status_code == 404


async def test_the_api_reads_and_writes_preferences_with_the_feed_addresses(client, run_jobs):
    vendor, admin = await fs.vendor("Feed ApS"), None
    admin = await vendor_user(vendor)
    headers = await factories.bearer(client, admin)
    answer = await client.get("/api/v1/me/alerts", headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["frequency"] == "daily" and body["codes"] == [] and body["language"] == "da"
    assert body["calendar_url"].endswith("/calendar.ics")
    assert body["feed_url"].endswith("/tasks.atom")
    wrong = await client.put(
        "/api/v1/me/alerts",
        json={"frequency": "hourly", "min_budget_dkk": -5, "codes": ["nonsense-code"]},
        headers=headers,
    )
    assert wrong.status_code == 422
    assert set(wrong.json()["fields"]) >= {"frequency", "min_budget_dkk"}
    saved = await client.put(
        "/api/v1/me/alerts",
        json={
            "frequency": "weekly",
            "codes": ["72000000-5"],
            "products": [],
            "min_budget_dkk": 50000,
            "language": "en",
        },
        headers=headers,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["frequency"] == "weekly"
    assert saved.json()["codes"] == ["72000000"]
    again = (await client.get("/api/v1/me/alerts", headers=headers)).json()
    assert again["min_budget_dkk"] == 50000 and again["language"] == "en"
    assert (await client.get("/api/v1/me/alerts")).status_code == 401


async def test_filters_keep_out_tasks_the_user_does_not_want(client, run_jobs):
    vendors = await fs.pool()
    best = await vendor_user(vendors["best"])
    await prefer(best, frequency="instant", min_budget_dkk=500000)
    coordinator, solution = await ft.coordinator_of()
    await ft.task(coordinator, solution, publish=True)
    await run_jobs()
    assert await mails_to(best, "alert:") == []


async def test_a_saved_search_alerts_a_vendor_the_engine_ranks_low(client, run_jobs):
    vendors = await fs.pool()
    weak = await vendor_user(vendors["weak"])
    await prefer(weak, frequency="instant")
    await services.save_search(weak, SearchSave(query="kontraktoversigt"))
    await services.fit_settings()
    from market.alerts.models import AlertSettings

    await AlertSettings.filter(id=1).update(top_n=1)
    coordinator, solution = await ft.coordinator_of()
    await ft.task(coordinator, solution, publish=True)
    await run_jobs()
    [alert] = await mails_to(weak, "alert:")
    assert "kontraktoversigt" in alert.body_text
    assert await SavedSearch.filter(user_id=weak.id).count() == 1


async def test_feeds_parse_and_a_revoked_secret_stops_working(client, run_jobs, settings):
    _vendors, users, _coordinator, task = await market(client, run_jobs)
    public = await client.get("/feeds/tasks.atom")
    assert public.status_code == 200
    assert public.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(public.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert task.title in [e.title for e in parsed.entries]

    links = await services.feed_links(settings, users["best"])
    private = await client.get(links.feed_url.removeprefix(settings.base_url))
    assert private.status_code == 200
    mine = feedparser.parse(private.content)
    assert not mine.bozo and [e.title for e in mine.entries] == [task.title]
    calendar = await client.get(links.calendar_url.removeprefix(settings.base_url))
    assert calendar.status_code == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    parsed_calendar = icalendar.Calendar.from_ical(calendar.content)
    events = {str(e["UID"]): e for e in parsed_calendar.walk("VEVENT")}
    bid = next(e for uid, e in events.items() if uid.startswith(f"task-{task.id}-bid@"))
    assert bid.decoded("DTSTART") == task.bid_deadline
    assert task.title in str(bid["SUMMARY"])

    await services.revoke_feeds(users["best"])
    assert (await client.get(links.feed_url.removeprefix(settings.base_url))).status_code == 404
    assert (await client.get(links.calendar_url.removeprefix(settings.base_url))).status_code == 404


async def test_the_preferences_page_saves_and_keeps_what_was_right(client, run_jobs):
    vendor = await fs.vendor("Side ApS")
    user = await vendor_user(vendor)
    await factories.login(client, user)
    page = await client.get("/account/alerts")
    assert page.status_code == 200 and 'value="daily" checked' in page.text
    bad = await factories.post_form(
        client,
        "/account/alerts",
        {"frequency": "instant", "min_budget_dkk": "lots", "codes": "72000000", "language": "da"},
    )
    assert bad.status_code == 422
    assert 'value="instant" checked' in bad.text and "72000000" in bad.text
    good = await factories.post_form(
        client,
        "/account/alerts",
        {
            "frequency": "weekly",
            "min_budget_dkk": "10000",
            "add_code": "72000000",
            "language": "en",
        },
    )
    assert good.status_code == 303
    row = await AlertPreference.get(user_id=user.id)
    assert (row.frequency, row.min_budget_dkk, row.codes) == ("weekly", 10000, ["72000000"])
    assert row.reminders is False, "an unticked box turns reminders off"


async def test_the_secretariat_sets_which_places_count_as_fits(client, run_jobs):
    from market.alerts.models import AlertSettings
    from market.audit.models import AuditEvent

    secretary = await factories.user("secretariat")
    await factories.login(client, secretary)
    page = await client.get("/secretariat/alerts")
    assert page.status_code == 200 and 'value="10"' in page.text
    bad = await factories.post_form(
        client, "/secretariat/alerts", {"top_n": "900", "min_score": "høj"}
    )
    assert bad.status_code == 422 and 'value="900"' in bad.text
    good = await factories.post_form(
        client, "/secretariat/alerts", {"top_n": "5", "min_score": "0,4"}
    )
    assert good.status_code == 303
    row = await AlertSettings.get(id=1)
    assert (row.top_n, row.min_score) == (5, 0.4)
    assert await AuditEvent.filter(action="alerts.settings_changed").exists()
