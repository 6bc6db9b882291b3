"""What the solutions domain's requests and answers hold: a solution, a wish (support, comment,
status), a release and its plan; the API and the pages' forms parse through the same models.

Rules that need the database or the clock (users and solutions that exist, a coordinator, a
target date not in the past, wishes of the release's solution, a reason when rejecting) stay
in services.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ValidationInfo
from pydantic.json_schema import JsonSchemaValue

from market.i18n import lazy_gettext as _l
from market.schemas import (
    WHITESPACE,
    Date,
    Id,
    Ids,
    LocalTime,
    Page,
    RequestModel,
    ResponseModel,
    Rule,
    Text,
    Texts,
    Whole,
    in_form,
    problem,
)
from market.solutions.models import PRIORITIES, WishStatus

MAX_PLEDGE_DKK = 100_000_000
MAX_COORDINATORS = 50
NO_SOLUTION = _l("Choose an existing solution.")
NOT_EMAILS = _l("Send a list of e-mail addresses.")
NOT_PLEDGE = _l("Enter whole kroner, e.g. 25000.")


@dataclass(frozen=True)
class Choice(Rule):
    """One of a fixed set of words (a status, a priority); `message` when it is anything else."""

    options: tuple[str, ...]
    message: Any

    def validate(self, value: Any, info: ValidationInfo) -> str:
        if isinstance(value, str) and in_form(info):
            value = value.strip()
        if not isinstance(value, str) or value not in self.options:
            raise problem(self.message)
        return value

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "string", "enum": list(self.options)}


@dataclass(frozen=True)
class Emails(Texts):
    """The coordinators' e-mail addresses, lower-cased (whether each is a user is the
    service's question)."""

    message: Any = NOT_EMAILS
    max_length: int = 254
    max_items: int = MAX_COORDINATORS

    def clean(self, text: str) -> str:
        return text.strip().lower()


@dataclass(frozen=True)
class Pledge(Whole):
    """Whole kroner from 0 to 100 million; a form also takes "25.000" and "25 000 kr."."""

    minimum: int | None = 0
    maximum: int | None = MAX_PLEDGE_DKK
    amount: bool = True

    def validate(self, value: Any, info: ValidationInfo) -> int:
        if isinstance(value, str) and not in_form(info):
            # "25.000" is for the form; JSON sends 25000
            raise problem(_l("Must be a whole number."))
        try:
            return super().validate(value, info)
        except ValueError:
            raise problem(NOT_PLEDGE) from None


# Empty, or a web address the service admits (http:// or https://, after spaces).
WEB_ADDRESS = f"^[{WHITESPACE}]*(https?://[^\\u0000]*)?$"


@dataclass(frozen=True)
class WebAddress(Text):
    """Text that is empty or an http(s) address (the service checks the start; the
    document says it too)."""

    def json_schema(self) -> JsonSchemaValue:
        return {**super().json_schema(), "pattern": WEB_ADDRESS}


# --- requests ----------------------------------------------------------------------------


class SolutionCreate(RequestModel):
    """POST /api/v1/solutions: a shared product and its coordinators (existing users)."""

    name: Annotated[str, Text(100, required=True)]
    description: Annotated[str, Text(10_000)] = ""
    coordinator_emails: Annotated[list[str], Emails()] = []
    repository_url: Annotated[str, WebAddress(300)] = ""


class WishCreate(RequestModel):
    """POST /api/v1/wishes and the wish form (the solution is the page's)."""

    solution_id: Annotated[int, Id(NO_SOLUTION)]
    title: Annotated[str, Text(300, required=True, one_line=True)]
    description: Annotated[str, Text(20_000, required=True)]
    priority: Annotated[str, Choice(PRIORITIES, _l("Choose low, medium or high."))] = "medium"


class WishSupportIn(RequestModel):
    """POST /api/v1/wishes/{id}/support and the support form: an optional pledge."""

    failure_message = _l("The pledge must be a whole number of kroner, 0 or more.")
    pledge_dkk: Annotated[int, Pledge()] | None = None


class WishCommentIn(RequestModel):
    """POST /api/v1/wishes/{id}/comments and the comment form."""

    failure_message = _l("Write a comment first.")
    text: Annotated[str, Text(5000, required=True)]


class WishStatusIn(RequestModel):
    """POST /api/v1/wishes/{id}/status and the coordinator's status form."""

    failure_message = _l("Unknown status.")
    status: Annotated[str, Choice(WishStatus.ALL, _l("Choose a status."))]
    reason: Annotated[str, Text(20_000)] = ""

    @classmethod
    def more_problems(cls, data: Mapping[str, Any], form: bool) -> dict[str, str]:
        reason = data.get("reason")
        if data.get("status") == WishStatus.REJECTED and not (
            isinstance(reason, str) and reason.strip()
        ):
            return {"reason": str(_l("A reason is required."))}
        return {}


class ReleaseCreate(RequestModel):
    """POST /api/v1/releases and the release form (the solution is the page's)."""

    failure_message = _l("Choose the solution.")
    solution_id: Annotated[int, Id(NO_SOLUTION)]
    name: Annotated[str, Text(300, required=True)]
    target_date: Annotated[dt.date, Date()]


class ReleasePlan(RequestModel):
    """POST /api/v1/releases/{id}/wishes and the release board's form."""

    failure_message = _l("Pick wishes of this solution.")
    wish_ids: Annotated[list[int], Ids(_l("Send a list of wish ids."), max_items=200)]


# --- answers -----------------------------------------------------------------------------

Moment = Annotated[dt.datetime, LocalTime()]
Priority = Literal["low", "medium", "high"]
Status = Literal["new", "accepted", "planned", "done", "rejected"]


class CoordinatorOut(ResponseModel):
    id: int
    name: str
    email: str


class SolutionOut(ResponseModel):
    id: int
    name: str
    description: str
    repository_url: str


class SolutionCreatedOut(SolutionOut):
    coordinators: list[CoordinatorOut]


class GroupMemberOut(ResponseModel):
    id: int
    name: str


class ReleaseOut(ResponseModel):
    id: int
    solution_id: int
    name: str
    target_date: dt.date


class SolutionDetailOut(SolutionCreatedOut):
    coordination_group: list[GroupMemberOut]
    releases: list[ReleaseOut]


class WishOut(ResponseModel):
    id: int
    solution_id: int
    title: str
    description: str
    priority: Priority
    status: Status
    rejection_reason: str
    release_id: int | None
    jira_key: str | None
    created_at: Moment


class WishRowOut(WishOut):
    """A wish with its number of supporting municipalities and pledged kroner."""

    supporters: int
    pledged_dkk: int


class SupportOut(ResponseModel):
    id: int
    wish_id: int
    organisation_id: int
    pledge_dkk: int


class CommentOut(ResponseModel):
    id: int
    wish_id: int
    text: str


class SupporterOut(ResponseModel):
    municipality: str
    pledge_dkk: int


class AuthorCommentOut(ResponseModel):
    author: str
    text: str


class WishDetailOut(WishRowOut):
    supports: list[SupporterOut]
    comments: list[AuthorCommentOut]


class BoardWishOut(WishOut):
    task_ids: list[int]


class ReleaseBoardOut(ReleaseOut):
    columns: dict[str, list[BoardWishOut]]


class PlanOut(ResponseModel):
    release_id: int
    wishes: list[WishOut]


SolutionPage = Page[SolutionOut]
WishPage = Page[WishRowOut]
