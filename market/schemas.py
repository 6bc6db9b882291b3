"""Typed requests and answers: the one place that says what a client may send and gets back.

Each domain declares, in its `schemas.py`, one `RequestModel` per JSON body or form and one
`ResponseModel` per answer. A JSON body and an HTML form go through the same model with
`parse(Model, data, form=...)`; services receive the model instance. The field types below
encode the rules of `market.parsing` (ASCII digits, storable text, one-line names) with our own
messages in Danish and English: pydantic's English messages never reach a user. The OpenAPI
document is generated from the same models (see market/openapi.py).

    class WishIn(RequestModel):
        failure_message = _l("The wish was not saved: correct the fields named.")
        title: Annotated[str, Text(300, required=True, one_line=True)]
        priority: Annotated[int, Whole(1, 5)] | None = None

    data = parse(WishIn, await json_body(request))            # the API
    data = parse(WishIn, await form_data(request), form=True)  # the form: "" counts as absent
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    ValidationInfo,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from market import clock
from market.db import MAX_ID, is_id
from market.errors import ValidationFailed
from market.i18n import lazy_gettext as _l
from market.parsing import (
    ONE_LINE,
    JSONProblem,
    amount,
    check_json,
    is_negative,
    json_whole_number,
    single_line,
    storable,
    whole_number,
)

__all__ = [
    "MAX_DKK",
    "MAX_ID",
    "Codes",
    "Date",
    "DateTime",
    "Error",
    "Flag",
    "Id",
    "Ids",
    "LocalTime",
    "NoFields",
    "Page",
    "RequestModel",
    "ResponseModel",
    "Rule",
    "Text",
    "Texts",
    "Whole",
    "failure",
    "in_form",
    "or_null",
    "parse",
    "problem",
]

MAX_DKK = 2_000_000_000

REQUIRED = _l("This field is required.")
NOT_TEXT = _l("Must be text.")
TOO_LONG = _l("Must be at most %(n)d characters.")
NOT_WHOLE = _l("Must be a whole number.")
NEGATIVE = _l("Must be positive.")
TOO_SMALL = _l("Must be at least %(n)d.")
TOO_LARGE = _l("Must be at most %(n)d.")
NOT_FLAG = _l("Must be true or false.")
NOT_LIST = _l("Send a list.")
TOO_MANY = _l("Send at most %(n)d items.")
NOT_OBJECT = _l("Send an object with the fields named in the API documentation.")
NOT_VALID = _l("This value is not valid.")
UNSTORABLE_TEXT = _l(
    "Contains a character that is not allowed (a NUL character or a lone surrogate)."
)
DATETIME_FORMAT = _l("Enter a date and time, e.g. 2027-03-27T12:00+01:00.")
DATE_FORMAT = _l("Enter a date as YYYY-MM-DD.")
SOME_FIELDS = _l("Some fields are not valid.")
NOT_IDS = _l("Send a list of ids.")
NOT_CODES = _l("Send a list of codes.")
BAD_CODE = _l("Each code must be non-empty text, e.g. 72000000 or python.")

# Exactly the characters Python's str.strip() removes, so that the JSON Schema patterns below
# and the checks here agree on what "blank" is (JSON Schema's \s differs from Python's).
WHITESPACE = (
    "\\t\\n\\u000b\\u000c\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000"
)
# market.parsing's line breaks: one-line text (names, titles) may hold none of them.
BREAKS = "\\r\\n\\u000b\\u000c\\u001c-\\u001e\\u0085\\u2028\\u2029"
NO_NUL = "^[^\\u0000]*$"
NOT_BLANK = f"^[^\\u0000]*[^\\u0000{WHITESPACE}][^\\u0000]*$"
ONE_LINE_TEXT = f"^[^\\u0000{BREAKS}]*$"
ONE_LINE_NOT_BLANK = f"^[^\\u0000{BREAKS}]*[^\\u0000{WHITESPACE}][^\\u0000{BREAKS}]*$"


def problem(message: Any) -> PydanticCustomError:
    """The error a field validator raises: `message` is ours (already formatted), and it is
    what the user reads, in the request's language."""
    return PydanticCustomError("market", "{message}", {"message": str(message)})


def in_form(info: ValidationInfo) -> bool:
    """Whether the value comes from an HTML form (strings typed by a person)."""
    return bool(info.context and info.context.get("form"))


class Rule:
    """A field type: a validator with our messages and the JSON Schema it honours."""

    def validate(self, value: Any, info: ValidationInfo) -> Any:
        raise NotImplementedError

    def json_schema(self) -> JsonSchemaValue:
        raise NotImplementedError

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.with_info_plain_validator_function(self.validate)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """`json_schema()`, with JSON null beside it when the rule reads null (as "" or an
        empty list), so that the document admits what the API admits."""
        declared = self.json_schema()
        alternatives = declared.get("anyOf", [declared])
        if any(a.get("type") == "null" for a in alternatives) or not self.admits_null():
            return declared
        return {"anyOf": [declared, {"type": "null"}]}

    def admits_null(self) -> bool:
        """Whether a JSON body may send null for the field (the rule reads it as a value)."""
        try:
            self.validate(None, _JSON_BODY)
        except (PydanticCustomError, ValueError, TypeError):
            return False
        return True


def or_null(**extra: Any) -> Callable[[dict[str, Any]], None]:
    """`json_schema_extra` for a plain field whose validator reads JSON null (as its
    default): the field's schema, with `extra`, or null."""

    def apply(schema: dict[str, Any]) -> None:
        kept = ("title", "default", "description")
        declared = {k: schema.pop(k) for k in list(schema) if k not in kept}
        schema["anyOf"] = [{**declared, **extra}, {"type": "null"}]

    return apply


# What a rule's validate() sees of a JSON body when the document asks whether it reads null.
_JSON_BODY = cast(ValidationInfo, SimpleNamespace(context={"form": False}))


@dataclass(frozen=True)
class Text(Rule):
    """Storable text (no NUL, no lone surrogate) of at most `max_length` characters, stripped.
    `required`: more than spaces; `one_line`: no line break (it may reach a mail header).
    JSON null is "" (or "This field is required.")."""

    max_length: int
    required: bool = False
    one_line: bool = False
    strip: bool = True

    def validate(self, value: Any, info: ValidationInfo) -> str:
        if value is None:
            if self.required:
                raise problem(REQUIRED)
            return ""
        if not isinstance(value, str):
            raise problem(NOT_TEXT)
        if not storable(value):
            raise problem(UNSTORABLE_TEXT)
        if self.required and not value.strip():
            raise problem(REQUIRED)
        if len(value) > self.max_length:
            raise problem(str(TOO_LONG) % {"n": self.max_length})
        if self.one_line and not single_line(value):
            raise problem(ONE_LINE)
        return value.strip() if self.strip else value

    def json_schema(self) -> JsonSchemaValue:
        patterns = {
            (False, False): NO_NUL,
            (True, False): NOT_BLANK,
            (False, True): ONE_LINE_TEXT,
            (True, True): ONE_LINE_NOT_BLANK,
        }
        schema: JsonSchemaValue = {
            "type": "string",
            "maxLength": self.max_length,
            "pattern": patterns[(self.required, self.one_line)],
        }
        if self.required:
            schema["minLength"] = 1
        return schema


@dataclass(frozen=True)
class Whole(Rule):
    """A whole number from `minimum` to `maximum`. JSON: a number (1 or 1.0, never true or
    "1"); a form: ASCII digits, or with `amount` as people type money ("85.000", "85 000 kr.").
    `positive`: a negative number reads "Must be positive." rather than the minimum."""

    minimum: int | None = None
    maximum: int | None = None
    amount: bool = False
    positive: bool = False

    def validate(self, value: Any, info: ValidationInfo) -> int:
        if value is None:
            raise problem(REQUIRED)
        if self.positive and is_negative(value):
            raise problem(NEGATIVE)
        number: int | None = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and in_form(info):
            number = amount(value) if self.amount else whole_number(value)
        if number is None:
            raise problem(NOT_WHOLE)
        if self.minimum is not None and number < self.minimum:
            raise problem(str(TOO_SMALL) % {"n": self.minimum})
        if self.maximum is not None and number > self.maximum:
            raise problem(str(TOO_LARGE) % {"n": self.maximum})
        return number

    def json_schema(self) -> JsonSchemaValue:
        schema: JsonSchemaValue = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


@dataclass(frozen=True)
class Flag(Rule):
    """JSON true or false; in a form a ticked checkbox ("1", "on", "true", "yes") is true."""

    def validate(self, value: Any, info: ValidationInfo) -> bool:
        if isinstance(value, bool):
            return value
        if in_form(info) and isinstance(value, str):
            return value.strip().lower() in ("1", "on", "true", "yes")
        raise problem(NOT_FLAG)

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "boolean"}


@dataclass(frozen=True)
class Id(Rule):
    """A row id (a JSON number; a form: digits); `message` when it is anything else."""

    message: Any = NOT_WHOLE

    def validate(self, value: Any, info: ValidationInfo) -> int:
        if value is None:
            raise problem(REQUIRED)
        number = _as_id(whole_number(value) if in_form(info) and isinstance(value, str) else value)
        if number is None:
            raise problem(self.message)
        return number

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


@dataclass(frozen=True)
class Ids(Rule):
    """A list of row ids (JSON numbers; a form: digits separated by commas or spaces, or the
    values of a multi-select), without repeats, in the order sent; `message` when wrong."""

    message: Any = NOT_IDS
    max_items: int = 200
    min_items: int = 0

    def validate(self, value: Any, info: ValidationInfo) -> list[int]:
        if value is None:
            value = []
        if in_form(info):
            if isinstance(value, str):
                value = value.replace(",", " ").split()
            if isinstance(value, list):
                value = [whole_number(v) if isinstance(v, str) else v for v in value]
        if not isinstance(value, list):
            raise problem(self.message)
        ids = [_as_id(v) for v in value]
        if None in ids or len(ids) < self.min_items:
            raise problem(self.message)
        if len(ids) > self.max_items:
            raise problem(str(TOO_MANY) % {"n": self.max_items})
        return list(dict.fromkeys(i for i in ids if i is not None))

    def json_schema(self) -> JsonSchemaValue:
        schema: JsonSchemaValue = {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "maxItems": self.max_items,
        }
        if self.min_items:
            schema["minItems"] = self.min_items
        return schema


def _as_id(value: Any) -> int | None:
    """A row id from a JSON number (1 and 1.0 alike, as JSON Schema's "integer" admits), else
    None."""
    number = json_whole_number(value)
    return number if is_id(number) else None


CPV = re.compile(r"^(\d{8})(?:-\d)?$")


def normalise_code(code: Any) -> str | None:
    """A CPV code as 8 digits ("72000000-5" -> "72000000"); other codes lower-cased, as the
    competency taxonomy spells them ("Tech:Python" -> "tech:python")."""
    if not isinstance(code, str) or not code.strip():
        return None
    text = code.strip()
    match = CPV.match(text)
    return match.group(1) if match else text.lower()


@dataclass(frozen=True)
class Texts(Rule):
    """A list of short texts (JSON strings; in a form, one text split at `separator` when one
    is given), blank ones dropped, each `clean`ed; `message` when it is not such a list. Whether
    each names something that exists is the service's question."""

    message: Any
    max_length: int
    max_items: int
    separator: str | None = None

    def clean(self, text: str) -> str:
        return text.strip()

    def validate(self, value: Any, info: ValidationInfo) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str) and self.separator is not None and in_form(info):
            value = [t.strip() for t in value.split(self.separator) if t.strip()]
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise problem(self.message)
        if not all(storable(t) for t in value):
            raise problem(UNSTORABLE_TEXT)
        if any(len(t) > self.max_length for t in value):
            raise problem(self.message)
        if len(value) > self.max_items:
            raise problem(str(TOO_MANY) % {"n": self.max_items})
        return [self.clean(t) for t in value if t.strip()]

    def json_schema(self) -> JsonSchemaValue:
        return {
            "type": "array",
            "maxItems": self.max_items,
            "items": {"type": "string", "maxLength": self.max_length, "pattern": NO_NUL},
        }


@dataclass(frozen=True)
class Codes(Rule):
    """Competency or CPV codes, normalised, without repeats (a form: separated by commas or
    spaces). Whether each code exists is the service's question (it needs the database)."""

    max_items: int = 100
    max_length: int = 100
    not_list: Any = NOT_CODES
    bad_code: Any = BAD_CODE
    empty: Any = None  # the message when no code is sent, if at least one is needed

    def validate(self, value: Any, info: ValidationInfo) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str) and in_form(info):
            value = [part for part in re.split(r"[,\s]+", value) if part]
        if not isinstance(value, list):
            raise problem(self.not_list)
        codes: list[str] = []
        for item in value:
            code = normalise_code(item)
            if code is None or len(item) > self.max_length or not storable(item):
                raise problem(self.bad_code)
            if code not in codes:
                codes.append(code)
        if len(value) > self.max_items:
            raise problem(str(TOO_MANY) % {"n": self.max_items})
        if not codes and self.empty is not None:
            raise problem(self.empty)
        return codes

    def json_schema(self) -> JsonSchemaValue:
        return {
            "type": "array",
            "minItems": 1 if self.empty is not None else 0,
            "maxItems": self.max_items,
            "items": {
                "type": "string",
                "maxLength": self.max_length,
                "pattern": NOT_BLANK,
                "description": "CPV as 8 digits or 72000000-5, or a competency code",
            },
        }


@dataclass(frozen=True)
class DateTime(Rule):
    """A moment as ISO 8601; one without an offset is Danish time (Europe/Copenhagen).
    Returned in UTC."""

    message: Any = DATETIME_FORMAT

    def validate(self, value: Any, info: ValidationInfo) -> dt.datetime:
        if value is None:
            raise problem(REQUIRED)
        if isinstance(value, dt.datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=clock.COPENHAGEN)
            return moment.astimezone(dt.UTC)
        if not isinstance(value, str):
            raise problem(self.message)
        try:
            return clock.parse_local(value)
        except (ValueError, OverflowError):
            raise problem(self.message) from None

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "string", "format": "date-time"}


@dataclass(frozen=True)
class Date(Rule):
    """A calendar date as YYYY-MM-DD."""

    message: Any = DATE_FORMAT

    def validate(self, value: Any, info: ValidationInfo) -> dt.date:
        if value is None:
            raise problem(REQUIRED)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if not isinstance(value, str):
            raise problem(self.message)
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise problem(self.message) from None

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "string", "format": "date"}


class LocalTime:
    """An answer's moment, written in Danish time with its offset (API.md's time rule):
    `created_at: Annotated[dt.datetime, LocalTime()]`."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            _aware,
            core_schema.datetime_schema(),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _local_iso, when_used="json"
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "format": "date-time"}


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise PydanticCustomError("market", "a moment needs its offset")
    return moment


def _local_iso(moment: dt.datetime) -> str:
    return clock.to_local(moment).isoformat()


# --- models ------------------------------------------------------------------------------


class RequestModel(BaseModel):
    """A JSON body or form: unknown fields are ignored (as the API always did)."""

    # Unknown fields (names and values alike) are ignored, so the document constrains neither.
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)
    # What the 422 answer's `message` says when a field is wrong.
    failure_message: ClassVar[Any] = SOME_FIELDS

    @classmethod
    def more_problems(cls, data: Mapping[str, Any], form: bool) -> dict[str, str]:
        """Problems a rule beyond the field types finds in the raw `data` (a submission that
        needs a field a draft may leave out): named with the field errors when the model
        refuses the data, so that one answer names every wrong field."""
        return {}


class NoFields(RequestModel):
    """A body with nothing to say (it may be empty; what is sent must be a JSON object)."""


class ResponseModel(BaseModel):
    """An answer: every field declared (the test suite checks each answer against it)."""

    model_config = ConfigDict(extra="forbid")


class Error(ResponseModel):
    """Every refusal of the API (API.md): a code, a sentence for people, and what is wrong
    with each field named."""

    error: str
    message: str
    fields: dict[str, str]


Model = TypeVar("Model", bound=BaseModel)
Item = TypeVar("Item")


class Page(ResponseModel, Generic[Item]):
    """A page of a list (`market.api.page_of`): `Page[TaskOut]`."""

    items: list[Item]
    page: int
    per_page: int
    total: int


# pydantic's own error types (from plain fields and nested models), in our words.
_MESSAGES: dict[str, Any] = {
    "missing": REQUIRED,
    "string_type": NOT_TEXT,
    "string_too_long": TOO_LONG,
    "int_type": NOT_WHOLE,
    "int_parsing": NOT_WHOLE,
    "int_from_float": NOT_WHOLE,
    "greater_than_equal": TOO_SMALL,
    "less_than_equal": TOO_LARGE,
    "bool_type": NOT_FLAG,
    "bool_parsing": NOT_FLAG,
    "list_type": NOT_LIST,
    "too_long": TOO_MANY,
    "model_type": NOT_OBJECT,
    "model_attributes_type": NOT_OBJECT,
    "dict_type": NOT_OBJECT,
}


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] == "market":
        return str(error["ctx"]["message"])
    template = _MESSAGES.get(error["type"], NOT_VALID)
    ctx = error.get("ctx") or {}
    limit = next((ctx[k] for k in ("max_length", "ge", "le") if k in ctx), None)
    return str(template) % {"n": limit} if limit is not None else str(template)


def failure(
    exc: ValidationError,
    model: type[BaseModel] | None = None,
    more: Mapping[str, str] | None = None,
) -> ValidationFailed:
    """A pydantic ValidationError as our 422: {field: what is wrong} (the first problem of
    each top-level field, then `more`), with the model's `failure_message`."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        where = str(error["loc"][0]) if error["loc"] else "body"
        fields.setdefault(where, _message(error))
    for where, problem_text in (more or {}).items():
        fields.setdefault(where, problem_text)
    summary: Any = getattr(model, "failure_message", None) or SOME_FIELDS
    return ValidationFailed(str(summary), fields)


def parse(model: type[Model], data: Mapping[str, Any], *, form: bool = False) -> Model:
    """`data` (a parsed JSON object, or with `form` an HTML form's fields) as `model`, or a
    ValidationFailed naming each wrong field. In a form an empty field counts as absent. Text
    that cannot be stored (NUL, a lone surrogate) is refused only where the model reads it:
    the fields it ignores are not looked at."""
    if form:
        data = {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
    else:
        where = _unstorable_field(model, data)
        if where is not None:
            raise ValidationFailed(
                str(_l("The text contains a character that cannot be stored.")),
                {where: str(UNSTORABLE_TEXT)},
            )
    try:
        return model.model_validate(data, context={"form": form})
    except ValidationError as exc:
        more = model.more_problems(data, form) if issubclass(model, RequestModel) else {}
        raise failure(exc, model, more) from None


def _unstorable_field(model: type[BaseModel], data: Mapping[str, Any]) -> str | None:
    """The first field of `model` whose value in `data` holds text that cannot be stored
    where the model reads it, or None. What is read is what the model's JSON Schema declares:
    a nested object's declared properties (its unknown keys only where the schema admits
    them as `additionalProperties`, e.g. {name: weight}), an array's items, free-form values
    whole."""
    schema = _request_schema(model)
    defs = schema.get("$defs", {})
    for name, field in model.model_fields.items():
        key = field.alias or name
        declared = schema.get("properties", {}).get(key, {})
        if key in data and not _storable_where_read(data[key], declared, defs):
            return key
    return None


@functools.cache
def _request_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def _storable_where_read(value: Any, schema: dict[str, Any], defs: dict[str, Any]) -> bool:
    kind = "object" if isinstance(value, dict) else "array" if isinstance(value, list) else None
    shape = next((s for s in _alternatives(schema, defs) if s.get("type") == kind), None)
    if isinstance(value, str):
        return storable(value)
    if shape is None:  # a free-form value, or one of a shape the model refuses anyway
        try:
            check_json(value, 1000)  # json_body has held the depth to 32 already
        except JSONProblem as problem:
            return problem.kind != "text"
        return True
    if isinstance(value, list):
        items = shape.get("items", {})
        return all(_storable_where_read(item, items, defs) for item in value)
    properties = shape.get("properties", {})
    extra = shape.get("additionalProperties")
    unknown_read = isinstance(extra, dict) or (not properties and extra is not False)
    for key, child in value.items():
        if key in properties:
            ok = _storable_where_read(child, properties[key], defs)
        elif unknown_read:
            rest = extra if isinstance(extra, dict) else {}
            ok = storable(key) and _storable_where_read(child, rest, defs)
        else:
            ok = True  # a key the model ignores
        if not ok:
            return False
    return True


def _alternatives(schema: dict[str, Any], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """The schemas a value may match: `schema` with its $ref followed and anyOf/oneOf
    flattened."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        schema = defs.get(ref.rsplit("/", 1)[-1], {})
    branches = schema.get("anyOf") or schema.get("oneOf")
    if not branches:
        return [schema]
    return [found for branch in branches for found in _alternatives(branch, defs)]
