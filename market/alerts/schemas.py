"""What the alerts domain's requests and answers hold: a user's alert preferences (PUT
/api/v1/me/alerts and the /account/alerts form), a saved search, the secretariat's fit
settings, and the preferences answer.

Rules that need the database (codes in the taxonomy, products that exist, at most so many
saved searches) stay in services.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ValidationInfo
from pydantic.json_schema import JsonSchemaValue

from market.alerts.models import Frequency
from market.i18n import LANGUAGES
from market.i18n import lazy_gettext as _l
from market.parsing import storable
from market.schemas import (
    MAX_DKK,
    Codes,
    Flag,
    RequestModel,
    ResponseModel,
    Rule,
    Text,
    Texts,
    Whole,
    problem,
)
from market.solutions.schemas import Choice

MAX_TOP_N = 200
MAX_PRODUCTS = 100
NOT_PRODUCTS = _l("Send a list of product names.")
# Names of solutions (a form: the ticked boxes, or names separated by commas).
PRODUCTS = Texts(NOT_PRODUCTS, 300, MAX_PRODUCTS, separator=",")


@dataclass(frozen=True)
class Score(Rule):
    """A minimum score from -100 to 100, as people type it ("0,25" or "0.25")."""

    def validate(self, value: Any, info: ValidationInfo) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str) and storable(value) and len(value) <= 50:
            try:
                number = float(value.strip().replace(",", "."))
            except ValueError:
                raise problem(_l("Write a number, e.g. 0.25, or leave it empty.")) from None
        else:
            raise problem(_l("Write a number, e.g. 0.25, or leave it empty."))
        if not -100.0 <= number <= 100.0:
            raise problem(
                str(_l("Write a number from %(low)s to %(high)s.")) % {"low": -100, "high": 100}
            )
        return number

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "number", "minimum": -100, "maximum": 100}


# --- requests ----------------------------------------------------------------------------


class PreferencesUpdate(RequestModel):
    """PUT /api/v1/me/alerts and the /account/alerts form: a field left out keeps its value
    (the service reads what was sent: `model_dump(exclude_unset=True)`)."""

    failure_message = _l("Check your alert settings.")
    frequency: (
        Annotated[str, Choice(Frequency.ALL, _l("Choose instant, daily, weekly or off."))] | None
    ) = None
    codes: Annotated[list[str], Codes(max_items=200)] | None = None
    products: Annotated[list[str], PRODUCTS] | None = None
    min_budget_dkk: Annotated[int, Whole(0, MAX_DKK, positive=True)] | None = None
    language: Annotated[str, Choice(tuple(LANGUAGES), _l("Choose da or en."))] | None = None
    reminders: Annotated[bool, Flag()] | None = None


class SearchSave(RequestModel):
    """The saved-search form: words and/or codes (at least one of them)."""

    failure_message = _l("Check the search.")
    query: Annotated[str, Text(200)] = ""
    codes: Annotated[list[str], Codes()] = []


class FitSettingsUpdate(RequestModel):
    """The secretariat's form: which shortlist places count as fits."""

    failure_message = _l("Check the alert settings.")
    top_n: Annotated[int, Whole(0, MAX_TOP_N, positive=True)]
    min_score: Annotated[float, Score()] | None = None


# --- answers -----------------------------------------------------------------------------


class PreferencesOut(ResponseModel):
    """GET and PUT /api/v1/me/alerts."""

    frequency: Literal["instant", "daily", "weekly", "off"]
    codes: list[str]
    products: list[str]
    min_budget_dkk: int | None
    language: Literal["da", "en"]
    reminders: bool
    calendar_url: str
    feed_url: str
