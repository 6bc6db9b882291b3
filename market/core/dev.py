"""The movable clock of development and test servers: a demo or a browser test passes a
deadline by moving the app's clock instead of waiting for it. Production has no such page."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response

from market import clock
from market.errors import NotFound, ValidationFailed
from market.i18n import gettext as _
from market.parsing import whole_number
from market.urls import url
from market.web import flash, form_data, form_failure, redirect, render

CLOCK_ENVIRONMENTS = {"development", "test"}
MAX_SHIFT = 10 * 366 * 24 * 3600  # ten years either way


async def dev_clock(request: Request) -> Response:
    if request.app.state.settings.environment not in CLOCK_ENVIRONMENTS:
        raise NotFound(_("Page not found."))
    if request.method == "GET":
        return render(request, "core/dev_clock.html", errors={}, values={})
    values = await form_data(request)
    if values.get("action") == "reset":
        clock.reset()
        flash(request, _("The clock shows the real time again."))
        return redirect(request, url("dev.clock"))
    raw = values.get("seconds", "").strip()
    seconds = whole_number(raw.removeprefix("-"))
    if seconds is None or seconds > MAX_SHIFT:
        error = _("Write a whole number of seconds, e.g. 3600 or -60.")
        wrong = ValidationFailed(error, {"seconds": error})
        return await form_failure(request, "core/dev_clock.html", wrong, values)
    clock.shift(dt.timedelta(seconds=-seconds if raw.startswith("-") else seconds))
    flash(request, _("The clock is moved."))
    return redirect(request, url("dev.clock"))
