"""The Jinja environment shared by pages and mail: where templates live, the filters that
format dates, money, numbers and codes in the reader's language, and rendering to a string.

It sits below market.web (pages) and market.mail (mail), so neither imports the other.
"""

from __future__ import annotations

import datetime as dt
import json
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import jinja2
from babel.numbers import format_decimal

from market import clock
from market.assets import static_url
from market.i18n import (
    format_date,
    format_datetime,
    get_language,
    gettext,
    ngettext,
    render_message,
)
from market.settings import ROOT
from market.urls import url

# An installed wheel carries the templates inside the package (see setup.py); a checkout
# reads the top-level folder.
_PACKAGED_TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_DIR = _PACKAGED_TEMPLATES if _PACKAGED_TEMPLATES.is_dir() else ROOT / "templates"
# The CSRF token of the request being rendered (market.web sets it): imported macros don't
# see the template context.
csrf_token: ContextVar[str] = ContextVar("market_csrf_token", default="")


def _format_datetime(value: dt.datetime | None, with_zone: bool = True) -> str:
    if value is None:
        return ""
    local = clock.to_local(value)
    text = format_datetime(local)
    return f"{text} {local.tzname()}" if with_zone else text


def _format_date(value: dt.date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):  # an ISO date or time from an API-shaped dict
        value = dt.date.fromisoformat(value[:10])
    return format_date(value)


def _format_dkk(value: int | None) -> str:
    if value is None:
        return ""
    text = format_decimal(value, format="#,##0", locale=get_language())
    return f"{text} kr." if get_language() == "da" else f"DKK {text}"


# The default award criteria are ours to translate; a criterion a coordinator named is theirs.
DEFAULT_CRITERION_NAMES = frozenset({"price", "quality of approach", "delivery time"})


def criterion_label(name: str) -> str:
    return gettext(name) if name in DEFAULT_CRITERION_NAMES else name


def _label(value: object) -> str:
    """A stored code or message in the reader's language (see market.i18n.render_message)."""
    return render_message(str(value)) if value not in (None, "") else ""


def _format_number(value: float | int | None, digits: int = 2) -> str:
    """A number in the page's locale (decimal comma and thousands dot in Danish)."""
    if value is None:
        return ""
    # At least one decimal when decimals are asked for: a score reads 8,0 next to 7,75.
    pattern = "#,##0" + ("." + "0" + "#" * (digits - 1) if digits else "")
    return format_decimal(value, format=pattern, locale=get_language())


def build_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        # Plain-text templates (the text part of mail) are not HTML: escaping would show "&amp;".
        autoescape=jinja2.select_autoescape(
            disabled_extensions=("txt",), default=True, default_for_string=True
        ),
        extensions=["jinja2.ext.i18n"],
        # A name a template uses but no view passes is a bug to see, not an empty string.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["datetime"] = _format_datetime
    env.filters["date"] = _format_date
    env.filters["dkk"] = _format_dkk
    env.filters["number"] = _format_number
    env.filters["criterion"] = criterion_label
    # Codes (statuses, sizes, roles) in the reader's language. Never `_(value)` in a template:
    # with newstyle gettext it marks its result safe, so user text would render as HTML.
    env.filters["label"] = _label
    env.filters["message"] = render_message
    env.filters["tojson_attr"] = lambda v: json.dumps(v)
    env.globals["get_language"] = get_language
    env.globals["static"] = static_url
    env.globals["url"] = url  # a path from a route name: url("tasks.detail", id=task.id)
    env.globals["current_csrf_token"] = csrf_token.get
    return env


templates = build_environment()


def render_string(template: str, **values: Any) -> str:
    """Template `template` rendered with `values` (no request: mail, exports)."""
    return templates.get_template(template).render(**values)
