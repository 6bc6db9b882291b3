"""Pages: a task's shortlist (with progress and invitations), the secretariat's matching
weights and learned model, and the fairness report."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market.api import answer, path_id
from market.competencies import services as competencies
from market.errors import DomainError
from market.i18n import gettext as _
from market.shortlists import fairness, learning, services
from market.shortlists.charts import FEATURE_LABELS, contribution_bars
from market.urls import url
from market.web import (
    client_address,
    confirm_first,
    flash,
    form_data,
    form_failure,
    form_ids,
    read_form,
    redirect,
    render,
)
from matching.types import DEFAULT_WEIGHTS, FEATURES


async def shortlist_page(
    request: Request,
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    view = await services.shortlist_for(path_id(request), request.state.user)
    coordinator = await services.may_invite(view.task, request.state.user)
    scale = max((abs(v) for e in view.entries for v in e.contributions.values()), default=0.0)
    return render(
        request,
        "shortlists/shortlist.html",
        status_code=status_code,
        view=view,
        bars={e.id: contribution_bars(e.contributions, scale) for e in view.entries},
        solution=await view.task.solution,
        may_invite=coordinator,
        code_labels=await competencies.labels_for(
            code for e in view.entries for m in e.matched_codes for code in m[:2]
        ),
        errors=errors or {},
        message=message,
    )


async def shortlist_status(request: Request) -> Response:
    return answer(await services.shortlist_status(path_id(request), request.state.user))


async def shortlist_invite(request: Request) -> Response:
    form = await read_form(request)
    ids = form_ids(form.getlist("vendor_id"))
    task_id = path_id(request)
    try:
        invitations = await services.invite_from_shortlist(
            task_id, ids, actor=request.state.user, address=client_address(request)
        )
    except DomainError as exc:
        return await form_failure(request, shortlist_page, exc)
    flash(
        request,
        _("%(count)d vendors are invited and told by e-mail.") % {"count": len(invitations)},
    )
    return redirect(request, url("shortlists.task", id=task_id))


async def shortlist_recompute(request: Request) -> Response:
    await form_data(request)
    await services.request_recompute(path_id(request), request.state.user)
    flash(request, _("The shortlist is being computed again."))
    return redirect(request, url("shortlists.task", id=path_id(request)))


# --- secretariat --------------------------------------------------------------------------


async def _weights_page(
    request: Request,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    row = await services.settings_row()
    current = {
        **{k: str(v) for k, v in row.weights.items()},
        "fairness_strength": str(row.fairness_strength),
        "fair_share": str(row.fair_share),
    }
    return render(
        request,
        "shortlists/weights.html",
        status_code=status_code,
        row=row,
        features=FEATURES,
        feature_labels=FEATURE_LABELS,
        defaults={name: getattr(DEFAULT_WEIGHTS, name) for name in FEATURES},
        values=values or current,
        errors=errors or {},
        message=message,
        models=await learning.latest_models(),
        awards=await learning.award_count(),
        min_awards=learning.MIN_AWARDS,
    )


async def weights(request: Request) -> Response:
    if request.method == "GET":
        return await _weights_page(request)
    values = await form_data(request)
    if values.get("reset"):
        asked = await confirm_first(
            request,
            title=_("Reset the matching weights?"),
            consequences=[
                _("Every weight and the fairness settings go back to their defaults."),
                _("Every open shortlist is computed again."),
                _("No e-mail is sent."),
            ],
            button=_("Reset the weights"),
            back=url("shortlists.weights"),
        )
        if asked is not None:
            return asked
    try:
        if values.get("reset"):
            await services.reset_settings(actor=request.state.user, address=client_address(request))
        else:
            chosen, fairness = services.read_settings(values)
            await services.update_settings(
                chosen, fairness, actor=request.state.user, address=client_address(request)
            )
    except DomainError as exc:
        return await form_failure(request, _weights_page, exc, values)
    flash(request, _("The matching weights are saved. Open shortlists are computed again."))
    return redirect(request, url("shortlists.weights"))


async def learn(request: Request) -> Response:
    await form_data(request)
    try:
        await learning.request_learning(actor=request.state.user, address=client_address(request))
    except DomainError as exc:
        return await form_failure(request, _weights_page, exc)
    flash(request, _("A model is being learned from the award history."))
    return redirect(request, url("shortlists.weights"))


async def fairness_page(request: Request) -> Response:
    return render(request, "shortlists/fairness.html", report=await fairness.report())
