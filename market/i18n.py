"""Danish (default) and English: Babel catalogues, the current locale in a ContextVar.

Source strings are English; the Danish translations live in one catalogue,
`market/locale/da/LC_MESSAGES/messages.po`, kept with Babel's tools (`make messages`: extract
to `market/locale/messages.pot`, update, compile) and read as the compiled `messages.mo`,
which `make setup` and the wheel build write (see docs/DEVELOPING.md).
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
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from markupsafe import escape

LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current: ContextVar[str] = ContextVar("market_language", default=DEFAULT_LANGUAGE)


def set_language(language: str) -> None:
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def get_language() -> str:
    return _current.get()


DOMAIN = "messages"


def _compile_if_stale(language: str) -> None:
    """A checkout where the .po changed since the last `make messages`: compile it once, so
    that a developer never reads stale translations (the wheel and the image carry the .mo)."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        with po.open("rb") as handle:
            compiled = read_po(handle, locale=language)
        try:
            with mo.open("wb") as handle:
                write_mo(handle, compiled)
        except OSError:  # an installed, read-only package: its .mo was built with it
            pass


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of a language (English is the source: no catalogue)."""
    if language == "en":
        return NullTranslations()
    _compile_if_stale(language)
    return Translations.load(str(LOCALE_DIR), [language], domain=DOMAIN)


@cache
def catalogue(language: str) -> dict[str, Any]:
    """Every translated message of a language (a singular message id to its translation; a
    plural one to its forms)."""
    found: dict[str, Any] = {}
    for key, value in getattr(translations(language), "_catalog", {}).items():
        if isinstance(key, tuple):  # (message id, plural form index)
            found.setdefault(key[0], []).append(value)
        elif key:
            found[key] = value
    return found


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
    return translations(language).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    language = _current.get()
    if language == "en":
        return singular if n == 1 else plural
    return translations(language).ngettext(singular, plural, n)


class LazyString:
    """A string translated when it is rendered, for module-level messages."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __html__(self) -> str:
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
