"""Reading and checking a task's fields, and the one state machine of a task's lifecycle."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from typing import Any

from market import clock
from market.accounts.services import find_municipality
from market.errors import DeadlineMovedEarlier, DeadlinePassed, WrongStatus
from market.i18n import format_datetime
from market.i18n import gettext as _
from market.parsing import is_negative, json_whole_number, whole_number
from market.tasks.models import Task, TaskStatus

DEFAULT_CRITERIA = [
    {"name": "price", "weight": 40},
    {"name": "quality of approach", "weight": 40},
    {"name": "delivery time", "weight": 20},
]
CPV = re.compile(r"^(\d{8})(?:-\d)?$")
MAX_DKK = 2_000_000_000

# --- the state machine -------------------------------------------------------------------

# Legal moves from the *effective* status (see effective_status).
TRANSITIONS: dict[str, set[str]] = {
    TaskStatus.DRAFT: {TaskStatus.PUBLISHED, TaskStatus.CANCELLED},
    TaskStatus.PUBLISHED: {TaskStatus.CANCELLED},
    TaskStatus.CLOSED: {TaskStatus.CLOSED, TaskStatus.AWARDED, TaskStatus.CANCELLED},
    TaskStatus.AWARDED: {TaskStatus.DELIVERED},
    TaskStatus.DELIVERED: set(),
    TaskStatus.CANCELLED: set(),
}


def effective_status(task: Task, now: dt.datetime | None = None) -> str:
    """The status as of `now`: a published task is closed exactly when now >= bid_deadline."""
    now = now or clock.now()
    if task.status == TaskStatus.PUBLISHED and now >= task.bid_deadline:
        return TaskStatus.CLOSED
    return task.status


def bidding_open(task: Task, now: dt.datetime | None = None) -> bool:
    return effective_status(task, now) == TaskStatus.PUBLISHED


def transition(task: Task, to: str, now: dt.datetime | None = None) -> str:
    """Move `task` to `to` (on the instance; the caller saves and audits). Returns the
    status it came from. Raises Conflict for a move the lifecycle does not allow."""
    now = now or clock.now()
    current = effective_status(task, now)
    if to not in TRANSITIONS.get(current, set()):
        raise WrongStatus(
            _("A task that is %(current)s cannot become %(to)s.")
            % {"current": _(current), "to": _(to)}
        )
    if to == TaskStatus.PUBLISHED and now >= task.bid_deadline:
        raise DeadlinePassed(_("The bid deadline has passed: move it before publishing."))
    task.status = to
    if to == TaskStatus.PUBLISHED:
        task.published_at = now
    elif to == TaskStatus.CANCELLED:
        task.cancelled_at = now
    return current


# --- reading fields ----------------------------------------------------------------------


def normalise_code(code: Any) -> str | None:
    """A CPV code as 8 digits ("72000000-5" -> "72000000"); other codes lower-cased, as the
    competency taxonomy spells them ("Tech:Python" -> "tech:python")."""
    if not isinstance(code, str) or not code.strip():
        return None
    text = code.strip()
    match = CPV.match(text)
    return match.group(1) if match else text.lower()


async def unknown_codes(codes: list[str]) -> list[str]:
    """Codes the competency taxonomy does not know. While the taxonomy is empty (or its
    module absent) any 8-digit CPV code and non-empty code is accepted."""
    try:
        from market.competencies.models import Competency
        from market.competencies.services import unknown_codes as taxonomy_unknown
    except ImportError:  # pragma: no cover - the competencies package is always installed
        return []
    if not codes or not await Competency.exists():
        return []
    result: Any = taxonomy_unknown(codes)
    if inspect.isawaitable(result):
        result = await result
    return list(result)


async def read_codes(body: dict[str, Any], name: str, errors: dict[str, str]) -> list[str]:
    raw = body.get(name)
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [part for part in re.split(r"[,\s]+", raw) if part]
    if not isinstance(raw, list):
        errors[name] = _("Send a list of codes.")
        return []
    codes: list[str] = []
    for item in raw:
        code = normalise_code(item)
        if code is None:
            errors[name] = _("Each code must be non-empty text, e.g. 72000000 or python.")
            return []
        if code not in codes:
            codes.append(code)
    unknown = await unknown_codes(codes)
    if unknown:
        errors[name] = _("Unknown codes: %(codes)s.") % {"codes": ", ".join(unknown)}
    return codes


def read_int(
    body: dict[str, Any],
    name: str,
    errors: dict[str, str],
    *,
    minimum: int = 1,
    required: bool = True,
) -> int | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            errors[name] = _("This field is required.")
        return None
    number = whole_number(value) if isinstance(value, str) else json_whole_number(value)
    if is_negative(value):
        errors[name] = _("Must be positive.")
        return None
    if number is None:
        errors[name] = _("Must be a whole number.")
        return None
    if number < minimum:
        errors[name] = _("Must be at least %(n)d.") % {"n": minimum}
        return None
    if number > MAX_DKK:
        errors[name] = _("Must be at most %(n)d.") % {"n": MAX_DKK}
        return None
    return number


def read_deadline(body: dict[str, Any], name: str, errors: dict[str, str]) -> dt.datetime | None:
    value = body.get(name)
    if value is None or value == "":
        errors[name] = _("This field is required.")
        return None
    if not isinstance(value, str):
        errors[name] = _("Enter a date and time, e.g. 2027-03-27T12:00+01:00.")
        return None
    try:
        return clock.parse_local(value)
    except ValueError:
        errors[name] = _("Enter a date and time, e.g. 2027-03-27T12:00+01:00.")
        return None


def read_date(body: dict[str, Any], name: str, errors: dict[str, str]) -> dt.date | None:
    value = body.get(name)
    if value is None or value == "":
        errors[name] = _("This field is required.")
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = _("Enter a date as YYYY-MM-DD.")
        return None


def read_criteria(body: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    """`criteria` as [{name, weight}] or {name: weight}; weights are whole numbers adding to 100."""
    raw = body.get("criteria")
    if raw is None or raw == [] or raw == {}:
        return [dict(c) for c in DEFAULT_CRITERIA]
    pairs: list[tuple[Any, Any]]
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list) and all(isinstance(c, dict) for c in raw):
        pairs = [(c.get("name"), c.get("weight")) for c in raw]
    else:
        errors["criteria"] = _("Send criteria as a list of {name, weight}.")
        return []
    criteria: list[dict[str, Any]] = []
    for name, weight in pairs:
        if not isinstance(name, str) or not name.strip():
            errors["criteria"] = _("Every criterion needs a name.")
            return []
        if isinstance(weight, bool) or not isinstance(weight, int) or weight <= 0:
            errors["criteria"] = _("The weight of %(name)s must be a whole number above 0.") % {
                "name": name
            }
            return []
        if any(c["name"] == name.strip() for c in criteria):
            errors["criteria"] = _("%(name)s is named twice.") % {"name": name}
            return []
        criteria.append({"name": name.strip(), "weight": weight})
    total = sum(c["weight"] for c in criteria)
    if total != 100:
        errors["criteria"] = _("The weights add up to %(total)d, not 100.") % {"total": total}
    return criteria


async def read_funding(body: dict[str, Any], errors: dict[str, str]) -> list[tuple[Any, int]]:
    """[(organisation, amount_dkk)] from [{municipality, amount_dkk}]."""
    raw = body.get("funding")
    if not isinstance(raw, list) or not raw:
        errors["funding"] = _("Name at least one municipality that pays, with its amount.")
        return []
    funding: list[tuple[Any, int]] = []
    problems: list[str] = []
    for entry in raw:
        if not isinstance(entry, dict):
            problems.append(_("each entry needs municipality and amount_dkk"))
            continue
        name, amount = entry.get("municipality"), entry.get("amount_dkk")
        org = await find_municipality(str(name)) if isinstance(name, (str, int)) else None
        if org is None:
            problems.append(_("no municipality called %(name)r") % {"name": name})
            continue
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            problems.append(
                _("the amount of %(name)s must be whole kroner above 0")
                % {"name": org.short_name or org.name}
            )
            continue
        if any(o.id == org.id for o, _a in funding):
            problems.append(_("%(name)s is named twice") % {"name": org.short_name or org.name})
            continue
        funding.append((org, amount))
    if problems:
        errors["funding"] = "; ".join(problems).capitalize() + "."
    return funding


def check_consistency(
    clean: dict[str, Any],
    errors: dict[str, str],
    now: dt.datetime,
    *,
    deadline_changed: bool = True,
    question_changed: bool = True,
) -> None:
    """Rules between fields: money, deadlines and the municipality-specific option."""
    budget, funding = clean.get("budget_dkk"), clean.get("funding")
    if budget is not None and funding and "funding" not in errors:
        total = sum(amount for _org, amount in funding)
        if total != budget:
            errors["funding"] = _(
                "The funding adds up to %(total)s kr., but the budget is %(budget)s kr."
            ) % {"total": total, "budget": budget}
    if clean.get("municipality_specific") and funding and len(funding) != 1:
        errors["municipality_specific"] = _(
            "A municipality-specific task is paid by exactly one municipality."
        )
    deadline = clean.get("bid_deadline")
    if deadline is not None and deadline_changed and deadline <= now:
        errors["bid_deadline"] = _("The bid deadline is in the past.")
    delivery = clean.get("delivery_date")
    if (
        deadline is not None
        and delivery is not None
        and (delivery < clock.to_local(deadline).date())
    ):
        errors["delivery_date"] = _("The delivery date is before the bid deadline.")
    question = clean.get("question_deadline")
    if deadline is not None and question is not None:
        if question > deadline:
            errors["question_deadline"] = _(
                "The question deadline must not be after the bid deadline."
            )
        elif question <= now and question_changed:
            errors["question_deadline"] = _("The question deadline is in the past.")


def _local_time(moment: dt.datetime) -> str:
    """Danish time written as the pages write it in the reader's language."""
    return format_datetime(clock.to_local(moment))


def check_published_deadlines(task: Task, body: dict[str, Any]) -> None:
    """Once bidding is open, no edit may close it or the questions earlier than announced.

    Moving a deadline earlier would let a coordinator unseal the bids early: the only way to
    stop a published task early is to cancel it, which tells every vendor concerned."""
    errors: dict[str, str] = {}
    unread: dict[str, str] = {}  # a value that does not parse is reported by clean_task
    bid = read_deadline(body, "bid_deadline", unread) if "bid_deadline" in body else None
    if bid is not None and bid < task.bid_deadline:
        errors["bid_deadline"] = _(
            "A published task's bid deadline can only move later (now %(deadline)s). "
            "Cancel the task to stop it early."
        ) % {"deadline": _local_time(task.bid_deadline)}
    question = None
    if body.get("question_deadline") not in (None, ""):
        question = read_deadline(body, "question_deadline", unread)
    if question is not None and question < task.question_deadline:
        errors["question_deadline"] = _(
            "A published task's question deadline can only move later (now %(deadline)s)."
        ) % {"deadline": _local_time(task.question_deadline)}
    if errors:
        raise DeadlineMovedEarlier(next(iter(errors.values())), errors)
