"""What a bid's requests and answers hold: the bid body (API and the bid form) and the answers
about bids and opportunities (copied from market/tasks/schemas.py).

Rules that need the clock or the state (a delivery date not in the past, a complete bid when
submitting, bidding open, eligibility) stay in content.py and bidders.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict

from pydantic import ConfigDict, ValidationInfo
from pydantic.json_schema import JsonSchemaValue

from market.i18n import gettext as _
from market.i18n import lazy_gettext as _l
from market.parsing import storable
from market.schemas import (
    MAX_DKK,
    NO_NUL,
    Date,
    Flag,
    LocalTime,
    Page,
    RequestModel,
    ResponseModel,
    Rule,
    Text,
    Whole,
    problem,
)

MAX_TEAM = 50
MAX_NAME = 200


class TeamMember(TypedDict):
    name: str
    role: str


@dataclass(frozen=True)
class Team(Rule):
    """[{name, role}], at most 50 people, each with a name (a form: lines "Name: role")."""

    def validate(self, value: Any, info: ValidationInfo) -> list[TeamMember]:
        if value in (None, ""):
            return []
        if not isinstance(value, list) or len(value) > MAX_TEAM:
            raise problem(_("Send the team as a list of {name, role} (at most 50 people)."))
        team: list[TeamMember] = []
        for member in value:
            name = member.get("name") if isinstance(member, dict) else None
            role = member.get("role", "") if isinstance(member, dict) else None
            if not isinstance(name, str) or not name.strip() or not isinstance(role, str):
                raise problem(_("Every team member needs a name and a role."))
            if not storable(name) or not storable(role):
                raise problem(_("Every team member needs a name and a role."))
            if len(name) > MAX_NAME or len(role) > MAX_NAME:
                raise problem(_("Must be at most %(n)d characters.") % {"n": MAX_NAME})
            team.append(TeamMember(name=name.strip(), role=role.strip()))
        return team

    def json_schema(self) -> JsonSchemaValue:
        return {
            "type": "array",
            "maxItems": MAX_TEAM,
            "items": {
                "type": "object",
                "propertyNames": {"pattern": NO_NUL},
                "required": ["name"],
                "properties": {
                    "name": Text(MAX_NAME, required=True).json_schema(),
                    "role": {**Text(MAX_NAME).json_schema(), "default": ""},
                },
            },
        }


Money = Annotated[int, Whole(1, MAX_DKK, amount=True, positive=True)]
FAILED = _l("The bid was not saved: correct the fields named.")


class BidContent(RequestModel):
    """PUT /api/v1/bids/{id} and the bid form: the fields sent (a revision keeps the others).
    With `draft` the bid is saved as a draft, which may leave fields out."""

    failure_message = FAILED

    price_dkk: Money | None = None
    hours: Money | None = None
    delivery_date: Annotated[dt.date, Date()] | None = None
    approach: Annotated[str, Text(20_000)] = ""
    assumptions: Annotated[str, Text(10_000)] = ""
    team: Annotated[list[TeamMember], Team()] = []
    draft: Annotated[bool, Flag()] = False


class BidSubmit(BidContent):
    """POST /api/v1/tasks/{id}/bids: a submission needs price, hours, delivery date and
    approach (a draft may leave them out)."""

    @classmethod
    def more_problems(cls, data: Mapping[str, Any], form: bool) -> dict[str, str]:
        if data.get("draft") in (True, "1", "true", "on"):
            return {}
        return {
            name: _("This field is required.")
            for name in ("price_dkk", "hours", "delivery_date", "approach")
            if data.get(name) is None or (isinstance(data[name], str) and not data[name].strip())
        }

    model_config = ConfigDict(
        json_schema_extra={
            "required": ["price_dkk", "hours", "delivery_date", "approach"],
            "propertyNames": {"pattern": NO_NUL},
        }
    )


# --- answers -----------------------------------------------------------------------------

Moment = Annotated[dt.datetime, LocalTime()]
BidStatus = Literal["draft", "submitted", "withdrawn"]


class VendorRef(ResponseModel):
    id: int
    name: str


class TeamMemberOut(ResponseModel):
    name: str
    role: str


class AttachmentOut(ResponseModel):
    id: int
    name: str
    sha256: str
    size: int
    url: str


class RevisionOut(ResponseModel):
    number: int
    kind: str
    sha256: str
    created_at: Moment


class BidOut(ResponseModel):
    """A bid as its vendor sees it (with its history) or as evaluators see the submitted
    version after the deadline."""

    id: int
    task_id: int
    vendor_id: int
    vendor: VendorRef
    status: BidStatus
    draft: bool
    price_dkk: int | None
    hours: int | None
    delivery_date: dt.date | None
    approach: str | None
    team: list[TeamMemberOut] | None
    assumptions: str | None
    attachments: list[AttachmentOut]
    submitted_at: Moment | None
    sha256: str | None
    revision: int | None
    withdrawn_at: Moment | None
    bid_deadline: Moment | None
    # The vendor's own view: unsubmitted changes, and one page of the history.
    has_unsubmitted_changes: bool | None = None
    revisions: list[RevisionOut] | None = None
    revision_count: int | None = None
    revisions_page: int | None = None
    revisions_pages: int | None = None


class TaskBidsOut(ResponseModel):
    """Before the deadline a count only (sealed); after it, the submitted bids."""

    task_id: int
    sealed: bool
    count: int
    items: list[BidOut] | None = None
    page: int | None = None
    total: int | None = None


class MyBidOut(ResponseModel):
    id: int
    task_id: int
    task_title: str
    status: BidStatus
    sha256: str | None


class BidRef(ResponseModel):
    id: int
    status: BidStatus


class OpportunityOut(ResponseModel):
    id: int
    task_id: int
    title: str
    solution_id: int
    bid_deadline: Moment
    delivery_date: dt.date
    estimate_hours: int
    budget_dkk: int
    required: list[str]
    nice_to_have: list[str]
    invited: bool
    reasons: list[str]
    fit: list[str]
    can_bid: bool
    why_not: list[str]
    bid: BidRef | None


MyBidsPage = Page[MyBidOut]
OpportunitiesPage = Page[OpportunityOut]
