"""Deadline reminders reach invited vendors without a submitted bid, 3 days and 24 hours before
the bid deadline; coordinators get one daily digest of what waits for them."""

from __future__ import annotations

import datetime as dt

from market import clock
from market.accounts.models import User
from market.alerts import delivery, services
from market.alerts.schemas import PreferencesUpdate
from market.bids import content as bids
from market.mail.models import OutboxMessage
from market.tasks import questions
from market.tasks import services as tasks
from tests import factories_bids as fb
from tests import factories_conduct as fc


async def keys(prefix: str) -> list[str]:
    rows = await OutboxMessage.filter(idempotency_key__startswith=prefix).order_by("id")
    return [row.idempotency_key for row in rows]


async def invited_scene():
    """A task closing in five days; three invited vendors: no bid, a draft, a submitted bid."""
    scene = await fb.scene(hours=5 * 24)
    drafting, drafter = await fc.active_vendor()
    await tasks.invite_vendors(
        scene.task.id,
        [scene.vendor.id, scene.other_vendor.id, drafting.id],
        actor=scene.coordinator,
    )
    await bids.submit_bid(scene.task.id, fb.bid_data(), actor=scene.other_admin)
    await bids.submit_bid(scene.task.id, fb.bid_data(draft=True), actor=drafter)
    return scene, drafting, drafter


def until_deadline(task, left: dt.timedelta) -> None:
    clock.shift(task.bid_deadline - clock.now() - left)


async def test_reminders_go_only_to_invited_vendors_without_a_submitted_bid(settings):
    scene, drafting, drafter = await invited_scene()
    assert await delivery.send_deadline_reminders(settings) == 0, "five days left: none yet"
    until_deadline(scene.task, dt.timedelta(hours=71))
    assert await delivery.send_deadline_reminders(settings) == 2
    assert await delivery.send_deadline_reminders(settings) == 2  # queued again: same keys
    sent = await keys("deadline-reminder:")
    assert sorted(sent) == sorted(
        [
            f"deadline-reminder:{scene.task.id}:{scene.vendor.id}:{scene.admin.id}:72",
            f"deadline-reminder:{scene.task.id}:{drafting.id}:{drafter.id}:72",
        ]
    ), "the vendor with a submitted bid is not reminded, and nobody twice"
    draft_mail = await OutboxMessage.get(
        to_email=drafter.email, idempotency_key__startswith="deadline-reminder:"
    )
    assert "kladde" in draft_mail.body_text or "draft" in draft_mail.body_text
    assert draft_mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    until_deadline(scene.task, dt.timedelta(hours=20))
    await delivery.send_deadline_reminders(settings)
    assert len(await keys("deadline-reminder:")) == 4
    assert len([k for k in await keys("deadline-reminder:") if k.endswith(":24")]) == 2


async def test_a_vendor_that_turned_reminders_off_gets_none(settings):
    scene, _drafting, drafter = await invited_scene()
    await services.update_preferences(drafter, PreferencesUpdate(reminders=False))
    until_deadline(scene.task, dt.timedelta(hours=23))
    await delivery.send_deadline_reminders(settings)
    reminded = await keys("deadline-reminder:")
    assert not [k for k in reminded if k.endswith(f":{drafter.id}:24")]
    assert [k for k in reminded if k.endswith(f":{scene.admin.id}:24")]


async def test_coordinators_get_one_daily_digest_of_questions_and_tasks_to_evaluate(settings):
    scene = await fb.scene(hours=30)
    await questions.ask_question(scene.task.id, "Må vi bruge PostgreSQL?", actor=scene.admin)
    assert await delivery.send_coordinator_digests(settings) == 1
    assert await delivery.send_coordinator_digests(settings) == 0, "once a day"
    [message] = await OutboxMessage.filter(to_email=scene.coordinator.email).filter(
        idempotency_key__startswith="coordinator-digest:"
    )
    assert "PostgreSQL" in message.body_text
    assert "/alerts/unsubscribe/" in message.body_text
    # The next day, after the deadline: the task waits for evaluation.
    fb.pass_deadline(scene.task, dt.timedelta(days=1))
    assert await delivery.send_coordinator_digests(settings) == 1
    latest = (
        await OutboxMessage.filter(
            to_email=scene.coordinator.email, idempotency_key__startswith="coordinator-digest:"
        )
        .order_by("-id")
        .first()
    )
    assert f"/tasks/{scene.task.id}/evaluation" in latest.body_text
    vendors_told = await User.filter(email=scene.admin.email).count()
    assert vendors_told == 1
