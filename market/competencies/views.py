"""Web pages: the vendor's profile editor, the vendor directory and the taxonomy desk."""

from __future__ import annotations

import math
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market import listcache
from market.competencies import directory as directory_service
from market.competencies import services
from market.competencies.models import KINDS, LEVELS, VendorReference
from market.competencies.schemas import CodeAdd, CodeLabels, ProfileUpdate, split_line
from market.conduct.states import STATE_LABELS, standing
from market.contributions.figures import activity_of
from market.errors import DomainError, NotFound
from market.i18n import get_language
from market.i18n import gettext as _
from market.i18n import lazy_gettext as _l
from market.schemas import parse
from market.urls import url
from market.vendors import services as vendors
from market.vendors.models import SIZE_CLASSES, Vendor
from market.web import (
    client_address,
    flash,
    form_data,
    form_failure,
    page_param,
    read_form,
    redirect,
    render,
)

KIND_LABELS = {
    "cpv": _l("CPV code"),
    "product": _l("OS2 product"),
    "technology": _l("Technology"),
    "domain": _l("Domain"),
    "standard": _l("Standard or integration"),
}
LEVEL_LABELS = {"basic": _l("Basic"), "experienced": _l("Experienced"), "expert": _l("Expert")}
SIZE_LABELS = {
    "micro": _l("Micro (under 10)"),
    "small": _l("Small (10-49)"),
    "medium": _l("Medium (50-249)"),
    "large": _l("Large (250 or more)"),
}
LANGUAGE_LABELS = {
    "da": _l("Danish"),
    "en": _l("English"),
    "sv": _l("Swedish"),
    "no": _l("Norwegian"),
    "de": _l("German"),
}
BLANK_REFERENCES = 1


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "level_labels": LEVEL_LABELS,
        "levels": LEVELS,
        "size_labels": SIZE_LABELS,
        "language_labels": LANGUAGE_LABELS,
    }


# --- the profile editor ---------------------------------------------------------------------


async def _own_vendor(request: Request) -> Vendor:
    vendor = await services.vendor_of(request.state.user)
    if vendor is None:
        raise NotFound(_("Your organisation has no vendor profile."))
    return vendor


def _competency_lines(pairs: list[tuple[str, str]]) -> str:
    return "\n".join(f"{code} {level}" for code, level in pairs)


def _values_from(
    vendor: Vendor, held: list[tuple[str, str]], references: list[VendorReference]
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "profile_text": vendor.profile_text_da,
        "profile_text_en": vendor.profile_text_en,
        "hourly_rate_dkk": "" if vendor.hourly_rate_dkk is None else str(vendor.hourly_rate_dkk),
        "capacity_hours_per_month": ""
        if vendor.capacity_hours_per_month is None
        else str(vendor.capacity_hours_per_month),
        "capacity_from": vendor.capacity_from.isoformat() if vendor.capacity_from else "",
        "team_size": "" if vendor.team_size is None else str(vendor.team_size),
        "competencies": _competency_lines(held),
    }
    for n, ref in enumerate(references):
        values.update(
            {
                f"ref-{n}-title": ref.title,
                f"ref-{n}-customer": ref.customer,
                f"ref-{n}-year": "" if ref.year is None else str(ref.year),
                f"ref-{n}-description": ref.description,
                f"ref-{n}-codes": ", ".join(ref.codes),
            }
        )
    return values


def _form_key(key: str) -> str:
    """references[0].codes (as the service names it) -> ref-0-codes (the form field)."""
    match = re.match(r"^references\[(\d+)\]\.?(\w*)$", key)
    return f"ref-{match.group(1)}-{match.group(2) or 'title'}" if match else key


async def _render_editor(
    request: Request,
    vendor: Vendor,
    values: dict[str, Any],
    languages: list[str],
    errors: dict[str, str],
    status_code: int = 200,
    message: str = "",
) -> Response:
    held = await services.vendor_competencies(vendor.id)
    references = await services.vendor_references(vendor.id)
    done = services.completeness(vendor, held, references)
    chosen = [
        split_line(line)
        for line in str(values.get("competencies", "")).splitlines()
        if line.strip()
    ]
    found = await services.competencies_by_code(code for code, _level in chosen)
    errors = {_form_key(k): v for k, v in errors.items()}
    reference_count = sum(1 for key in values if key.startswith("ref-") and key.endswith("-title"))
    return render(
        request,
        "competencies/profile_edit.html",
        status_code=status_code,
        vendor=vendor,
        values=values,
        languages=languages,
        errors=errors,
        message=message,
        completeness=done,
        chosen=[(c, lvl, found.get(services.normalise_code(c))) for c, lvl in chosen],
        reference_rows=range(reference_count + BLANK_REFERENCES),
        **_labels(),
    )


async def profile_edit(request: Request) -> Response:
    vendor = await _own_vendor(request)
    if request.method == "GET":
        held = [(c.code, c.level) for c in await services.vendor_competencies(vendor.id)]
        references = await services.vendor_references(vendor.id)
        return await _render_editor(
            request,
            vendor,
            _values_from(vendor, held, references),
            list(vendor.working_languages or []),
            {},
        )
    form = await read_form(request)
    languages = [str(v) for v in form.getlist("working_languages")]
    values = await form_data(request)
    try:
        data = parse(ProfileUpdate, {**values, "working_languages": languages}, form=True)
        data = await services.resolve_labels(data)
        await services.update_profile(
            vendor.id, data, actor=request.state.user, address=client_address(request)
        )
    except DomainError as exc:
        return await form_failure(
            request, _render_editor, exc, values, vendor=vendor, languages=languages
        )
    flash(request, _("Your profile is saved."))
    return redirect(request, url("competencies.profile"))


# --- the directory --------------------------------------------------------------------------


def _is_staff(request: Request) -> bool:
    user = request.state.user
    return bool(user is not None and user.is_staff)


@listcache.cached("vendors")
async def directory(request: Request) -> Response:
    params = request.query_params
    query = directory_service.DirectoryQuery(
        q=params.get("q", "").strip()[:200],
        code=params.get("code", "").strip()[:64],
        kind=params.get("kind", ""),
        size_class=params.get("size_class", ""),
        product=params.get("product", ""),
        eligible=params.get("eligible") == "1",
    )
    page = page_param(request)
    per_page = 25
    errors: dict[str, str] = {}
    status = 200
    try:
        entries, total = await directory_service.search(query, page=page, per_page=per_page)
    except DomainError as exc:  # a query string, not a form: the list is empty, the error shown
        entries, total, errors, status = [], 0, exc.fields, exc.status
    products = await services.product_list()
    filters = {k: v for k, v in vars(query).items() if v}
    if query.eligible:
        filters["eligible"] = "1"
    return render(
        request,
        "competencies/directory.html",
        status_code=status,
        entries=entries,
        activity=await activity_of([e.vendor.id for e in entries]),
        total=total,
        page=page,
        pages=max(1, math.ceil(total / per_page)),
        query=query,
        values=filters,
        errors=errors,
        staff=_is_staff(request),
        labels=await directory_service.labels_for(entries),
        products=products,
        kind_options=[(k, str(KIND_LABELS[k])) for k in KINDS],
        size_options=[(s, str(SIZE_LABELS[s])) for s in SIZE_CLASSES],
        product_options=[
            (p.code, p.label_en if get_language() == "en" else p.label_da) for p in products
        ],
        eligibility_known=await directory_service.eligibility_for([]) is not None,
        **_labels(),
    )


async def directory_vendor(request: Request) -> Response:
    vendor = await services.get_vendor(int(request.path_params["id"]))
    if vendor is None:
        raise NotFound(_("There is no such vendor."))
    user = request.state.user
    full = _is_staff(request) or services.may_edit(user, vendor)
    held = await services.vendor_competencies(vendor.id)
    references = await services.vendor_references(vendor.id) if full else []
    codes = {c.code for c in held} | {c for r in references for c in r.codes}
    eligibility = await directory_service.eligibility_for([vendor.id]) if full else None
    value = (eligibility or {}).get(vendor.id)
    return render(
        request,
        "competencies/vendor.html",
        vendor=vendor,
        full=full,
        activity=(await activity_of([vendor.id]))[vendor.id],
        held=held,
        references=references,
        labels=await services.competencies_by_code(codes),
        eligible=None if value is None else directory_service.is_eligible(value),
        eligibility_reasons=list(getattr(value, "reasons", []) or []),
        completeness=services.completeness(vendor, held, references) if full else None,
        # One public page per vendor (/vendors/{id} and /directory/{id} show the same): its
        # standing as a partner, and the state in full for those who may see details.
        standing=await standing(vendor),
        details=vendors.may_see_details(user, vendor),
        state_labels=STATE_LABELS,
        **_labels(),
    )


# --- the taxonomy desk (secretariat) --------------------------------------------------------


async def _render_taxonomy(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    message: str = "",
) -> Response:
    params = request.query_params
    q, kind = params.get("q", "").strip()[:200], params.get("kind", "")
    page = page_param(request)
    try:
        rows, total = await services.search_taxonomy(
            q, kind, page=page, per_page=50, include_retired=True
        )
    except DomainError:
        rows, total, kind = [], 0, ""
    return render(
        request,
        "competencies/taxonomy.html",
        status_code=status_code,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / 50)),
        q=q,
        kind=kind,
        kind_options=[(k, str(KIND_LABELS[k])) for k in KINDS],
        values=values,
        errors=errors,
        message=message,
        **_labels(),
    )


async def taxonomy(request: Request) -> Response:
    if request.method == "GET":
        return await _render_taxonomy(request, {}, {})
    values = await form_data(request)
    try:
        competency = await services.add_code(
            parse(CodeAdd, values, form=True),
            actor=request.state.user,
            address=client_address(request),
        )
    except DomainError as exc:
        return await form_failure(request, _render_taxonomy, exc, values)
    flash(request, _("The code %(code)s is added.") % {"code": competency.code})
    return redirect(request, url("competencies.taxonomy", q=competency.code))


async def taxonomy_edit(request: Request) -> Response:
    if request.method == "GET":
        competency = await services.get_competency(request.query_params.get("code", ""))
        if competency is None:
            raise NotFound(_("There is no such code."))
        values = {"label_da": competency.label_da, "label_en": competency.label_en}
        return render(
            request,
            "competencies/taxonomy_edit.html",
            competency=competency,
            values=values,
            errors={},
            **_labels(),
        )
    values = await form_data(request)
    code = values.get("code", "")
    actor, address = request.state.user, client_address(request)
    action = values.get("action", "rename")
    try:
        if action in ("retire", "restore"):
            competency = await services.set_retired(
                code, action == "retire", actor=actor, address=address
            )
            text = (
                _("The code %(code)s is retired.")
                if action == "retire"
                else _("The code %(code)s is in use again.")
            )
            flash(request, text % {"code": competency.code})
        else:
            competency = await services.rename_code(
                code, parse(CodeLabels, values, form=True), actor=actor, address=address
            )
            flash(request, _("The code %(code)s is renamed.") % {"code": competency.code})
    except DomainError as exc:
        found = await services.get_competency(code)
        if found is None:
            raise
        return await form_failure(
            request, "competencies/taxonomy_edit.html", exc, values, competency=found, **_labels()
        )
    return redirect(request, url("competencies.taxonomy", q=competency.code))
