"""A digest run killed in the middle never sends a digest twice: each user gets one per period."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

import pytest

from market import clock
from tests.faults.conftest import ROOT

pytestmark = pytest.mark.slow

EXTRA_USERS = 300

# Many vendor users (in the demo's eligible vendors) with an alert waiting since yesterday.
SCENE = """
import asyncio, datetime as dt
from tortoise import Tortoise
from market.accounts.models import User
from market.alerts.models import AlertItem
from market.db import tortoise_config
from market.settings import Settings

async def main():
    await Tortoise.init(config=tortoise_config(Settings.from_env()))
    first = await AlertItem.filter(delivered_at=None).first()
    template = await User.get(id=first.user_id)
    for n in range({extra}):
        user = await User.create(
            email=f"digest-{{n}}@demo-vendor.dk", name=f"Digest {{n}}", roles=["vendor_member"],
            organisation_id=template.organisation_id, password_hash="",
        )
        await AlertItem.create(
            user_id=user.id, task_id=first.task_id, vendor_id=first.vendor_id,
            revision=first.revision, reasons=["Python"],
        )
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    await AlertItem.filter(delivered_at=None).update(created_at=yesterday)
    await Tortoise.close_connections()

asyncio.run(main())
"""


def _digest_count(app) -> int:
    return int(app.query("SELECT COUNT(*) FROM alert_digest")[0][0])


async def test_a_digest_run_killed_midway_sends_each_user_one_digest(
    redis, deployment_factory
) -> None:
    app = deployment_factory(redis.url)
    await asyncio.to_thread(app.prepare)
    env = {**app.env, "ALERT_DIGEST_HOUR": str(clock.local_now().hour)}
    subprocess.run(
        [sys.executable, "-c", SCENE.format(extra=EXTRA_USERS)], env=env, cwd=ROOT, check=True
    )
    waiting = {r[0] for r in app.query("SELECT user_id FROM alert_item WHERE delivered_at IS NULL")}
    weekly = {
        r[0] for r in app.query("SELECT user_id FROM alert_preference WHERE frequency='weekly'")
    }
    # Weekly digests go out on Mondays (local time): then every waiting user gets one. The
    # alerts were made a day ago, so on any other day the weekly ones are not due yet.
    monday = clock.local_now().weekday() == 0
    users = waiting if monday else waiting - weekly
    assert len(users) > EXTRA_USERS

    command = [sys.executable, "-m", "market.alerts", "send-digests"]
    first = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _digest_count(app) < 5 and time.monotonic() < deadline and first.poll() is None:
        await asyncio.sleep(0.005)
    first.send_signal(signal.SIGSTOP)
    done_before_kill = _digest_count(app)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert 0 < done_before_kill < len(users), "the run was not stopped in the middle"

    second = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    third = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert "0 sent" in third.stdout, "a third run finds nothing left to send"

    digests = app.query("SELECT user_id, COUNT(*) FROM alert_digest GROUP BY user_id")
    assert {user for user, _ in digests} == users
    assert all(count == 1 for _, count in digests)
    mails = app.query(
        "SELECT to_email, COUNT(*) FROM outbox_message "
        "WHERE idempotency_key LIKE 'alerts-digest:%' GROUP BY to_email"
    )
    assert len(mails) == len(users) and all(count == 1 for _, count in mails)
    undelivered = {
        r[0] for r in app.query("SELECT user_id FROM alert_item WHERE delivered_at IS NULL")
    }
    assert undelivered == (set() if monday else waiting & weekly)
    wrong_digest = app.query(
        "SELECT COUNT(*) FROM alert_item i JOIN alert_digest d ON d.id = i.digest_id "
        "WHERE d.user_id != i.user_id"
    )
    assert wrong_digest[0][0] == 0

    # The worker sends what both runs queued (and what the killed run left): each mail once.
    app.worker()
    for _ in range(600):
        waiting = app.query(
            "SELECT COUNT(*) FROM outbox_message WHERE idempotency_key LIKE 'alerts-digest:%' "
            "AND status NOT IN ('kept', 'sent')"
        )[0][0]
        if not waiting:
            break
        await asyncio.sleep(0.1)
    assert waiting == 0
    once = app.query(
        "SELECT COUNT(*) FROM outbox_message WHERE idempotency_key LIKE 'alerts-digest:%' "
        "AND attempts <= 1"
    )[0][0]
    assert once == len(users)
