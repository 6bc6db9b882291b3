"""Alert pages: preferences on /account/alerts, one-click unsubscribe, the feeds and the
secretariat's fit settings."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market.alerts import feeds, services
from market.alerts.models import Frequency
from market.alerts.schemas import FitSettingsUpdate, PreferencesUpdate, SearchSave
from market.errors import DomainError
from market.i18n import LANGUAGES, set_language
from market.i18n import gettext as _
from market.schemas import parse
from market.solutions.models import Solution
from market.urls import url
from market.web import (
    client_address,
    flash,
    form_data,
    form_failure,
    kept_values,
    read_form,
    redirect,
    render,
)

ATOM_TYPE = "application/atom+xml; charset=utf-8"
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _values(row: Any) -> dict[str, Any]:
    return {
        "frequency": row.frequency,
        "codes": "\n".join(row.codes),
        "products": list(row.products),
        "min_budget_dkk": "" if row.min_budget_dkk is None else str(row.min_budget_dkk),
        "language": row.language,
        "reminders": "1" if row.reminders else "",
    }


async def _page(request: Request, status_code: int = 200, **values: Any) -> Response:
    user = request.state.user
    settings = request.app.state.settings
    row = await services.ensure_preference(user)
    return render(
        request,
        "alerts/preferences.html",
        status_code=status_code,
        **{
            "values": _values(row),
            "errors": {},
            "search_values": {},
            "search_errors": {},
            "searches": await services.saved_searches(user),
            "links": await services.feed_links(settings, user),
            "products": await Solution.all().order_by("name").values_list("name", flat=True),
            "frequencies": Frequency.ALL,
            "code_choices": await services.code_choices(),
            "languages": LANGUAGES,
            **values,
        },
    )


async def preferences(request: Request) -> Response:
    if request.method == "GET":
        return await _page(request)
    values: dict[str, Any] = dict(await form_data(request))
    values["products"] = [p for p in (await read_form(request)).getlist("products") if p]
    added = values.pop("add_code", "").strip()
    if added:
        values["codes"] = f"{values.get('codes', '')}\n{added}"
    values.setdefault("reminders", "")
    try:
        data = parse(PreferencesUpdate, values, form=True)
        # The form holds every field: one left empty (or a box not ticked) clears it.
        cleared: dict[str, Any] = {"codes": [], "min_budget_dkk": None, "reminders": False}
        blank = {k: v for k, v in cleared.items() if not str(values.get(k, "")).strip()}
        await services.update_preferences(
            request.state.user, data.model_copy(update=blank), address=client_address(request)
        )
    except DomainError as exc:
        return await form_failure(request, _page, exc, values)
    flash(request, _("Your alert settings are saved."))
    return redirect(request, url("alerts.preferences"))


async def search_add(request: Request) -> Response:
    values = await form_data(request)
    body = {"query": values.get("query", ""), "codes": values.get("search_codes", "")}
    try:
        data = parse(SearchSave, body, form=True)
        await services.save_search(request.state.user, data, address=client_address(request))
    except DomainError as exc:
        errors = {("search_codes" if k == "codes" else k): v for k, v in exc.fields.items()}
        return await form_failure(
            request,
            _page,
            exc,
            errors={},
            search_errors=errors,
            search_values=kept_values(values),
        )
    flash(request, _("The search is saved: new tasks that match it will be in your alerts."))
    return redirect(request, url("alerts.preferences"))


async def search_delete(request: Request) -> Response:
    await services.delete_search(
        request.state.user, int(request.path_params["id"]), address=client_address(request)
    )
    flash(request, _("The saved search is deleted."))
    return redirect(request, url("alerts.preferences"))


async def feeds_revoke(request: Request) -> Response:
    await services.revoke_feeds(request.state.user, address=client_address(request))
    flash(request, _("New feed addresses are made: the old ones no longer work."))
    return redirect(request, url("alerts.preferences"))


async def unsubscribe(request: Request) -> Response:
    """GET asks to confirm; POST (a person's button, or a mail client's RFC 8058 one-click
    POST with `List-Unsubscribe=One-Click`) turns the list off without signing in."""
    settings = request.app.state.settings
    token = str(request.path_params["token"])
    if request.method == "GET":
        user, kind = await services.unsubscribe_target(settings, token)
        return render(request, "alerts/unsubscribe.html", kind=kind, email=user.email, done=False)
    user, kind = await services.unsubscribe(settings, token, address=client_address(request))
    return render(request, "alerts/unsubscribe.html", kind=kind, email=user.email, done=True)


async def public_feed(request: Request) -> Response:
    settings = request.app.state.settings
    entries = [feeds.FeedEntry(task) for task in await feeds.open_tasks()]
    body = feeds.atom(
        settings,
        _("Partner Market: open tasks"),
        f"{settings.base_url}{request.url.path}",
        entries,
    )
    return Response(body, media_type=ATOM_TYPE)


async def _owner(request: Request) -> Any:
    settings = request.app.state.settings
    owner = await services.feed_owner(
        settings, int(request.path_params["user_id"]), str(request.path_params["secret"])
    )
    set_language((await services.preference_of(owner)).language)
    return owner


async def private_feed(request: Request) -> Response:
    settings = request.app.state.settings
    owner = await _owner(request)
    body = feeds.atom(
        settings,
        _("Partner Market: tasks that fit you"),
        f"{settings.base_url}{request.url.path}",
        await feeds.fitting_tasks(owner),
    )
    return Response(body, media_type=ATOM_TYPE, headers={"Cache-Control": "private"})


async def calendar(request: Request) -> Response:
    settings = request.app.state.settings
    owner = await _owner(request)
    body = feeds.icalendar(settings, await feeds.user_deadlines(settings, owner))
    return Response(body, media_type=CALENDAR_TYPE, headers={"Cache-Control": "private"})


async def fit_settings(request: Request) -> Response:
    row = await services.fit_settings()
    current = {
        "top_n": str(row.top_n),
        "min_score": "" if row.min_score is None else str(row.min_score),
    }
    if request.method == "GET":
        return render(request, "alerts/settings.html", values=current, errors={}, row=row)
    values = await form_data(request)
    try:
        data = parse(FitSettingsUpdate, values, form=True)
        await services.update_fit_settings(
            data, actor=request.state.user, address=client_address(request)
        )
    except DomainError as exc:
        return await form_failure(request, "alerts/settings.html", exc, values, row=row)
    flash(request, _("The alert settings are saved."))
    return redirect(request, url("alerts.settings"))
