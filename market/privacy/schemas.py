"""What the privacy requests and answers hold: erasure requests (the API and the forms), the
secretariat's rejection and retention periods, and the insight answer (GET /api/v1/me/data).

Rules that need the database (a successor who is an active colleague, one open request per
user, the last administrator of a vendor) stay in services.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ValidationInfo, create_model
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError

from market.i18n import lazy_gettext as _l
from market.privacy.export import SOURCES
from market.privacy.register import PERIOD_KEYS
from market.schemas import (
    Flag,
    LocalTime,
    RequestModel,
    ResponseModel,
    Rule,
    Text,
    Whole,
    problem,
)

MAX_DAYS = 100 * 365
BAD_DAYS = _l("Give a whole number of days from 1 to 36,500.")


@dataclass(frozen=True)
class Days(Rule):
    """A retention period: whole days from 1 to 36,500 (a form: ASCII digits)."""

    def validate(self, value: Any, info: ValidationInfo) -> int:
        try:
            return Whole(1, MAX_DAYS).validate(value, info)
        except PydanticCustomError:
            raise problem(BAD_DAYS) from None

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "integer", "minimum": 1, "maximum": MAX_DAYS}


# --- requests ----------------------------------------------------------------------------


class ErasureCreate(RequestModel):
    """POST /api/v1/me/erasure, the account's erasure form and the secretariat's form for a
    request received by mail."""

    reason: Annotated[str, Text(2000)] = ""
    successor_email: Annotated[str, Text(254, one_line=True)] = ""
    close_vendor: Annotated[bool, Flag()] = False


class Rejection(RequestModel):
    """The secretariat's rejection of an erasure request."""

    failure_message = _l("Give a reason.")

    reason: Annotated[str, Text(2000, required=True)]


class _Periods(RequestModel):
    failure_message = _l("Some periods are not valid.")


# The retention form: one field per period (market.privacy.register); a period left out keeps
# its value.
_PERIOD_FIELDS: dict[str, Any] = {key: (Annotated[int, Days()] | None, None) for key in PERIOD_KEYS}
RetentionPeriods = create_model("RetentionPeriods", __base__=_Periods, **_PERIOD_FIELDS)


# --- answers -----------------------------------------------------------------------------

Moment = Annotated[dt.datetime, LocalTime()]


class ErasureOut(ResponseModel):
    id: int
    user_id: int
    status: Literal["pending", "completed", "rejected"]
    requested_at: Moment
    decided_at: Moment | None
    completed_at: Moment | None
    close_vendor: bool
    successor_id: int | None


class AccountOut(ResponseModel):
    id: int
    email: str
    name: str
    language: str
    roles: list[str]
    active: bool
    organisation: str
    vendor_id: int | None
    created_at: Moment
    last_login_at: Moment | None
    password_changed_at: Moment | None


def _section(key: str, fields: tuple[str, ...]) -> tuple[Any, Any]:
    """The model of one section's rows: the source's fields, as stored (text, numbers, times
    in Danish time, JSON)."""
    columns: dict[str, Any] = {name.replace("__", "_"): (Any, ...) for name in fields}
    row = create_model(
        "Export" + "".join(part.capitalize() for part in key.split("_")),
        __base__=ResponseModel,
        **columns,
    )
    rows: Any = list
    return (rows[row], ...)


# GET /api/v1/me/data: the account, then one list of rows per source (market.privacy.export).
_SECTIONS: dict[str, Any] = {source.key: _section(source.key, source.fields) for source in SOURCES}
DataExport = create_model(
    "DataExport",
    __base__=ResponseModel,
    generated_at=(Moment, ...),
    account=(AccountOut, ...),
    **_SECTIONS,
)
