"""What a task's requests and answers hold: the API bodies, the task form and the answers.

The model other domains copy (docs/DEVELOPING.md, "Schemas: how to convert a domain"). Rules
that need the database or the clock (codes that exist, municipalities, wishes of the solution,
deadlines in the future, published deadlines only later) stay in services.py and rules.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict

from pydantic import ConfigDict, Field, ValidationInfo
from pydantic.json_schema import JsonSchemaValue

from market.errors import ValidationFailed
from market.i18n import gettext as _
from market.i18n import lazy_gettext as _l
from market.parsing import amount, storable
from market.schemas import (
    MAX_DKK,
    NOT_BLANK,
    Codes,
    Date,
    DateTime,
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
    parse,
    problem,
)

STATUSES = ("draft", "published", "closed", "awarded", "delivered", "cancelled")


class Criterion(TypedDict):
    name: str
    weight: int


class FundingLine(TypedDict):
    municipality: str  # a municipality's name, short name or code, as sent
    amount_dkk: int


DEFAULT_CRITERIA: list[Criterion] = [
    {"name": "price", "weight": 40},
    {"name": "quality of approach", "weight": 40},
    {"name": "delivery time", "weight": 20},
]
MAX_CRITERIA = 20
MAX_FUNDING = 98  # every municipality once


@dataclass(frozen=True)
class Criteria(Rule):
    """[{name, weight}] or {name: weight}; whole weights above 0 that add up to 100; absent or
    empty: the default criteria."""

    def validate(self, value: Any, info: ValidationInfo) -> list[Criterion]:
        if value is None or value == [] or value == {}:
            return [Criterion(name=c["name"], weight=c["weight"]) for c in DEFAULT_CRITERIA]
        pairs: list[tuple[Any, Any]]
        if isinstance(value, dict):
            pairs = list(value.items())
        elif isinstance(value, list) and all(isinstance(c, dict) for c in value):
            pairs = [(c.get("name"), c.get("weight")) for c in value]
        else:
            raise problem(_("Send criteria as a list of {name, weight}."))
        if len(pairs) > MAX_CRITERIA:
            raise problem(_("Send at most %(n)d items.") % {"n": MAX_CRITERIA})
        criteria: list[Criterion] = []
        for name, weight in pairs:
            if not isinstance(name, str) or not name.strip():
                raise problem(_("Every criterion needs a name."))
            if len(name) > 300 or not storable(name):
                raise problem(_("Must be at most %(n)d characters.") % {"n": 300})
            if in_form(info) and isinstance(weight, str):
                weight = amount(weight)
            if isinstance(weight, bool) or not isinstance(weight, int) or weight <= 0:
                raise problem(
                    _("The weight of %(name)s must be a whole number above 0.") % {"name": name}
                )
            if any(c["name"] == name.strip() for c in criteria):
                raise problem(_("%(name)s is named twice.") % {"name": name})
            criteria.append(Criterion(name=name.strip(), weight=weight))
        total = sum(c["weight"] for c in criteria)
        if total != 100:
            raise problem(_("The weights add up to %(total)d, not 100.") % {"total": total})
        return criteria

    def json_schema(self) -> JsonSchemaValue:
        weight = {"type": "integer", "minimum": 1, "maximum": 100}
        return {
            "anyOf": [
                {
                    "type": "array",
                    "maxItems": MAX_CRITERIA,
                    "items": {
                        "type": "object",
                        "required": ["name", "weight"],
                        "properties": {
                            "name": Text(300, required=True).json_schema(),
                            "weight": weight,
                        },
                    },
                },
                {
                    "type": "object",
                    "propertyNames": {"pattern": NOT_BLANK, "maxLength": 300},
                    "additionalProperties": weight,
                    "maxProperties": MAX_CRITERIA,
                },
                {"type": "null"},
            ],
            "description": "Weights add up to 100; absent or empty: price 40, quality of "
            "approach 40, delivery time 20",
        }


@dataclass(frozen=True)
class Funding(Rule):
    """[{municipality, amount_dkk}]: at least one municipality that pays, amounts in whole
    kroner above 0 (a form: as typed, "50.000"). Whether each municipality exists is the
    service's question. `empty_ok`: an edit may send none (the whole task then says what
    is missing)."""

    empty_ok: bool = False

    def validate(self, value: Any, info: ValidationInfo) -> list[FundingLine]:
        if value == [] and self.empty_ok:
            return []
        if not isinstance(value, list) or not value:
            raise problem(_("Name at least one municipality that pays, with its amount."))
        if len(value) > MAX_FUNDING:
            raise problem(_("Send at most %(n)d items.") % {"n": MAX_FUNDING})
        lines: list[FundingLine] = []
        problems: list[str] = []
        for entry in value:
            name = entry.get("municipality") if isinstance(entry, dict) else None
            if isinstance(name, int) and not isinstance(name, bool):
                name = str(name)
            if not isinstance(name, str) or not storable(name) or len(name) > 300:
                problems.append(_("each entry needs municipality and amount_dkk"))
                continue
            money = entry.get("amount_dkk")
            if in_form(info) and isinstance(money, str):
                money = amount(money)
            if isinstance(money, bool) or not isinstance(money, int) or money <= 0:
                problems.append(
                    _("the amount of %(name)s must be whole kroner above 0")
                    % {"name": name.strip()}
                )
                continue
            if money > MAX_DKK:
                problems.append(
                    _("the amount of %(name)s must be at most %(n)d kroner")
                    % {"name": name.strip(), "n": MAX_DKK}
                )
                continue
            lines.append(FundingLine(municipality=name.strip(), amount_dkk=money))
        if problems:
            raise problem("; ".join(problems).capitalize() + ".")
        return lines

    def json_schema(self) -> JsonSchemaValue:
        return {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_FUNDING,
            "items": {
                "type": "object",
                "required": ["municipality", "amount_dkk"],
                "properties": {
                    "municipality": {
                        **Text(300, required=True).json_schema(),
                        "description": "The municipality's name or code",
                    },
                    "amount_dkk": {"type": "integer", "minimum": 1, "maximum": MAX_DKK},
                },
            },
        }


# --- requests ----------------------------------------------------------------------------

Title = Annotated[str, Text(300, required=True, one_line=True)]  # it reaches mail subjects
Description = Annotated[str, Text(20_000, required=True)]
Hours = Annotated[int, Whole(1, MAX_DKK, amount=True, positive=True)]
Kroner = Annotated[int, Whole(1, MAX_DKK, amount=True, positive=True)]
Required = Annotated[
    list[str], Codes(empty=_l("Name at least one required competency or CPV code."))
]
NiceToHave = Annotated[list[str], Codes()]
WishIds = Annotated[list[int], Ids(_l("Send a list of wish ids."), max_items=100)]
FAILED = _l("The task was not saved: correct the fields named.")


class TaskContent(RequestModel):
    """Every field of a task (a new one, or an edited one with its current values filled in)."""

    failure_message = FAILED

    title: Title
    description: Description
    required: Required
    nice_to_have: NiceToHave = []
    estimate_hours: Hours
    budget_dkk: Kroner
    bid_deadline: Annotated[dt.datetime, DateTime()]
    # Absent or null: the bid deadline.
    question_deadline: Annotated[dt.datetime, DateTime()] | None = None
    delivery_date: Annotated[dt.date, Date()]
    funding: Annotated[list[FundingLine], Funding()]
    wish_ids: WishIds = []
    criteria: Annotated[list[Criterion], Criteria()] = Field(
        default_factory=lambda: [Criterion(**c) for c in DEFAULT_CRITERIA]
    )
    municipality_specific: Annotated[bool, Flag()] = False


class TaskCreate(TaskContent):
    """POST /api/v1/tasks and the new-task form."""

    solution_id: Annotated[int, Id(_l("Choose an existing solution."))]


class TaskUpdate(RequestModel):
    """PUT /api/v1/tasks/{id} and the edit form: only the fields sent change (null or an empty
    form field: the field is emptied, which only `question_deadline` allows)."""

    failure_message = FAILED
    model_config = ConfigDict(json_schema_extra=lambda schema: _null_where_content_reads_it(schema))

    title: Title | None = None
    description: Description | None = None
    required: Required | None = None
    nice_to_have: NiceToHave | None = None
    estimate_hours: Hours | None = None
    budget_dkk: Kroner | None = None
    bid_deadline: Annotated[dt.datetime, DateTime()] | None = None
    question_deadline: Annotated[dt.datetime, DateTime()] | None = None
    delivery_date: Annotated[dt.date, Date()] | None = None
    funding: Annotated[list[FundingLine], Funding(empty_ok=True)] | None = None
    wish_ids: WishIds | None = None
    criteria: Annotated[list[Criterion], Criteria()] | None = None
    municipality_specific: Annotated[bool, Flag()] | None = None


def _null_where_content_reads_it(schema: dict[str, Any]) -> None:
    """An edit's null empties the field, and the merged task is read as TaskContent: the
    document admits null only for the fields TaskContent reads it for (question_deadline,
    optional text and lists), not for a title or a budget."""
    for name, declared in schema.get("properties", {}).items():
        alternatives = declared.get("anyOf")
        if not alternatives or not _content_refuses_null(name):
            continue
        kept = [a for a in alternatives if a != {"type": "null"}]
        del declared["anyOf"]
        if len(kept) == 1:
            declared.update(kept[0])
        else:
            declared["anyOf"] = kept


def _content_refuses_null(name: str) -> bool:
    try:
        parse(TaskContent, {name: None})
    except ValidationFailed as refused:
        return name in refused.fields
    return False


class InviteVendors(RequestModel):
    failure_message = _l("Name the vendors to invite.")

    vendor_ids: Annotated[list[int], Ids(_l("Send a list of vendor ids."), min_items=1)]


class QuestionAsk(RequestModel):
    failure_message = _l("Write your question first.")

    text: Annotated[str, Text(5000, required=True)]


class QuestionAnswer(RequestModel):
    failure_message = _l("Write the answer first.")

    text: Annotated[str, Text(10_000, required=True)]


# --- answers -----------------------------------------------------------------------------

Moment = Annotated[dt.datetime, LocalTime()]


class CriterionOut(ResponseModel):
    name: str
    weight: int


class TaskOut(ResponseModel):
    id: int
    solution_id: int
    title: str
    description: str
    required: list[str]
    nice_to_have: list[str]
    estimate_hours: int
    budget_dkk: int
    bid_deadline: Moment
    question_deadline: Moment
    delivery_date: dt.date
    criteria: list[CriterionOut]
    municipality_specific: bool
    status: Literal["draft", "published", "closed", "awarded", "delivered", "cancelled"]
    bidding_open: bool
    published_at: Moment | None
    created_at: Moment


class SolutionRef(ResponseModel):
    id: int
    name: str


class FundingOut(ResponseModel):
    municipality: str
    municipality_code: str | None
    amount_dkk: int


class ChangeOut(ResponseModel):
    field: str
    before: str
    after: str
    by: str
    at: Moment


class TaskDetailOut(TaskOut):
    solution: SolutionRef
    funding: list[FundingOut]
    wish_ids: list[int]
    changes: list[ChangeOut]


TaskPage = Page[TaskOut]


class InvitationOut(ResponseModel):
    id: int
    vendor_id: int


class InvitationsOut(ResponseModel):
    task_id: int
    invitations: list[InvitationOut]


class PublishedQA(ResponseModel):
    id: int
    question: str
    answer: str
    published_at: Moment


class PendingQuestion(ResponseModel):
    id: int
    question: str


class QuestionsOut(ResponseModel):
    items: list[PublishedQA]
    pending: list[PendingQuestion]


class QuestionOut(ResponseModel):
    id: int
    task_id: int
    text: str


class AnswerOut(ResponseModel):
    id: int
    question_id: int
    text: str
    published: bool


class FollowOut(ResponseModel):
    task_id: int
    following: bool
