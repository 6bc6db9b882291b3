"""Danish (default) and English: Babel catalogues, the current locale in a ContextVar.

Source strings are English; Danish translations live in `market/locale/da/LC_MESSAGES/*.po`
(one catalogue file per domain package, merged at load time).
"""

from __future__ import annotations

import datetime as dt
import json
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.pofile import read_po

LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current: ContextVar[str] = ContextVar("market_language", default=DEFAULT_LANGUAGE)


def set_language(language: str) -> None:
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def get_language() -> str:
    return _current.get()


@cache
def catalogue(language: str) -> dict[str, Any]:
    """Every message of a language, merged from all of its .po files."""
    messages: dict[str, Any] = {}
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and message.string and not message.fuzzy:
                    messages[message.id if isinstance(message.id, str) else message.id[0]] = (
                        message.string
                    )
    return messages


# One date format per language (CLDR patterns for Babel): 31-01-2027 in Danish, ISO in English.
DATE_FORMATS = {"da": "dd-MM-yyyy", "en": "yyyy-MM-dd"}


def format_date(value: dt.date) -> str:
    """A day as every page writes it in the current language."""
    language = _current.get()
    return babel_format_date(value, format=DATE_FORMATS[language], locale=language)


def format_datetime(value: dt.datetime, *, seconds: bool = False) -> str:
    """A moment (already in local time) as every page writes it in the current language."""
    language = _current.get()
    pattern = DATE_FORMATS[language] + (" HH:mm:ss" if seconds else " HH:mm")
    return babel_format_datetime(value, format=pattern, tzinfo=value.tzinfo, locale=language)


def gettext(message: str) -> str:
    language = _current.get()
    if language == "en":
        return message
    translated = catalogue(language).get(message)
    return translated if isinstance(translated, str) and translated else message


def ngettext(singular: str, plural: str, n: int) -> str:
    language = _current.get()
    if language != "en":
        translated = catalogue(language).get(singular)
        if isinstance(translated, (list, tuple)) and len(translated) >= 2:
            return translated[0 if n == 1 else 1]
    return singular if n == 1 else plural


class LazyString:
    """A string translated when it is rendered, for module-level messages."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __repr__(self) -> str:
        return f"LazyString({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.message)


def lazy_gettext(message: str) -> LazyString:
    return LazyString(message)


# A message kept as a code (its English source and its values), to be shown later in the
# reader's language: stored reasons and statuses are written like this, never pre-translated.
CODED = "i18n:"


# Stored codes (roles, statuses, audit actions) and their labels: domains register theirs,
# `render_message` (the templates' `label` filter) shows them in the reader's language.
_CODE_LABELS: dict[str, LazyString] = {}


def register_labels(labels: dict[str, LazyString]) -> None:
    """Make these codes readable on every page (call at import, with `_l(...)` labels)."""
    _CODE_LABELS.update(labels)


def coded(message: str | LazyString, **values: Any) -> str:
    """`message` (an English source string, usually `_l(...)` so it is extracted) with its
    values, as text a column can keep."""
    source = message.message if isinstance(message, LazyString) else message
    return CODED + json.dumps([source, values], ensure_ascii=False, separators=(",", ":"))


def render_message(stored: str) -> str:
    """A stored message in the current language: coded ones are translated with their values
    (values that are themselves coded too; other values, such as a person's words, as they
    are); a plain source string is translated; anything else is shown as it was stored."""
    if stored in _CODE_LABELS:
        return str(_CODE_LABELS[stored])
    if not stored.startswith(CODED):
        return gettext(stored)
    try:
        message, values = json.loads(stored[len(CODED) :])
    except (ValueError, TypeError):
        return stored
    if not isinstance(message, str) or not isinstance(values, dict):
        return stored
    shown = {
        key: render_message(value) if isinstance(value, str) and value.startswith(CODED) else value
        for key, value in values.items()
    }
    try:
        return gettext(message) % shown if shown else gettext(message)
    except (KeyError, TypeError, ValueError):
        return message


_ = gettext
