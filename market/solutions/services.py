"""Solutions, wishes (support, comments, status) and release planning."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Sum

from market import clock
from market.accounts.models import Organisation, OrganisationKind, User
from market.audit.services import record
from market.db import is_id, transaction
from market.errors import (
    AlreadyDone,
    AlreadyExists,
    NotCoordinator,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongStatus,
)
from market.i18n import gettext as _
from market.solutions.models import (
    Release,
    Solution,
    Wish,
    WishComment,
    WishStatus,
    WishSupport,
)
from market.solutions.schemas import (
    ReleaseCreate,
    ReleasePlan,
    SolutionCreate,
    WishCommentIn,
    WishCreate,
    WishStatusIn,
    WishSupportIn,
)
from market.tasks.models import TaskWish

DATA = Path(__file__).resolve().parent.parent / "data"


# --- solutions ---------------------------------------------------------------------------


async def seed_solutions() -> int:
    """Create the OS2 products of data/os2_products.csv; idempotent."""
    created = 0
    with (DATA / "os2_products.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row["name"].strip()
            _solution, was_created = await Solution.get_or_create(
                name=name,
                defaults={
                    "description": row.get("description_en", "").strip(),
                    "repository_url": f"https://github.com/OS2offdig/{name.lower()}",
                },
            )
            created += int(was_created)
    return created


async def get_solution(solution_id: int) -> Solution | None:
    if not is_id(solution_id):
        return None
    return await Solution.get_or_none(id=solution_id)


async def get_solution_by_name(name: str) -> Solution | None:
    return await Solution.get_or_none(name__iexact=name.strip())


async def list_solutions() -> list[Solution]:
    return list(await Solution.all().order_by("name"))


async def is_coordinator(user: Any, solution_id: int) -> bool:
    if user is None or not user.has_role("coordinator"):
        return False
    return await Solution.filter(id=solution_id, coordinators__id=user.id).exists()


async def coordinated_solutions(user: Any) -> list[Solution]:
    if user is None or not user.has_role("coordinator"):
        return []
    return list(await Solution.filter(coordinators__id=user.id).order_by("name"))


async def require_coordinator(user: Any, solution: Solution) -> None:
    """403 with a human reason unless `user` coordinates `solution`."""
    if not await is_coordinator(user, solution.id):
        raise NotCoordinator(
            _("Only the coordinators of %(solution)s may do this.") % {"solution": solution.name}
        )


async def create_solution(
    data: SolutionCreate, *, actor: User | None, address: str = ""
) -> Solution:
    """Create a solution with its coordinators (who must exist); 409 on a duplicate name."""
    errors: dict[str, str] = {}
    name, repository_url = data.name, data.repository_url
    emails = data.coordinator_emails
    users = list(await User.filter(email__in=emails)) if emails else []
    unknown = sorted(set(emails) - {u.email for u in users})
    if unknown:
        errors["coordinator_emails"] = _("No user with these e-mail addresses: %(emails)s.") % {
            "emails": ", ".join(unknown)
        }
    if repository_url and not repository_url.startswith(("https://", "http://")):
        errors["repository_url"] = _("Enter a web address starting with https://.")
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), errors)
    try:
        async with transaction():
            solution = await Solution.create(
                name=name, description=data.description, repository_url=repository_url
            )
            for user in users:
                await _make_coordinator(solution, user)
            await record(
                "solution.created",
                actor=actor,
                object_type="solution",
                object_id=solution.id,
                after={"name": name, "coordinators": sorted(u.email for u in users)},
                address=address,
            )
    except IntegrityError as exc:
        raise AlreadyExists(
            _("A solution with this name already exists."),
            {"name": _("This name is already used.")},
        ) from exc
    return solution


async def _make_coordinator(solution: Solution, user: User) -> None:
    await solution.coordinators.add(user)
    if not user.has_role("coordinator"):
        user.roles = sorted({*user.roles, "coordinator"})
        await user.save(update_fields=["roles"])
    await solution.coordination_group.add(await user.organisation)


async def add_coordinator(solution: Solution, user: User, *, actor: User | None) -> None:
    async with transaction():
        await _make_coordinator(solution, user)
        await record(
            "solution.coordinator_added",
            actor=actor,
            object_type="solution",
            object_id=solution.id,
            after={"coordinator": user.email},
        )


@dataclass
class SolutionDetail:
    solution: Solution
    coordinators: list[User]
    group: list[Organisation]
    releases: list[Release]


async def solution_detail(solution_id: int) -> SolutionDetail:
    solution = await get_solution(solution_id)
    if solution is None:
        raise NotFound(_("There is no such solution."))
    return SolutionDetail(
        solution=solution,
        coordinators=list(await solution.coordinators.all().order_by("name")),
        group=list(await solution.coordination_group.all().order_by("name")),
        releases=list(await Release.filter(solution_id=solution.id).order_by("target_date")),
    )


def solution_json(solution: Solution, coordinators: list[User] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": solution.id,
        "name": solution.name,
        "description": solution.description,
        "repository_url": solution.repository_url,
    }
    if coordinators is not None:
        data["coordinators"] = [
            {"id": u.id, "name": u.name, "email": u.email} for u in coordinators
        ]
    return data


# --- wishes ------------------------------------------------------------------------------


def _municipality_of(user: User) -> int:
    return user.organisation_id


async def create_wish(data: WishCreate, *, actor: User, address: str = "") -> Wish:
    """A municipality's wish; its own organisation counts as its first supporter."""
    solution = await get_solution(data.solution_id)
    if solution is None:
        raise ValidationFailed(
            _("Some fields are not valid."), {"solution_id": _("Choose an existing solution.")}
        )
    async with transaction():
        wish = await Wish.create(
            solution=solution,
            title=data.title,
            description=data.description,
            priority=data.priority,
            organisation_id=_municipality_of(actor),
            author_id=actor.id,
        )
        await WishSupport.create(
            wish=wish, organisation_id=actor.organisation_id, user_id=actor.id, pledge_dkk=0
        )
        await record(
            "wish.created",
            actor=actor,
            object_type="wish",
            object_id=wish.id,
            after={"solution": solution.name, "title": wish.title},
            address=address,
        )
    return wish


async def get_wish(wish_id: int) -> Wish | None:
    if not is_id(wish_id):
        return None
    return await Wish.get_or_none(id=wish_id).select_related("solution", "organisation")


async def _wish_or_404(wish_id: int) -> Wish:
    wish = await get_wish(wish_id)
    if wish is None:
        raise NotFound(_("There is no such wish."))
    return wish


async def wishes_of(solution_id: int) -> list[Wish]:
    return list(await Wish.filter(solution_id=solution_id).order_by("-id"))


async def support_wish(
    wish_id: int, data: WishSupportIn, *, actor: User, address: str = ""
) -> WishSupport:
    """Support a wish on behalf of the actor's municipality, with an optional pledge."""
    wish = await _wish_or_404(wish_id)
    pledge_dkk = data.pledge_dkk or 0
    org = await actor.organisation
    if org.kind not in (OrganisationKind.MUNICIPALITY, OrganisationKind.MEMBER):
        raise PermissionDenied(_("Only municipalities can support wishes."))
    if wish.status in (WishStatus.DONE, WishStatus.REJECTED):
        raise WrongStatus(_("This wish is closed and cannot be supported any more."))
    existing = await WishSupport.get_or_none(wish_id=wish.id, organisation_id=org.id)
    if existing is not None and pledge_dkk and pledge_dkk != existing.pledge_dkk:
        # Already a supporter (a municipality's own wish counts from the start): a new pledge
        # sets its pledge instead of being refused as a second support.
        async with transaction():
            await record(
                "wish.supported",
                actor=actor,
                object_type="wish",
                object_id=wish.id,
                before={"organisation": org.name, "pledge_dkk": existing.pledge_dkk},
                after={"organisation": org.name, "pledge_dkk": pledge_dkk},
                address=address,
            )
            existing.pledge_dkk = pledge_dkk
            await existing.save(update_fields=["pledge_dkk"])
        return existing
    try:
        async with transaction():
            support = await WishSupport.create(
                wish=wish, organisation=org, user_id=actor.id, pledge_dkk=pledge_dkk
            )
            await record(
                "wish.supported",
                actor=actor,
                object_type="wish",
                object_id=wish.id,
                after={"organisation": org.name, "pledge_dkk": pledge_dkk},
                address=address,
            )
    except IntegrityError as exc:
        raise AlreadyDone(
            _("%(organisation)s already supports this wish.") % {"organisation": org.name}
        ) from exc
    return support


async def comment_wish(
    wish_id: int, data: WishCommentIn, *, actor: User, address: str = ""
) -> WishComment:
    wish = await _wish_or_404(wish_id)
    async with transaction():
        comment = await WishComment.create(wish=wish, author=actor, text=data.text)
        await record(
            "wish.commented", actor=actor, object_type="wish", object_id=wish.id, address=address
        )
    return comment


async def set_wish_status(
    wish_id: int, data: WishStatusIn, *, actor: User, address: str = ""
) -> Wish:
    """Coordinators of the wish's solution move it between statuses; rejecting needs a reason."""
    wish = await _wish_or_404(wish_id)
    await require_coordinator(actor, wish.solution)
    status, reason = data.status, data.reason
    if status == WishStatus.REJECTED and not reason.strip():
        raise ValidationFailed(
            _("Say why the wish is rejected."), {"reason": _("A reason is required.")}
        )
    async with transaction():
        before = {"status": wish.status}
        wish.status = status
        wish.rejection_reason = reason.strip() if status == WishStatus.REJECTED else ""
        if status in (WishStatus.NEW, WishStatus.ACCEPTED, WishStatus.REJECTED):
            wish.release_id = None
        await wish.save(update_fields=["status", "rejection_reason", "release_id", "updated_at"])
        await record(
            "wish.status_changed",
            actor=actor,
            object_type="wish",
            object_id=wish.id,
            before=before,
            after={"status": status, "reason": wish.rejection_reason},
            address=address,
        )
    return wish


@dataclass
class WishRow:
    wish: Wish
    supporters: int
    pledged_dkk: int


SORTS = {
    "support": ("-supporters", "-pledged", "-id"),
    "pledged": ("-pledged", "-supporters", "-id"),
    "newest": ("-id",),
}


async def list_wishes(
    *,
    solution_id: int | None = None,
    status: str = "",
    sort: str = "support",
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[WishRow], int]:
    """Wishes with their number of supporting municipalities and pledged sum, sorted."""
    query = Wish.all()
    if solution_id:
        query = query.filter(solution_id=solution_id)
    if status in WishStatus.ALL:
        query = query.filter(status=status)
    total = await query.count()
    rows = (
        await query.annotate(
            supporters=Count("supports__id", distinct=True), pledged=Sum("supports__pledge_dkk")
        )
        .group_by("id")
        .order_by(*SORTS.get(sort, SORTS["support"]))
        .offset((page - 1) * per_page)
        .limit(per_page)
        .prefetch_related("solution")
    )
    return [
        WishRow(w, int(w.supporters or 0), int(w.pledged or 0))  # type: ignore[attr-defined]
        for w in rows
    ], total


async def wish_detail(wish_id: int) -> dict[str, Any]:
    wish = await _wish_or_404(wish_id)
    supports = list(
        await WishSupport.filter(wish_id=wish.id).select_related("organisation").order_by("id")
    )
    comments = list(await WishComment.filter(wish_id=wish.id).select_related("author"))
    release = await Release.get_or_none(id=wish.release_id) if wish.release_id else None
    links = await TaskWish.filter(wish_id=wish.id).select_related("task").order_by("task_id")
    return {
        "wish": wish,
        "tasks": [link.task for link in links],  # the tasks that fulfil it
        "supports": supports,
        "comments": comments,
        "release": release,
        "pledged_dkk": sum(s.pledge_dkk for s in supports),
    }


def wish_json(
    wish: Wish, supporters: int | None = None, pledged: int | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": wish.id,
        "solution_id": wish.solution_id,
        "title": wish.title,
        "description": wish.description,
        "priority": wish.priority,
        "status": wish.status,
        "rejection_reason": wish.rejection_reason,
        "release_id": wish.release_id,
        "jira_key": wish.jira_key,
        "created_at": clock.to_local(wish.created_at).isoformat(),
    }
    if supporters is not None:
        data["supporters"] = supporters
        data["pledged_dkk"] = pledged or 0
    return data


# --- releases ----------------------------------------------------------------------------


async def create_release(data: ReleaseCreate, *, actor: User, address: str = "") -> Release:
    solution = await get_solution(data.solution_id)
    if solution is None:
        raise NotFound(_("There is no such solution."))
    await require_coordinator(actor, solution)
    target = data.target_date
    if target < clock.today():
        raise ValidationFailed(
            _("Some fields are not valid."),
            {"target_date": _("The target date is in the past.")},
        )
    try:
        async with transaction():
            release = await Release.create(
                solution=solution, name=data.name, target_date=target, created_by_id=actor.id
            )
            await record(
                "release.created",
                actor=actor,
                object_type="release",
                object_id=release.id,
                after={"solution": solution.name, "name": release.name, "target_date": str(target)},
                address=address,
            )
    except IntegrityError as exc:
        raise AlreadyExists(
            _("This solution already has a release with that name."),
            {"name": _("This name is already used.")},
        ) from exc
    return release


async def get_release(release_id: int) -> Release | None:
    if not is_id(release_id):
        return None
    return await Release.get_or_none(id=release_id).select_related("solution")


async def plan_wishes(
    release_id: int, data: ReleasePlan, *, actor: User, address: str = ""
) -> list[Wish]:
    """Put wishes into the release cut: their status becomes planned."""
    wish_ids = data.wish_ids
    release = await get_release(release_id)
    if release is None:
        raise NotFound(_("There is no such release."))
    await require_coordinator(actor, release.solution)
    wishes = list(await Wish.filter(id__in=wish_ids, solution_id=release.solution_id))
    unknown = sorted(set(wish_ids) - {w.id for w in wishes})
    if unknown or not wish_ids:
        raise ValidationFailed(
            _("Pick wishes of this solution."),
            {
                "wish_ids": _("Unknown wishes: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}
                if unknown
                else _("Pick at least one wish.")
            },
        )
    closed = [w.id for w in wishes if w.status in (WishStatus.DONE, WishStatus.REJECTED)]
    if closed:
        raise WrongStatus(
            _("Done or rejected wishes cannot be planned."),
            {"wish_ids": ", ".join(map(str, closed))},
        )
    async with transaction():
        for wish in wishes:
            before = {"status": wish.status, "release_id": wish.release_id}
            wish.status = WishStatus.PLANNED
            wish.release_id = release.id
            await wish.save(update_fields=["status", "release_id", "updated_at"])
            await record(
                "wish.planned",
                actor=actor,
                object_type="wish",
                object_id=wish.id,
                before=before,
                after={"status": wish.status, "release_id": release.id},
                address=address,
            )
    return wishes


async def release_board(release_id: int) -> dict[str, Any]:
    """The release's wishes in columns by status, with the tasks that implement them."""
    release = await get_release(release_id)
    if release is None:
        raise NotFound(_("There is no such release."))
    wishes = list(await Wish.filter(release_id=release.id).order_by("id"))
    links = await TaskWish.filter(wish_id__in=[w.id for w in wishes]).select_related("task")
    tasks_by_wish: dict[int, list[Any]] = {}
    for link in links:
        tasks_by_wish.setdefault(link.wish_id, []).append(link.task)
    columns = {status: [] for status in (WishStatus.PLANNED, WishStatus.ACCEPTED, WishStatus.DONE)}  # type: dict[str, list[Any]]
    for wish in wishes:
        columns.setdefault(wish.status, []).append(
            {"wish": wish, "tasks": tasks_by_wish.get(wish.id, [])}
        )
    candidates = list(
        await Wish.filter(
            solution_id=release.solution_id,
            status__in=[WishStatus.NEW, WishStatus.ACCEPTED],
        ).order_by("-id")
    )
    return {"release": release, "columns": columns, "candidates": candidates}


def release_json(release: Release) -> dict[str, Any]:
    return {
        "id": release.id,
        "solution_id": release.solution_id,
        "name": release.name,
        "target_date": release.target_date.isoformat(),
    }
