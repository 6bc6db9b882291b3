"""What a competency profile looks like in requests and answers: the profile (the API's body
and the vendor's profile form parse through ProfileUpdate), the taxonomy search's answer and
the profile's answer.

The form writes the profile its own way (competencies one a line, "72212000 expert" or
"Python: ekspert"; references as rows ref-0-title, ref-0-year, ...): in a form the model reads
that shape. Rules that need the database or the clock (codes that exist, labels typed instead
of codes, a reference year not in the future) stay in services.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict

from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError

from market.competencies.models import KINDS, LEVELS
from market.i18n import gettext as _
from market.i18n import lazy_gettext as _l
from market.parsing import storable
from market.schemas import (
    NO_NUL,
    NOT_BLANK,
    TOO_MANY,
    UNSTORABLE_TEXT,
    Date,
    LocalTime,
    Page,
    RequestModel,
    ResponseModel,
    Rule,
    Text,
    Whole,
    in_form,
    or_null,
    problem,
)

LANGUAGES = ("da", "en", "sv", "no", "de")
MAX_COMPETENCIES = 200
MAX_PRODUCTS = 100
MAX_REFERENCES = 30
MAX_CODES = 100
MAX_LANGUAGES = 20
MAX_TEXT = 20_000
MAX_ENTRY = 300  # a code, or a label typed in the form instead of one
LEVEL_WORDS = {
    "basic": "basic",
    "grundlæggende": "basic",
    "basis": "basic",
    "experienced": "experienced",
    "erfaren": "experienced",
    "expert": "expert",
    "ekspert": "expert",
}
REFERENCE_FIELD = re.compile(r"^ref-(\d{1,4})-(title|customer|year|description|codes)$")
NOT_PAIRS = _l("Give a list of {code, level}.")
NOT_CODES = _l("Give a list of codes.")


class Held(TypedDict):
    code: str  # as sent (a form may hold a label until the service looks it up)
    level: str


def split_line(line: str) -> tuple[str, str]:
    """A line of the form's competencies: "72212000 expert" / "Python: ekspert" -> (code or
    label, level); without a level word, experienced."""
    text = line.strip().strip("-*•").strip()
    match = re.match(r"^(.*?)[\s:;,|=-]+([^\s:;,|=-]+)$", text)
    if match and match.group(2).lower() in LEVEL_WORDS:
        return match.group(1).strip(), LEVEL_WORDS[match.group(2).lower()]
    return text, "experienced"


def _entry(value: Any, message: Any) -> str:
    """One code (or typed label): non-empty storable text."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ENTRY:
        raise problem(message)
    if not storable(value):
        raise problem(UNSTORABLE_TEXT)
    return value.strip()


ENTRY_SCHEMA: JsonSchemaValue = {"type": "string", "maxLength": MAX_ENTRY, "pattern": NOT_BLANK}


@dataclass(frozen=True)
class Competencies(Rule):
    """[{code, level}] (a level of basic, experienced or expert; absent: experienced) or plain
    codes; a form: one a line, with the level after the code or label."""

    max_items: int = MAX_COMPETENCIES

    def validate(self, value: Any, info: ValidationInfo) -> list[Held]:
        if value is None:
            return []
        if isinstance(value, str) and in_form(info):
            pairs = [split_line(line) for line in value.splitlines() if line.strip()]
            value = [{"code": code, "level": level} for code, level in pairs]
        if not isinstance(value, list):
            raise problem(NOT_PAIRS)
        held: list[Held] = []
        for item in value:
            if isinstance(item, str):
                item = {"code": item}
            if not isinstance(item, dict):
                raise problem(NOT_PAIRS)
            code = _entry(item.get("code"), NOT_PAIRS)
            level = item.get("level", "experienced")
            if not isinstance(level, str) or level not in LEVELS:
                raise problem(
                    _("Level of %(code)s must be one of: %(list)s.")
                    % {"code": code, "list": ", ".join(LEVELS)}
                )
            held.append(Held(code=code, level=level))
        if len(held) > self.max_items:
            raise problem(_("At most %(n)d competencies.") % {"n": self.max_items})
        return held

    def json_schema(self) -> JsonSchemaValue:
        return {
            "type": "array",
            "maxItems": self.max_items,
            "items": {
                "anyOf": [
                    {
                        "type": "object",
                        "required": ["code"],
                        "properties": {
                            "code": {**ENTRY_SCHEMA, "description": "CPV as 8 digits or a code"},
                            "level": {"type": "string", "enum": list(LEVELS)},
                        },
                    },
                    ENTRY_SCHEMA,
                ]
            },
        }


@dataclass(frozen=True)
class Languages(Rule):
    """Working languages as codes (da, en, sv, no, de); a form: ticked boxes or "da, en"."""

    def validate(self, value: Any, info: ValidationInfo) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str) and in_form(info):
            value = value.replace(",", " ").split()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise problem(_("Give a list of language codes such as da, en."))
        if len(value) > MAX_LANGUAGES:
            raise problem(str(TOO_MANY) % {"n": MAX_LANGUAGES})
        languages = [v.strip().lower() for v in value] if in_form(info) else list(value)
        if any(v not in LANGUAGES for v in languages):
            raise problem(_("One of: %(list)s.") % {"list": ", ".join(LANGUAGES)})
        return list(dict.fromkeys(languages))

    def json_schema(self) -> JsonSchemaValue:
        return {
            "type": "array",
            "maxItems": MAX_LANGUAGES,
            "items": {"type": "string", "enum": list(LANGUAGES)},
        }


@dataclass(frozen=True)
class Count(Rule):
    """A whole number from `minimum` to `maximum` (a form: as typed, "1.000")."""

    minimum: int
    maximum: int

    def validate(self, value: Any, info: ValidationInfo) -> int:
        try:
            return Whole(self.minimum, self.maximum, amount=True).validate(value, info)
        except PydanticCustomError:
            raise problem(
                _("Write a whole number from %(low)d to %(high)d.")
                % {"low": self.minimum, "high": self.maximum}
            ) from None

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class ReferenceCodes(Rule):
    """The codes of a reference: a list of texts (a form: separated by commas or lines)."""

    def validate(self, value: Any, info: ValidationInfo) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str) and in_form(info):
            value = re.split(r"[,\n;]+", value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise problem(NOT_CODES)
        if len(value) > MAX_CODES:
            raise problem(str(TOO_MANY) % {"n": MAX_CODES})
        return [_entry(v, NOT_CODES) for v in value if v.strip()]

    def json_schema(self) -> JsonSchemaValue:
        return {
            "type": "array",
            "maxItems": MAX_CODES,
            "items": {"type": "string", "maxLength": MAX_ENTRY, "pattern": NO_NUL},
        }


@dataclass(frozen=True)
class ReferenceTitle(Text):
    max_length: int = 300
    required: bool = True

    def validate(self, value: Any, info: ValidationInfo) -> str:
        if value is None or (isinstance(value, str) and storable(value) and not value.strip()):
            raise problem(_("Give the reference a title."))
        return super().validate(value, info)


# --- requests ----------------------------------------------------------------------------


class ReferenceIn(RequestModel):
    """A piece of work done for a customer."""

    title: Annotated[str, ReferenceTitle()]
    customer: Annotated[str, Text(300)] = ""
    year: Annotated[int, Count(1970, 2100)] | None = None
    description: Annotated[str, Text(MAX_TEXT)] = ""
    codes: Annotated[list[str], ReferenceCodes()] = []


Amount = Annotated[int, Count(0, 100_000)]


class ProfileUpdate(RequestModel):
    """PUT /api/v1/vendors/{id}/profile and the profile form: the whole competency profile
    (what is left out is emptied). A refusal names a reference's field as references[0].year."""

    failure_message = _l("Check the profile.")

    profile_text: Annotated[str, Text(MAX_TEXT)] = ""
    profile_text_en: Annotated[str, Text(MAX_TEXT)] = ""
    hourly_rate_dkk: Amount | None = None
    capacity_hours_per_month: Amount | None = None
    capacity_from: Annotated[dt.date, Date(_l("Write a date as YYYY-MM-DD."))] | None = None
    team_size: Annotated[int, Count(1, 100_000)] | None = None
    working_languages: Annotated[list[str], Languages()] = []
    competencies: Annotated[list[Held], Competencies()] = []
    # Products (OS2 codes) held, read as competencies at the level given.
    products: Annotated[list[Held], Competencies(MAX_PRODUCTS)] = []
    references: list[ReferenceIn] = Field(
        default=[], json_schema_extra=or_null(maxItems=MAX_REFERENCES)
    )

    @field_validator("references", mode="before")
    @classmethod
    def _reference_list(cls, value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list) or len(value) > MAX_REFERENCES:
            raise problem(_("Give a list of at most %(n)d references.") % {"n": MAX_REFERENCES})
        return value

    @model_validator(mode="before")
    @classmethod
    def _form_rows(cls, data: Any, info: ValidationInfo) -> Any:
        """A form's references come as rows of fields (ref-0-title, ref-0-year, ...); a row
        left empty is no reference."""
        if not in_form(info) or not isinstance(data, dict):
            return data
        rows: dict[int, dict[str, Any]] = {}
        rest: dict[str, Any] = {}
        for key, value in data.items():
            match = REFERENCE_FIELD.match(key)
            if match:
                rows.setdefault(int(match.group(1)), {})[match.group(2)] = value
            else:
                rest[key] = value
        if rows:
            rest["references"] = [{"title": "", **rows[n]} for n in sorted(rows)]
        return rest

    @model_validator(mode="wrap")
    @classmethod
    def _name_reference_fields(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """A problem in a reference is named references[n].field (as the form and the
        service name it), not with the whole list."""
        try:
            return handler(data)
        except ValidationError as exc:
            raise ValidationError.from_exception_data(
                cls.__name__, [_named(error) for error in exc.errors(include_url=False)]
            ) from None


def _named(error: Any) -> Any:
    loc = tuple(error["loc"])
    kind: Any = (
        PydanticCustomError("market", "{message}", error["ctx"])
        if error["type"] == "market"
        else error["type"]
    )
    line: dict[str, Any] = {"type": kind, "loc": loc, "input": error.get("input")}
    if error["type"] != "market" and error.get("ctx"):
        line["ctx"] = error["ctx"]
    if len(loc) >= 2 and loc[0] == "references" and isinstance(loc[1], int):
        line["loc"] = (f"references[{loc[1]}]" + "".join(f".{part}" for part in loc[2:3]),)
        if len(loc) == 2:
            line["type"] = problem(_("Each reference is an object."))
            line.pop("ctx", None)
    return line


@dataclass(frozen=True)
class Kind(Rule):
    """A kind of code in the taxonomy."""

    def validate(self, value: Any, info: ValidationInfo) -> str:
        if value not in KINDS:
            raise problem(_("One of: %(list)s.") % {"list": ", ".join(KINDS)})
        return str(value)

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "string", "enum": list(KINDS)}


Label = Annotated[str, Text(300, required=True)]


class CodeLabels(RequestModel):
    """The taxonomy desk's form that renames a code: its labels in both languages."""

    failure_message = _l("Check the labels.")

    label_da: Label
    label_en: Label


class CodeAdd(CodeLabels):
    """The taxonomy desk's form that adds a code. Whether the code is written as its kind's
    codes are, and whether the parent exists, is the service's question."""

    failure_message = _l("Check the new code.")

    code: Annotated[str, Text(100, one_line=True)] = ""
    kind: Annotated[str, Kind()]
    parent: Annotated[str, Text(100, one_line=True)] = ""


# --- answers -----------------------------------------------------------------------------


class PathStep(ResponseModel):
    code: str
    label_da: str
    label_en: str


class CompetencyOut(ResponseModel):
    code: str
    label_da: str
    label_en: str
    kind: Literal["cpv", "product", "technology", "domain", "standard"]
    parent: str | None
    level: int
    retired: bool
    path: list[PathStep]  # the ancestors, root first


TaxonomyPage = Page[CompetencyOut]


class HeldOut(ResponseModel):
    code: str
    level: Literal["basic", "experienced", "expert"]


class ReferenceOut(ResponseModel):
    title: str
    customer: str
    year: int | None
    description: str
    codes: list[str]


class CompletenessOut(ResponseModel):
    percent: int
    missing: list[str]


class ProfileOut(ResponseModel):
    id: int
    name: str
    profile_text: str
    profile_text_en: str
    hourly_rate_dkk: int | None
    capacity_hours_per_month: int | None
    capacity_from: dt.date | None
    team_size: int | None
    working_languages: list[str]
    competencies: list[HeldOut]
    references: list[ReferenceOut]
    profile_updated_at: Annotated[dt.datetime, LocalTime()] | None
    completeness: CompletenessOut
