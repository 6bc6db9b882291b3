"""Read a competency profile from a JSON body or from the web form (which works without JS)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tortoise.expressions import Q

from market import clock
from market.api import int_field, text_field
from market.competencies.models import LEVELS, Competency
from market.competencies.services import (
    CODE,
    CPV,
    LANGUAGES,
    MAX_COMPETENCIES,
    MAX_REFERENCES,
    ProfileInput,
    ReferenceInput,
    normalise_code,
)
from market.errors import ValidationFailed
from market.i18n import gettext as _
from market.i18n import lazy_gettext as _l
from market.parsing import amount

LEVEL_WORDS = {
    "basic": "basic",
    "grundlæggende": "basic",
    "basis": "basic",
    "experienced": "experienced",
    "erfaren": "experienced",
    "expert": "expert",
    "ekspert": "expert",
}
MAX_TEXT = 20_000


def _date(raw: Any, name: str, errors: dict[str, str]) -> dt.date | None:
    if raw is None or raw == "":
        return None
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        errors[name] = _("Write a date as YYYY-MM-DD.")
        return None


def _languages(raw: Any, errors: dict[str, str]) -> list[str]:
    if raw is None or raw == "":
        return []
    items = raw.replace(",", " ").split() if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        errors["working_languages"] = _("Give a list of language codes such as da, en.")
        return []
    languages = [i.strip().lower() for i in items if i.strip()]
    wrong = [i for i in languages if i not in LANGUAGES]
    if wrong:
        errors["working_languages"] = _("One of: %(list)s.") % {"list": ", ".join(LANGUAGES)}
    return list(dict.fromkeys(languages))


def _code_list(raw: Any) -> list[str] | None:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [c for c in re.split(r"[,\n;]+", raw) if c.strip()]
    if isinstance(raw, list) and all(isinstance(c, str) for c in raw):
        return [c for c in raw if c.strip()]
    return None


def _json_competencies(body: dict[str, Any], errors: dict[str, str]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    raw = body.get("competencies", [])
    products = body.get("products", [])
    if not isinstance(raw, list) or not isinstance(products, list):
        errors["competencies"] = _("Give a list of {code, level}.")
        return pairs
    for item in [*raw, *products]:
        if isinstance(item, str):
            item = {"code": item}
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            errors["competencies"] = _("Give a list of {code, level}.")
            return pairs
        level = item.get("level") or "experienced"
        if level not in LEVELS:
            errors["competencies"] = _("Level of %(code)s must be one of: %(list)s.") % {
                "code": item["code"],
                "list": ", ".join(LEVELS),
            }
            return pairs
        pairs.append((item["code"], level))
    if len(pairs) > MAX_COMPETENCIES:
        errors["competencies"] = _("At most %(n)d competencies.") % {"n": MAX_COMPETENCIES}
    return pairs


def _json_references(body: dict[str, Any], errors: dict[str, str]) -> list[ReferenceInput]:
    raw = body.get("references", [])
    if not isinstance(raw, list) or len(raw) > MAX_REFERENCES:
        errors["references"] = _("Give a list of at most %(n)d references.") % {"n": MAX_REFERENCES}
        return []
    references = []
    for n, item in enumerate(raw):
        if not isinstance(item, dict):
            errors[f"references[{n}]"] = _("Each reference is an object.")
            continue
        mine: dict[str, str] = {}
        title = text_field(item, "title", mine, max_length=300)
        customer = text_field(item, "customer", mine, required=False, max_length=300)
        year = int_field(item, "year", mine, required=False, minimum=1970, maximum=2100)
        if _future_year(year):
            mine["year"] = str(FUTURE_YEAR)
            year = None
        description = text_field(item, "description", mine, required=False, max_length=MAX_TEXT)
        codes = _code_list(item.get("codes"))
        if codes is None:
            mine["codes"] = _("Give a list of codes.")
        for key, text in mine.items():
            errors[f"references[{n}].{key}"] = text
        references.append(ReferenceInput(title, customer, year, description, codes or []))
    return references


def profile_from_json(body: dict[str, Any]) -> ProfileInput:
    """The body of PUT /api/v1/vendors/{id}/profile as a ProfileInput (422 when malformed)."""
    errors: dict[str, str] = {}
    data = ProfileInput(
        profile_text=text_field(body, "profile_text", errors, required=False, max_length=MAX_TEXT),
        profile_text_en=text_field(
            body, "profile_text_en", errors, required=False, max_length=MAX_TEXT
        ),
        hourly_rate_dkk=int_field(
            body, "hourly_rate_dkk", errors, required=False, minimum=0, maximum=100_000
        ),
        capacity_hours_per_month=int_field(
            body, "capacity_hours_per_month", errors, required=False, minimum=0, maximum=100_000
        ),
        capacity_from=_date(body.get("capacity_from"), "capacity_from", errors),
        team_size=int_field(body, "team_size", errors, required=False, minimum=1, maximum=100_000),
        working_languages=_languages(body.get("working_languages"), errors),
        competencies=_json_competencies(body, errors),
        references=_json_references(body, errors),
    )
    if errors:
        raise ValidationFailed(_("Check the profile."), errors)
    return data


# --- the web form ---------------------------------------------------------------------------


FUTURE_YEAR = _l("A reference is work already done: the year cannot be in the future.")


def _future_year(year: int | None) -> bool:
    return year is not None and year > clock.today().year


def _form_int(
    values: dict[str, str], name: str, errors: dict[str, str], minimum: int
) -> int | None:
    raw = values.get(name, "").strip()
    if not raw:
        return None
    number = amount(raw)
    if number is None or number < minimum or number > 100_000:
        errors[name] = _("Write a whole number from %(low)d to %(high)d.") % {
            "low": minimum,
            "high": 100_000,
        }
        return None
    return number


def split_line(line: str) -> tuple[str, str]:
    """ "72212000 expert" / "Python: ekspert" -> (code or label, level)."""
    text = line.strip().strip("-*•").strip()
    match = re.match(r"^(.*?)[\s:;,|=-]+([^\s:;,|=-]+)$", text)
    if match and match.group(2).lower() in LEVEL_WORDS:
        return match.group(1).strip(), LEVEL_WORDS[match.group(2).lower()]
    return text, "experienced"


async def resolve_entry(text: str) -> str:
    """A code or an exact label (either language) as a code; the text itself when unknown."""
    norm = normalise_code(text)
    if CPV.match(norm) or CODE.match(norm):
        return norm
    rows = await Competency.filter(
        Q(label_da__iexact=text) | Q(label_en__iexact=text), retired_at__isnull=True
    ).limit(2)
    return rows[0].code if len(rows) == 1 else text


async def _form_competencies(text: str, errors: dict[str, str]) -> list[tuple[str, str]]:
    pairs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        entry, level = split_line(line)
        pairs.append((await resolve_entry(entry), level))
    if len(pairs) > MAX_COMPETENCIES:
        errors["competencies"] = _("At most %(n)d competencies.") % {"n": MAX_COMPETENCIES}
    return pairs


async def _form_references(values: dict[str, str], errors: dict[str, str]) -> list[ReferenceInput]:
    references = []
    for n in range(MAX_REFERENCES):
        prefix = f"ref-{n}-"
        if f"{prefix}title" not in values:
            break
        title = values.get(f"{prefix}title", "").strip()
        rest = [
            values.get(prefix + k, "").strip() for k in ("customer", "year", "description", "codes")
        ]
        if not title:
            if any(rest):
                errors[f"{prefix}title"] = _("Give the reference a title.")
            continue
        year = _form_int(values, f"{prefix}year", errors, 1970)
        if _future_year(year):
            errors[f"{prefix}year"] = str(FUTURE_YEAR)
            year = None
        codes = [await resolve_entry(c) for c in re.split(r"[,\n;]+", rest[3]) if c.strip()]
        references.append(ReferenceInput(title[:300], rest[0][:300], year, rest[2], codes))
    return references


async def profile_from_form(values: dict[str, str], languages: list[str]) -> ProfileInput:
    """The posted profile form as a ProfileInput (422 naming each wrong field)."""
    errors: dict[str, str] = {}
    data = ProfileInput(
        profile_text=values.get("profile_text", "").strip()[:MAX_TEXT],
        profile_text_en=values.get("profile_text_en", "").strip()[:MAX_TEXT],
        hourly_rate_dkk=_form_int(values, "hourly_rate_dkk", errors, 0),
        capacity_hours_per_month=_form_int(values, "capacity_hours_per_month", errors, 0),
        capacity_from=_date(values.get("capacity_from", "").strip(), "capacity_from", errors),
        team_size=_form_int(values, "team_size", errors, 1),
        working_languages=_languages(languages, errors),
        competencies=await _form_competencies(values.get("competencies", ""), errors),
        references=await _form_references(values, errors),
    )
    if errors:
        raise ValidationFailed(_("Check the profile."), errors)
    return data
