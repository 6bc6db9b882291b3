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

from market.accounts.schemas import Email
from market.i18n import gettext as _
from market.i18n import lazy_gettext as _l
from market.parsing import storable
from market.schemas import (
    MAX_DKK,
    NOT_BLANK,
    Date,
    Flag,
    Id,
    Ids,
    LocalTime,
    Page,
    RequestModel,
    ResponseModel,
    Rule,
    Text,
    Whole,
    in_form,
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


# --- the evaluation: declaration, panel, scores, award, delivery ---------------------------
#
# The evaluation's services check who may act and the task's state before they read the
# body (403/409 before 422): the API parses first, and on a refused body runs those checks
# before answering 422 (market.bids.api._parsed).

SCORES_SHAPE = _l("Send the scores as {criterion: 0-10}.")
MAX_CRITERIA = 50


class Declaration(RequestModel):
    """POST /api/v1/tasks/{id}/declaration and the declaration form: `no_conflict: true`, or
    the vendors the evaluator has a conflict with (which takes it out of this evaluation)."""

    failure_message = _l("Declare either no conflict or the vendors concerned.")

    no_conflict: Annotated[bool, Flag()] = False
    conflict_vendor_ids: Annotated[
        list[int], Ids(_l("Send no_conflict: true, or conflict_vendor_ids: [ids]."))
    ] = []


class PanelAdd(RequestModel):
    """POST /api/v1/tasks/{id}/panel and the panel form: a municipality user's address."""

    failure_message = _l("Name a municipality user to add to the panel.")

    email: Annotated[
        str, Email(blank=_l("There is no active municipality user with this e-mail address."))
    ]


@dataclass(frozen=True)
class ScoreSheet(Rule):
    """{criterion: score}: a non-empty object of numbers (a form: "7" or "7,5"). Whether each
    criterion is the task's and each score is 0-10 is checked with the task, per criterion
    (scores.<name>)."""

    def validate(self, value: Any, info: ValidationInfo) -> dict[str, float]:
        if not isinstance(value, dict) or not value or len(value) > MAX_CRITERIA:
            raise problem(SCORES_SHAPE)
        scores: dict[str, float] = {}
        for name, raw in value.items():
            if not isinstance(name, str) or not storable(name) or len(name) > 300:
                raise problem(SCORES_SHAPE)
            if in_form(info) and isinstance(raw, str):
                try:
                    raw = float(raw.strip().replace(",", "."))
                except ValueError:
                    raise problem(_("A score is a number from 0 to 10.")) from None
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != raw:
                raise problem(_("A score is a number from 0 to 10."))
            scores[name] = float(raw)
        return scores

    def json_schema(self) -> JsonSchemaValue:
        return {
            "type": "object",
            "minProperties": 1,
            "maxProperties": MAX_CRITERIA,
            "propertyNames": {"pattern": NOT_BLANK, "maxLength": 300},
            "additionalProperties": {"type": "number", "minimum": 0, "maximum": 10},
        }


class ScoreIn(RequestModel):
    """PUT /api/v1/tasks/{id}/scores and the score form: one bid's scores, 0-10 per
    criterion (price is computed from the prices)."""

    failure_message = _l("The scores were not saved: correct the fields named.")

    bid_id: Annotated[int, Id(_l("There is no submitted bid with this id on this task."))]
    scores: Annotated[dict[str, float], ScoreSheet()]


class AwardIn(RequestModel):
    """POST /api/v1/tasks/{id}/award and the award form: the winning bid and the reasons
    every bidder reads."""

    failure_message = _l("The task was not awarded: correct the fields named.")

    bid_id: Annotated[int, Id(_l("There is no bid with this id on this task."))]
    justification: Annotated[str, Text(20_000, required=True)]


class DeliveryIn(RequestModel):
    """POST /api/v1/tasks/{id}/delivery and the delivery form."""

    failure_message = _l("The delivery was not recorded: correct the fields named.")

    accepted: Annotated[bool, Flag()]
    quality: Annotated[int, Whole(1, 5)]
    on_time: Annotated[bool, Flag()]
    comment: Annotated[str, Text(5000)] = ""


class DeclarationOut(ResponseModel):
    id: int
    task_id: int
    no_conflict: bool
    conflict_vendor_ids: list[int]
    declared_at: Moment


class PanelMemberOut(ResponseModel):
    id: int
    user_id: int
    email: str
    name: str


class PanelOut(ResponseModel):
    items: list[PanelMemberOut]
    page: int
    total: int


class PanelAddedOut(ResponseModel):
    id: int
    task_id: int
    user_id: int


class ScoreOut(ResponseModel):
    task_id: int
    bid_id: int
    scores: dict[str, float]


class CriterionOut(ResponseModel):
    name: str
    weight: int


class StandingOut(ResponseModel):
    rank: int
    bid_id: int
    vendor: VendorRef
    price_dkk: int | None
    scores: dict[str, float | None]
    total: float
    complete: bool
    evaluators: int


class AwardOut(ResponseModel):
    id: int
    task_id: int
    bid_id: int
    justification: str
    status: Literal["awarded"]
    awarded_at: Moment


class EvaluationOut(ResponseModel):
    """Totals and ranking of the submitted bids (averages over the evaluators without a
    conflict; price scored by the formula) and the award, if made."""

    task_id: int
    status: str
    criteria: list[CriterionOut]
    items: list[StandingOut]
    award: AwardOut | None


class DeliveryOut(ResponseModel):
    id: int
    task_id: int
    bid_id: int
    vendor_id: int
    accepted: bool
    quality: int
    on_time: bool
    comment: str
    status: Literal["delivered"]
    rated_at: Moment
