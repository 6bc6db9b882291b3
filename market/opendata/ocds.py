"""Open Contracting (OCDS 1.1): immutable releases, record packages and compiled releases.

Every change of a published task (published, amended, updated at its deadline, awarded,
delivered, cancelled) becomes a new release with its own id, date and tag, stored once and
never changed (`OcdsRelease`). `record_releases` compares what each task says now with its
latest release and writes a new one when they differ; a periodic job runs it every five
minutes (each release is dated by the change it publishes, not by when the job saw it).
The release package lists the stored releases in the order they were written, paginated; the
record package holds every release of a contracting process and the compiled release, merged
by the OCDS merge rules (objects field by field, arrays of objects by their `id`).

Nothing sealed is ever published: no bid count, bidder or price before the bid deadline, and
losing bidders and their prices never. See docs/opendata.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from market import clock, urls
from market.accounts.models import Organisation, OrganisationKind
from market.bids.models import Award, DeliveryRating
from market.competencies.models import Competency
from market.opendata.models import OcdsRelease
from market.opendata.services import public_tasks, submitted_bid_counts
from market.settings import Settings
from market.tasks.models import Task, TaskFunding, TaskStatus
from market.tasks.rules import CPV, effective_status
from market.vendors.models import Vendor

CURRENCY = "DKK"
LANGUAGE = "da"
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
OCDS_SCALE = {"micro": "micro", "small": "sme", "medium": "sme", "large": "large"}
EXTENSION_BASE = "https://raw.githubusercontent.com/open-contracting-extensions"
# The community extensions the data uses: party scale (parties/details/scale) and pagination
# (the packages' `links`).
EXTENSIONS = [
    f"{EXTENSION_BASE}/ocds_partyDetails_scale_extension/master/extension.json",
    f"{EXTENSION_BASE}/ocds_pagination_extension/master/extension.json",
]
RELEASES_PER_PAGE = 100
RECORDS_PER_PAGE = 50
# The Danish texts of the criteria every task starts with (others are the coordinator's own).
CRITERION_NAMES_DA = {
    "price": "pris",
    "quality of approach": "kvalitet i tilgangen",
    "delivery time": "leveringstid",
}
# What changed in the tender alone, when the clock passed the deadline: an update, not an
# amendment by the buyer.
CLOCK_FIELDS = {"numberOfTenderers", "status"}


def _iso(value: dt.datetime) -> str:
    return clock.to_local(value).replace(microsecond=0).isoformat()


def _money(amount: int | None) -> dict[str, Any]:
    return {"amount": amount or 0, "currency": CURRENCY}


# --- what a task says now ------------------------------------------------------------------


@dataclass
class _Context:
    now: dt.datetime
    settings: Settings
    funding: dict[int, list[TaskFunding]] = field(default_factory=dict)
    awards: dict[int, Award] = field(default_factory=dict)
    ratings: dict[int, DeliveryRating] = field(default_factory=dict)
    bid_counts: dict[int, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    secretariat: Organisation | None = None


async def _context(tasks: list[Task], now: dt.datetime, settings: Settings) -> _Context:
    ids = [t.id for t in tasks]
    ctx = _Context(now=now, settings=settings)
    for row in await TaskFunding.filter(task_id__in=ids).prefetch_related("organisation"):
        ctx.funding.setdefault(row.task_id, []).append(row)
    for award in await Award.filter(task_id__in=ids).prefetch_related("bid__vendor"):
        ctx.awards[award.task_id] = award
    for rating in await DeliveryRating.filter(task_id__in=ids):
        ctx.ratings[rating.task_id] = rating
    ctx.bid_counts = await submitted_bid_counts([t.id for t in tasks if now >= t.bid_deadline])
    codes = {c for t in tasks for c in [*t.required, *t.nice_to_have] if CPV.match(c)}
    if codes:
        rows = await Competency.filter(code__in=list(codes))
        ctx.labels = {c.code: c.label_da for c in rows}
    ctx.secretariat = await Organisation.filter(kind=OrganisationKind.SECRETARIAT).first()
    return ctx


def procurement_method() -> tuple[str, str]:
    """(procurementMethod, details): every task is open to all eligible vendor partners.

    Invitations only nudge vendors to look, so they neither make a task "limited" nor change
    its release (an invitation is not an amendment). Should an invite-only option arrive,
    this is the one place to answer "limited" for it."""
    return "open", (
        "Åben for alle leverandørpartnere, der har underskrevet det gældende adfærdskodeks; "
        "invitationer er kun en opfordring til at se på opgaven."
    )


def _municipality_party(org: Organisation, roles: list[str]) -> dict[str, Any]:
    party: dict[str, Any] = {
        "id": f"DK-KOMKODE-{org.code}" if org.code else f"pmkt-org-{org.id}",
        "name": org.name,
        "roles": roles,
        "address": {"countryName": "Danmark"},
    }
    if org.region:
        party["address"]["region"] = org.region
    if org.code:
        party["identifier"] = {"scheme": "DK-KOMKODE", "id": org.code, "legalName": org.name}
    return party


def _vendor_party(vendor: Vendor) -> dict[str, Any]:
    party: dict[str, Any] = {
        "id": f"DK-CVR-{vendor.cvr}",
        "name": vendor.name,
        "identifier": {"scheme": "DK-CVR", "id": vendor.cvr, "legalName": vendor.name},
        "roles": ["supplier"],
        "details": {"scale": OCDS_SCALE[vendor.size_class]},
        "address": {"countryName": "Danmark"},
    }
    if vendor.address:
        party["address"]["streetAddress"] = vendor.address
    if vendor.website:
        party["contactPoint"] = {"name": vendor.name, "url": vendor.website}
    return party


def _items(task: Task, labels: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for code in dict.fromkeys([*task.required, *task.nice_to_have]):
        if not CPV.match(code):
            continue
        label = labels.get(code, code)
        items.append(
            {
                "id": str(len(items) + 1),
                "description": label,
                "classification": {"scheme": "CPV", "id": code[:8], "description": label},
            }
        )
    if not items:
        items.append({"id": "1", "description": task.title})
    return items


def award_criteria(task: Task) -> tuple[str, str]:
    """(awardCriteria, awardCriteriaDetails) from the task's weighted criteria, in Danish."""
    criteria = [c for c in task.criteria if int(c.get("weight", 0)) > 0]
    if len(criteria) == 1 and criteria[0].get("name") == "price":
        return "priceOnly", "Laveste pris (100 %)."
    parts = [
        f"{CRITERION_NAMES_DA.get(str(c['name']), str(c['name']))} {int(c['weight'])} %"
        for c in criteria
    ]
    return "ratedCriteria", "Vægtede kriterier: " + ", ".join(parts) + "."


def _periods(task: Task) -> dict[str, Any]:
    """Tender and enquiry periods that never end before they start."""
    start = task.published_at or task.created_at
    tender_end = max(task.bid_deadline, start)
    enquiry_end = min(max(task.question_deadline, start), tender_end)
    delivery = dt.datetime.combine(task.delivery_date, dt.time(), tzinfo=clock.COPENHAGEN)
    return {
        "tenderPeriod": {"startDate": _iso(start), "endDate": _iso(tender_end)},
        "enquiryPeriod": {"startDate": _iso(start), "endDate": _iso(enquiry_end)},
        "contractPeriod": {"endDate": _iso(max(delivery, tender_end))},
    }


def _state(task: Task, ctx: _Context) -> str:
    if effective_status(task, ctx.now) == TaskStatus.CANCELLED:
        return "cancelled"
    if task.id in ctx.ratings:
        return "contract"
    if task.id in ctx.awards:
        return "award"
    return "closed" if ctx.now >= task.bid_deadline else "tender"


TENDER_STATUS = {
    "tender": "active",
    "closed": "active",
    "award": "complete",
    "contract": "complete",
    "cancelled": "cancelled",
}


def _parties(task: Task, ctx: _Context) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    funding = sorted(
        ctx.funding.get(task.id, []),
        key=lambda f: (-f.amount_dkk, f.organisation.code or "", f.organisation_id),
    )
    parties: list[dict[str, Any]] = []
    buyer: dict[str, Any] | None = None
    for index, row in enumerate(funding):
        roles = ["buyer", "payer"] if index == 0 else ["payer"]
        party = _municipality_party(row.organisation, roles)
        parties.append(party)
        if index == 0:
            buyer = {"id": party["id"], "name": party["name"]}
    return parties, buyer


def _snapshot(task: Task, ctx: _Context, ocid: str) -> dict[str, Any]:
    """What the task says now, as release content without id, date and tag."""
    state = _state(task, ctx)
    parties, buyer = _parties(task, ctx)
    method, method_details = procurement_method()
    criteria, criteria_details = award_criteria(task)
    tender: dict[str, Any] = {
        "id": f"{ocid}-tender",
        "title": task.title,
        "description": task.description,
        "status": TENDER_STATUS[state],
        "value": _money(task.budget_dkk),
        "procurementMethod": method,
        "procurementMethodDetails": method_details,
        "mainProcurementCategory": "services",
        "awardCriteria": criteria,
        "awardCriteriaDetails": criteria_details,
        "submissionMethod": ["electronicSubmission"],
        "submissionMethodDetails": (
            f"Tilbud afgives elektronisk i Partner Market: {ctx.settings.base_url}/tasks/{task.id}"
        ),
        "items": _items(task, ctx.labels),
        **_periods(task),
    }
    if ctx.secretariat is not None:
        secretariat_id = f"pmkt-org-{ctx.secretariat.id}"
        parties.append(
            {
                "id": secretariat_id,
                "name": ctx.secretariat.name,
                "roles": ["procuringEntity"],
                "address": {"countryName": "Danmark"},
                "contactPoint": {
                    "name": ctx.secretariat.name,
                    "email": ctx.settings.contact_email,
                    "url": ctx.settings.base_url,
                },
            }
        )
        tender["procuringEntity"] = {"id": secretariat_id, "name": ctx.secretariat.name}
    if ctx.now >= task.bid_deadline:  # never before the deadline: bids are sealed until then
        tender["numberOfTenderers"] = ctx.bid_counts.get(task.id, 0)
    content: dict[str, Any] = {
        "ocid": ocid,
        "initiationType": "tender",
        "language": LANGUAGE,
        "parties": parties,
        "tender": tender,
    }
    if buyer is not None:
        content["buyer"] = buyer
    award = ctx.awards.get(task.id)
    if award is not None and state in ("award", "contract"):
        awards, contracts = _award_parts(ocid, award, ctx, parties)
        content["awards"] = awards
        if contracts:
            content["contracts"] = contracts
    return content


def _award_parts(
    ocid: str, award: Award, ctx: _Context, parties: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    supplier = _vendor_party(award.bid.vendor)
    parties.append(supplier)
    award_id = f"{ocid}-award-{award.id}"
    awards = [
        {
            "id": award_id,
            "title": "Tildeling",
            "status": "active",
            "date": _iso(award.awarded_at),
            "value": _money(award.bid.price_dkk),
            "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
        }
    ]
    contracts = []
    rating = ctx.ratings.get(award.task_id)
    if rating is not None:
        contracts.append(
            {
                "id": f"{ocid}-contract-{award.id}",
                "awardID": award_id,
                "title": "Leverance",
                "status": "terminated",
                "value": _money(award.bid.price_dkk),
                "dateSigned": _iso(award.awarded_at),
            }
        )
    return awards, contracts


# --- recording releases ---------------------------------------------------------------------


def digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


def _change(
    before: dict[str, Any] | None, after: dict[str, Any], task: Task, ctx: _Context
) -> tuple[list[str], dt.datetime]:
    """The release's tag and the time of the change it publishes."""
    award = ctx.awards.get(task.id)
    if after["tender"]["status"] == "cancelled":
        return ["tenderCancellation"], task.cancelled_at or ctx.now
    if "contracts" in after and (before is None or "contracts" not in before):
        return (["award", "contract"] if before is None else ["contract"]), (
            ctx.ratings[task.id].rated_at
        )
    if "awards" in after and (before is None or before.get("awards") != after["awards"]):
        assert award is not None
        return ["award"], award.awarded_at
    if before is None:
        return ["tender"], task.published_at or task.created_at
    changed = {k for k in after["tender"] if before["tender"].get(k) != after["tender"].get(k)}
    changed |= {k for k in before["tender"] if k not in after["tender"]}
    if changed <= CLOCK_FIELDS and before.get("parties") == after.get("parties"):
        return ["tenderUpdate"], min(task.bid_deadline, ctx.now)
    return ["tenderAmendment"], task.updated_at


async def _latest(task_ids: list[int]) -> dict[int, OcdsRelease]:
    latest: dict[int, OcdsRelease] = {}
    for row in await OcdsRelease.filter(task_id__in=task_ids).order_by("task_id", "sequence"):
        latest[row.task_id] = row
    return latest


def _release(
    content: dict[str, Any],
    previous: OcdsRelease | None,
    tags: list[str],
    when: dt.datetime,
) -> dict[str, Any]:
    sequence = previous.sequence + 1 if previous else 1
    release_id = f"{content['ocid']}-{sequence:03d}"
    release = {"id": release_id, "date": _iso(when), "tag": tags, **content}
    amendments = list(previous.data.get("tender", {}).get("amendments", [])) if previous else []
    if "tenderAmendment" in tags and previous is not None:
        amendments.append(
            {
                "id": str(len(amendments) + 1),
                "date": _iso(when),
                "rationale": "Opgaven blev ændret af koordinatoren efter offentliggørelsen.",
                "amendsReleaseID": previous.release_id,
                "releaseID": release_id,
            }
        )
    if amendments:
        release["tender"] = {**release["tender"], "amendments": amendments}
    return release


async def record_releases(settings: Settings, task_ids: list[int] | None = None) -> int:
    """Write a new release for every public task that changed since its latest release."""
    now = clock.now()
    tasks = await public_tasks(task_ids)
    if not tasks:
        return 0
    ctx = await _context(tasks, now, settings)
    latest = await _latest([t.id for t in tasks])
    written = 0
    for index, task in enumerate(tasks):
        if index % 100 == 99:
            await asyncio.sleep(0)  # in the web process (in-process jobs) others get a turn
        ocid = f"{settings.ocds_ocid_prefix}-{task.id}"
        content = _snapshot(task, ctx, ocid)
        summary = digest(content)
        previous = latest.get(task.id)
        if previous is not None and previous.digest == summary:
            continue
        before = _content_of(previous.data) if previous is not None else None
        tags, when = _change(before, content, task, ctx)
        # Within a process each release is later than the one before (to the second, as
        # published), so consumers merge them in the order they happened.
        when = min(when, now).replace(microsecond=0)
        if previous is not None and when <= previous.date:
            when = previous.date.replace(microsecond=0) + dt.timedelta(seconds=1)
        release = _release(content, previous, tags, when)
        try:
            async with in_transaction():
                await OcdsRelease.create(
                    task_id=task.id,
                    ocid=ocid,
                    sequence=previous.sequence + 1 if previous else 1,
                    release_id=release["id"],
                    date=when,
                    tags=tags,
                    digest=summary,
                    data=release,
                )
        except IntegrityError:
            continue  # another run wrote this change meanwhile
        written += 1
    return written


def _content_of(release: dict[str, Any]) -> dict[str, Any]:
    content = {k: v for k, v in release.items() if k not in ("id", "date", "tag")}
    tender = {k: v for k, v in content.get("tender", {}).items() if k != "amendments"}
    return {**content, "tender": tender}


# --- merging (the compiled release) ---------------------------------------------------------


def _merge(into: Any, value: Any) -> Any:
    if isinstance(value, dict) and isinstance(into, dict):
        merged = dict(into)
        for key, item in value.items():
            if item is None:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = _merge(merged[key], item)
            else:
                merged[key] = _merge(None, item)
        return merged
    if isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
        by_id = {str(v["id"]): v for v in (into or []) if isinstance(v, dict) and "id" in v}
        order = list(by_id)
        for item in value:
            key = str(item["id"])
            if key not in by_id:
                order.append(key)
            by_id[key] = _merge(by_id.get(key), item)
        return [by_id[key] for key in order]
    if isinstance(value, dict):
        return _merge({}, value)
    return value


def compile_releases(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release: the releases merged in date order by the OCDS merge rules."""
    ordered = sorted(releases, key=lambda r: r["date"])
    compiled: dict[str, Any] = {}
    for release in ordered:
        compiled = _merge(compiled, {k: v for k, v in release.items() if k not in ("id", "tag")})
    compiled["id"] = f"{ordered[-1]['ocid']}-{ordered[-1]['date']}"
    compiled["tag"] = ["compiled"]
    return compiled


# --- packages ------------------------------------------------------------------------------


def _publisher(settings: Settings) -> dict[str, Any]:
    publisher: dict[str, Any] = {"name": settings.ocds_publisher_name, "uri": settings.base_url}
    if settings.ocds_publisher_uid:
        publisher["scheme"] = settings.ocds_publisher_scheme
        publisher["uid"] = settings.ocds_publisher_uid
    return publisher


def _links(url: str, page: int, pages: int) -> dict[str, str]:
    links = {}
    if page < pages:
        links["next"] = f"{url}?page={page + 1}"
    if page > 1:
        links["prev"] = f"{url}?page={min(page - 1, pages)}"
    return links


def _package(settings: Settings, url: str, page: int, published: str) -> dict[str, Any]:
    return {
        "uri": f"{url}?page={page}" if page > 1 else url,
        "version": "1.1",
        "extensions": list(EXTENSIONS),
        "publishedDate": published,
        "publisher": _publisher(settings),
        "license": LICENSE,
        "publicationPolicy": settings.base_url + urls.url("opendata.statistics"),
    }


@dataclass(frozen=True)
class Page:
    package: dict[str, Any]
    page: int
    pages: int


async def release_package(settings: Settings, page: int = 1) -> Page:
    """One page of every release ever published, in the order they were written."""
    url = f"{settings.base_url}/api/v1/ocds/releases"
    total = await OcdsRelease.all().count()
    pages = max(1, -(-total // RELEASES_PER_PAGE))
    rows = (
        await OcdsRelease.all()
        .order_by("id")
        .offset((page - 1) * RELEASES_PER_PAGE)
        .limit(RELEASES_PER_PAGE)
    )
    newest = await OcdsRelease.all().order_by("-date").first()
    published = _iso(newest.date) if newest else _iso(clock.now())
    package = _package(settings, url, page, published)
    links = _links(url, page, pages)
    if links:
        package["links"] = links
    package["releases"] = [row.data for row in rows]
    return Page(package, page, pages)


async def record_package(settings: Settings, page: int = 1, ocid: str | None = None) -> Page:
    """One page of records: every release of each contracting process and its compiled release."""
    url = f"{settings.base_url}/api/v1/ocds/records"
    processes = OcdsRelease.all()
    if ocid:
        processes = processes.filter(ocid=ocid)
    pairs = await processes.distinct().order_by("task_id").values_list("task_id", "ocid")
    ocids_all = list(dict.fromkeys(str(pair[1]) for pair in pairs))
    pages = max(1, -(-len(ocids_all) // RECORDS_PER_PAGE))
    chosen = ocids_all[(page - 1) * RECORDS_PER_PAGE : page * RECORDS_PER_PAGE]
    by_ocid: dict[str, list[dict[str, Any]]] = {}
    for row in await OcdsRelease.filter(ocid__in=chosen).order_by("id"):
        by_ocid.setdefault(row.ocid, []).append(row.data)
    dates = [r["date"] for rs in by_ocid.values() for r in rs]
    package = _package(settings, url, page, max(dates) if dates else _iso(clock.now()))
    links = _links(url, page, pages)
    if links:
        package["links"] = links
    package["records"] = [
        {"ocid": key, "releases": by_ocid[key], "compiledRelease": compile_releases(by_ocid[key])}
        for key in chosen
        if key in by_ocid
    ]
    return Page(package, page, pages)
