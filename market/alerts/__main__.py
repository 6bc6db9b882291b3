"""Run an alert job once, by hand or from a system cron when no worker runs:

    python -m market.alerts send-digests | send-reminders | send-coordinator-digests
    python -m market.alerts replay FILE ...   (see market.alerts.replay)

Each is the same idempotent job the worker runs on its schedule: running it again, or after
a run that was killed, sends nothing twice. With REDIS_URL set the mails go to the worker's
queue; without it they are sent here before the command ends.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from tortoise import Tortoise

from market import jobs, urls
from market.alerts import delivery, replay
from market.db import tortoise_config
from market.mail import services as mail
from market.routes import routes
from market.settings import Settings

COMMANDS: dict[str, Callable[[Settings], Awaitable[int]]] = {
    "send-digests": delivery.send_digests,
    "send-reminders": delivery.send_deadline_reminders,
    "send-coordinator-digests": delivery.send_coordinator_digests,
}


async def run(name: str, settings: Settings) -> int:
    mail.configure(settings.base_url)
    urls.configure(routes)
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    runner = jobs.build_runner(settings)
    if isinstance(runner, jobs.InlineRunner):
        runner = jobs.InlineRunner(settings, autostart=False)
    jobs.install(runner)
    try:
        sent = await COMMANDS[name](settings)
        await runner.drain()
        return sent
    finally:
        await runner.close()
        jobs.install(None)
        await Tortoise.close_connections()


def main(argv: list[str]) -> int:
    if argv[:1] == ["replay"]:
        return replay.main(argv[1:])
    if len(argv) != 1 or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    sent = asyncio.run(run(argv[0], Settings.from_env()))
    print(f"{argv[0]}: {sent} sent")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
