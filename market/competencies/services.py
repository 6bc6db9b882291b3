"""The competency taxonomy and vendor competency profiles: every write and rule lives here."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from market import clock, listcache
from market.accounts.models import User
from market.audit.services import record
from market.competencies.models import (
    KINDS,
    LEVELS,
    Competency,
    MatchingIndexState,
    VendorCompetency,
    VendorReference,
)
from market.competencies.schemas import (
    MAX_COMPETENCIES,
    CodeAdd,
    CodeLabels,
    Held,
    ProfileUpdate,
)
from market.competencies.taxonomy import all_seeds
from market.db import after_commit, transaction
from market.errors import (
    AlreadyExists,
    NotFound,
    NotVendorAdmin,
    ValidationFailed,
)
from market.i18n import get_language
from market.i18n import gettext as _
from market.i18n import lazy_gettext as _l
from market.orm import column
from market.vendors.models import Vendor

CPV = re.compile(r"^(\d{8})(-\d)?$")
CODE = re.compile(r"^[a-z0-9]+:[a-z0-9][a-z0-9._-]*$")
KIND_PREFIX = {"product": "os2:", "technology": "tech:", "domain": "domain:", "standard": "std:"}


# --- codes and the hierarchy ----------------------------------------------------------------


def normalise_code(code: str) -> str:
    """The stored spelling of a code: CPV as 8 digits ("72000000-5" -> "72000000"), others
    lower-cased ("Tech:Python" -> "tech:python")."""
    text = str(code).strip()
    match = CPV.match(text)
    if match:
        return match.group(1)
    return text.lower()


async def active_codes(codes: Iterable[str]) -> set[str]:
    wanted = {normalise_code(c) for c in codes}
    if not wanted:
        return set()
    rows = await Competency.filter(code__in=list(wanted), retired_at__isnull=True).values_list(
        "code", flat=True
    )
    return {str(r) for r in rows}


async def unknown_codes(codes: Iterable[str], *, keep: Iterable[str] = ()) -> list[str]:
    """The codes (as given) that are not in the taxonomy or are retired, in input order.

    A retired code counts as unknown for new use; codes in `keep` (already on the record
    being edited) may stay even when retired."""
    given = [str(c) for c in codes]
    known = await active_codes(given)
    kept = {normalise_code(c) for c in keep}
    unknown: list[str] = []
    for code in given:
        norm = normalise_code(code)
        if norm not in known and norm not in kept and code not in unknown:
            unknown.append(code)
    return unknown


async def parent_map() -> dict[str, str]:
    """{code: parent code} for every code of the taxonomy that has a parent (kept per process
    while the taxonomy is unchanged: a copy, so a caller may change it)."""
    return dict(await listcache.kept("taxonomy", "parents", _parents))


async def _parents() -> dict[str, str]:
    rows = await Competency.exclude(parent="").values_list("code", "parent")
    return {str(code): str(parent) for code, parent in rows}


def ancestors_in(code: str, parents: dict[str, str]) -> list[str]:
    """The parent, grandparent, ... of a code (nearest first), from a parent map."""
    found: list[str] = []
    current = parents.get(normalise_code(code), "")
    while current and current not in found:
        found.append(current)
        current = parents.get(current, "")
    return found


async def ancestors(code: str) -> list[str]:
    """The ancestors of a code, nearest first."""
    return ancestors_in(code, await parent_map())


def descendants_in(codes: Iterable[str], parents: dict[str, str]) -> set[str]:
    """The codes themselves and every code below them."""
    roots = {normalise_code(c) for c in codes}
    found = set(roots)
    for code in parents:
        if roots.intersection(ancestors_in(code, parents)):
            found.add(code)
    return found


async def get_competency(code: str) -> Competency | None:
    return await Competency.get_or_none(code=normalise_code(code))


async def competencies_by_code(codes: Iterable[str]) -> dict[str, Competency]:
    """The taxonomy's entries for these codes (retired ones too), for labels: read from the
    whole taxonomy kept per process while it is unchanged (a few hundred rows), so a page
    of vendors with a hundred codes costs no query. The entries are shared: read, never
    change them (the taxonomy desk reads and writes its own rows)."""
    wanted = {normalise_code(c) for c in codes}
    if not wanted:
        return {}
    every = await listcache.kept("taxonomy", "entries by code", _every_competency)
    return {code: every[code] for code in wanted if code in every}


async def _every_competency() -> dict[str, Competency]:
    return {c.code: c for c in await Competency.all()}


async def product_list() -> list[Competency]:
    """The products in use (not retired), in the taxonomy's order, kept like the labels."""
    return list(await listcache.kept("taxonomy", "products", _products))


async def _products() -> list[Competency]:
    return list(
        await Competency.filter(kind="product", retired_at__isnull=True).order_by(
            "level", "kind", "sort", "code"
        )
    )


async def labels_for(codes: Iterable[str]) -> dict[str, str]:
    """The label of each code as given (in the reader's language; the code when unknown)."""
    wanted = list(codes)
    found = await competencies_by_code(wanted)
    return {code: label(found.get(normalise_code(code)), code) for code in wanted}


def label(competency: Competency | None, code: str = "") -> str:
    if competency is None:
        return code
    return competency.label_en if get_language() == "en" else competency.label_da


# --- the taxonomy ---------------------------------------------------------------------------


async def seed_taxonomy() -> int:
    """Add every seed code that is missing (idempotent: renames and retirements stay)."""
    seeds = all_seeds()
    present = set(await column(Competency.all().values_list("code", flat=True)))
    new = [
        Competency(
            code=s.code,
            kind=s.kind,
            parent=s.parent,
            label_da=s.label_da,
            label_en=s.label_en,
            level=s.level,
            sort=s.sort,
        )
        for s in seeds
        if s.code not in present
    ]
    if new:
        async with transaction():
            await Competency.bulk_create(new, batch_size=500, ignore_conflicts=True)
    return len(new)


async def search_taxonomy(
    q: str = "",
    kind: str = "",
    *,
    page: int = 1,
    per_page: int = 50,
    include_retired: bool = False,
) -> tuple[list[Competency], int]:
    """Codes whose code or label (in either language) holds every word of `q`."""
    if kind and kind not in KINDS:
        raise ValidationFailed(
            _("Unknown kind."), {"kind": _("One of: %(list)s.") % {"list": ", ".join(KINDS)}}
        )
    query = Competency.all()
    if not include_retired:
        query = query.filter(retired_at__isnull=True)
    if kind:
        query = query.filter(kind=kind)
    text = q.strip()
    exact = normalise_code(text) if text else ""
    for word in text.split()[:8]:
        norm = normalise_code(word)
        query = query.filter(
            Q(code__icontains=norm) | Q(label_da__icontains=word) | Q(label_en__icontains=word)
        )
    total = await query.count()
    rows = list(
        await query.order_by("level", "kind", "sort", "code")
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    if exact and page == 1:
        rows.sort(key=lambda c: (c.code != exact, not c.code.startswith(exact)))
    return rows, total


async def taxonomy_paths(rows: Iterable[Competency]) -> dict[str, list[Competency]]:
    """For each code its ancestors (root first), to show where a code sits."""
    rows = list(rows)
    parents = await parent_map()
    chains = {c.code: ancestors_in(c.code, parents) for c in rows}
    found = await competencies_by_code({a for chain in chains.values() for a in chain})
    return {
        code: [found[a] for a in reversed(chain) if a in found] for code, chain in chains.items()
    }


def competency_json(competency: Competency, path: list[Competency] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": competency.code,
        "label_da": competency.label_da,
        "label_en": competency.label_en,
        "kind": competency.kind,
        "parent": competency.parent or None,
        "level": competency.level,
        "retired": competency.retired_at is not None,
    }
    if path is not None:
        data["path"] = [
            {"code": p.code, "label_da": p.label_da, "label_en": p.label_en} for p in path
        ]
    return data


def _snapshot(competency: Competency) -> dict[str, Any]:
    return {
        "code": competency.code,
        "kind": competency.kind,
        "parent": competency.parent,
        "label_da": competency.label_da,
        "label_en": competency.label_en,
        "retired": competency.retired_at is not None,
    }


async def add_code(data: CodeAdd, *, actor: User, address: str = "") -> Competency:
    """Add a code to the taxonomy (secretariat)."""
    errors: dict[str, str] = {}
    kind, norm = data.kind, normalise_code(data.code)
    if kind == "cpv" and not CPV.match(norm):
        errors["code"] = _("A CPV code has 8 digits, e.g. 72212000.")
    elif kind != "cpv" and not (CODE.match(norm) and norm.startswith(KIND_PREFIX[kind])):
        errors["code"] = _("Write the code as %(example)s.") % {
            "example": f"{KIND_PREFIX[kind]}name"
        }
    parent = data.parent
    parent_row = None
    if parent:
        parent_row = await get_competency(parent)
        if parent_row is None or parent_row.kind != kind:
            errors["parent"] = _("Unknown code: %(code)s") % {"code": parent}
    if errors:
        raise ValidationFailed(str(CodeAdd.failure_message), errors)
    try:
        async with transaction():
            competency = await Competency.create(
                code=norm,
                kind=kind,
                parent=parent_row.code if parent_row else "",
                label_da=data.label_da,
                label_en=data.label_en,
                level=(parent_row.level + 1) if parent_row else 1,
                sort=1000,
            )
            await record(
                "competency.add",
                actor=actor,
                object_type="competency",
                object_id=norm,
                after=_snapshot(competency),
                address=address,
            )
    except IntegrityError as exc:
        raise AlreadyExists(
            _("The code %(code)s already exists.") % {"code": norm},
            {"code": _("Already in the taxonomy.")},
        ) from exc
    return competency


async def _locked(code: str) -> Competency:
    competency = await Competency.filter(code=normalise_code(code)).select_for_update().first()
    if competency is None:
        raise NotFound(_("Unknown code: %(code)s") % {"code": code})
    return competency


async def rename_code(code: str, data: CodeLabels, *, actor: User, address: str = "") -> Competency:
    """Change the labels of a code (secretariat)."""
    async with transaction():
        competency = await _locked(code)
        before = _snapshot(competency)
        competency.label_da, competency.label_en = data.label_da, data.label_en
        await competency.save(update_fields=["label_da", "label_en"])
        await record(
            "competency.rename",
            actor=actor,
            object_type="competency",
            object_id=competency.code,
            before=before,
            after=_snapshot(competency),
            address=address,
        )
    return competency


async def set_retired(code: str, retired: bool, *, actor: User, address: str = "") -> Competency:
    """Retire a code (it stays on old records but cannot be newly chosen) or bring it back."""
    async with transaction():
        competency = await _locked(code)
        if (competency.retired_at is not None) == retired:
            return competency
        before = _snapshot(competency)
        competency.retired_at = clock.now() if retired else None
        await competency.save(update_fields=["retired_at"])
        await record(
            "competency.retire" if retired else "competency.restore",
            actor=actor,
            object_type="competency",
            object_id=competency.code,
            before=before,
            after=_snapshot(competency),
            address=address,
        )
    return competency


# --- vendor profiles ------------------------------------------------------------------------


async def get_vendor(vendor_id: int) -> Vendor | None:
    return await Vendor.get_or_none(id=vendor_id)


async def vendor_of(user: User | None) -> Vendor | None:
    """The vendor a vendor user works for (None for staff)."""
    if user is None or not user.is_vendor:
        return None
    return await Vendor.get_or_none(organisation_id=user.organisation_id)


def may_edit(user: User | None, vendor: Vendor) -> bool:
    return user is not None and user.is_vendor and user.organisation_id == vendor.organisation_id


async def vendor_for_edit(vendor_id: int, user: User) -> Vendor:
    vendor = await get_vendor(vendor_id)
    if vendor is None:
        raise NotFound(_("There is no such vendor."))
    if not may_edit(user, vendor):
        raise NotVendorAdmin(_("Only the vendor's own users may change its profile."))
    return vendor


async def vendor_competencies(vendor_id: int) -> list[VendorCompetency]:
    return list(await VendorCompetency.filter(vendor_id=vendor_id).order_by("code"))


async def vendor_references(vendor_id: int) -> list[VendorReference]:
    return list(await VendorReference.filter(vendor_id=vendor_id).order_by("position", "id"))


FUTURE_YEAR = _l("A reference is work already done: the year cannot be in the future.")


async def resolve_entry(text: str) -> str:
    """A code or an exact label (either language) as a code; the text itself when unknown."""
    norm = normalise_code(text)
    if CPV.match(norm) or CODE.match(norm):
        return norm
    rows = await Competency.filter(
        Q(label_da__iexact=text) | Q(label_en__iexact=text), retired_at__isnull=True
    ).limit(2)
    return rows[0].code if len(rows) == 1 else text


async def resolve_labels(data: ProfileUpdate) -> ProfileUpdate:
    """The profile with each label typed in the form instead of a code read as its code."""
    held = [Held(code=await resolve_entry(c["code"]), level=c["level"]) for c in data.competencies]
    references = [
        r.model_copy(update={"codes": [await resolve_entry(c) for c in r.codes]})
        for r in data.references
    ]
    return data.model_copy(update={"competencies": held, "references": references})


async def _check_profile(data: ProfileUpdate, vendor: Vendor, errors: dict[str, str]) -> None:
    """The rules of the database and the clock: codes that exist (a retired one already on
    the profile may stay), at most MAX_COMPETENCIES in all, references not in the future."""
    current = {c.code for c in await VendorCompetency.filter(vendor_id=vendor.id)}
    current |= {c for r in await VendorReference.filter(vendor_id=vendor.id) for c in r.codes}
    held = [*data.competencies, *data.products]
    if len(held) > MAX_COMPETENCIES:
        errors["competencies"] = _("At most %(n)d competencies.") % {"n": MAX_COMPETENCIES}
    unknown = await unknown_codes([c["code"] for c in held], keep=current)
    if unknown:
        errors["competencies"] = _("Unknown code: %(code)s") % {"code": ", ".join(unknown)}
    this_year = clock.today().year
    for n, ref in enumerate(data.references):
        if ref.year is not None and ref.year > this_year:
            errors[f"references[{n}].year"] = str(FUTURE_YEAR)
        unknown = await unknown_codes(ref.codes, keep=current)
        if unknown:
            errors[f"references[{n}].codes"] = _("Unknown code: %(code)s") % {
                "code": ", ".join(unknown)
            }


def _merge_levels(pairs: list[Held]) -> dict[str, str]:
    """One level per code: the highest one given."""
    merged: dict[str, str] = {}
    for pair in pairs:
        norm, level = normalise_code(pair["code"]), pair["level"]
        old = merged.get(norm)
        if old is None or LEVELS.index(level) > LEVELS.index(old):
            merged[norm] = level
    return merged


def _profile_snapshot(
    vendor: Vendor, competencies: dict[str, str], references: int
) -> dict[str, Any]:
    return {
        "hourly_rate_dkk": vendor.hourly_rate_dkk,
        "capacity_hours_per_month": vendor.capacity_hours_per_month,
        "capacity_from": vendor.capacity_from.isoformat() if vendor.capacity_from else None,
        "team_size": vendor.team_size,
        "working_languages": list(vendor.working_languages or []),
        "profile_text_length": len(vendor.profile_text_da or ""),
        "competencies": competencies,
        "references": references,
    }


async def update_profile(
    vendor_id: int, data: ProfileUpdate, *, actor: User, address: str = ""
) -> Vendor:
    """Replace a vendor's competency profile as a whole, in one transaction.

    404 for an unknown vendor, 403 for users of other vendors, 422 naming any unknown or
    retired code (a retired code already on the profile may stay)."""
    vendor = await vendor_for_edit(vendor_id, actor)
    errors: dict[str, str] = {}
    await _check_profile(data, vendor, errors)
    if errors:
        raise ValidationFailed(str(ProfileUpdate.failure_message), errors)
    levels = _merge_levels([*data.competencies, *data.products])
    async with transaction():
        vendor = await Vendor.filter(id=vendor.id).select_for_update().get()
        old = {c.code: c.level for c in await vendor_competencies(vendor.id)}
        before = _profile_snapshot(
            vendor, old, await VendorReference.filter(vendor_id=vendor.id).count()
        )
        vendor.profile_text_da = data.profile_text
        vendor.profile_text_en = data.profile_text_en
        vendor.hourly_rate_dkk = data.hourly_rate_dkk
        vendor.capacity_hours_per_month = data.capacity_hours_per_month
        vendor.capacity_from = data.capacity_from
        vendor.team_size = data.team_size
        vendor.working_languages = data.working_languages
        vendor.profile_updated_at = clock.now()
        await vendor.save(
            update_fields=[
                "profile_text_da",
                "profile_text_en",
                "hourly_rate_dkk",
                "capacity_hours_per_month",
                "capacity_from",
                "team_size",
                "working_languages",
                "profile_updated_at",
            ]
        )
        await VendorCompetency.filter(vendor_id=vendor.id).delete()
        await VendorCompetency.bulk_create(
            [
                VendorCompetency(vendor_id=vendor.id, code=code, level=level)
                for code, level in sorted(levels.items())
            ]
        )
        await VendorReference.filter(vendor_id=vendor.id).delete()
        await VendorReference.bulk_create(
            [
                VendorReference(
                    vendor_id=vendor.id,
                    position=n,
                    title=r.title,
                    customer=r.customer,
                    year=r.year,
                    description=r.description,
                    codes=sorted({normalise_code(c) for c in r.codes}),
                )
                for n, r in enumerate(data.references)
            ]
        )
        await record(
            "vendor.profile",
            actor=actor,
            object_type="vendor",
            object_id=vendor.id,
            before=before,
            after=_profile_snapshot(vendor, levels, len(data.references)),
            address=address,
        )
        await queue_index_refresh(vendor.id)
    return vendor


async def queue_index_refresh(vendor_id: int) -> None:
    """After the transaction commits, take the vendor's changed record into the matching index
    (debounced: a burst of changes to one vendor makes one job)."""
    await after_commit("refresh_vendor_index", vendor_id, job_id=f"refresh-vendor:{vendor_id}")


# --- completeness ---------------------------------------------------------------------------


@dataclass
class Completeness:
    percent: int
    missing: list[str]


def completeness(
    vendor: Vendor, competencies: list[VendorCompetency], references: list[VendorReference]
) -> Completeness:
    """How complete a profile is, and what is missing (in the user's language)."""
    checks = [
        (
            len((vendor.profile_text_da or "").strip()) >= 80,
            _("A profile text of at least 80 characters"),
        ),
        (vendor.hourly_rate_dkk is not None, _("An hourly rate")),
        (vendor.capacity_hours_per_month is not None, _("Capacity in hours per month")),
        (vendor.team_size is not None, _("The size of the team")),
        (bool(vendor.working_languages), _("Working languages")),
        (any(CPV.match(c.code) for c in competencies), _("At least one CPV code")),
        (len(competencies) >= 3, _("At least three competencies")),
        (bool(references), _("At least one reference")),
    ]
    done = sum(1 for ok, _text in checks if ok)
    return Completeness(round(100 * done / len(checks)), [text for ok, text in checks if not ok])


# --- the matching index ---------------------------------------------------------------------


async def refresh_vendor_index(vendor_id: int) -> str:
    """Record that the matching index took in the vendor's current profile (idempotent).

    The matching engine fills in the real work; for now the state row says which profile
    version was taken in and how many times the job ran."""
    vendor = await get_vendor(vendor_id)
    if vendor is None:
        return "gone"
    async with transaction():
        state = await MatchingIndexState.filter(vendor_id=vendor_id).select_for_update().first()
        if state is None:
            try:
                async with transaction():
                    state = await MatchingIndexState.create(
                        vendor_id=vendor_id,
                        profile_updated_at=vendor.profile_updated_at,
                        refreshed_at=clock.now(),
                        runs=1,
                    )
                return "created"
            except IntegrityError:
                state = await MatchingIndexState.get(vendor_id=vendor_id)
        state.profile_updated_at = vendor.profile_updated_at
        state.refreshed_at = clock.now()
        state.runs += 1
        await state.save(update_fields=["profile_updated_at", "refreshed_at", "runs"])
    return "refreshed"
