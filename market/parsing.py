"""What counts as a number and as storable text in anything a client sends.

One place decides, so that a query string, a form and a JSON body agree: numbers are ASCII
digits (`str.isdigit()` also admits "²" and "٣", which `int()` then refuses or silently
reads), and text is what both databases can store (PostgreSQL refuses NUL characters, and no
UTF-8 encoder takes a lone UTF-16 surrogate such as JSON's "\\ud800").
"""

from __future__ import annotations

import re
from typing import Any

from market.i18n import lazy_gettext

# Far more digits than any field takes, far fewer than Python's int() refuses (4,300).
MAX_DIGITS = 40
_WHOLE = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def whole_number(raw: object) -> int | None:
    """A whole number written in ASCII digits (spaces around are fine), else None.

    Ints pass through (not bools); callers check the range they need."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    return int(text) if _WHOLE.fullmatch(text) else None


def json_whole_number(value: object) -> int | None:
    """A JSON number that is whole (1 or 1.0; not true, not "1"), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def amount(raw: object) -> int | None:
    """Whole kroner or hours as people type them in a form: "85.000", "85 000", "85000 kr."."""
    if not isinstance(raw, str):
        return whole_number(raw)
    text = re.sub(r"\s*kr\.?$", "", raw.strip(), flags=re.IGNORECASE)
    return whole_number(re.sub(r"[.\s]", "", text))


def storable(text: str) -> bool:
    """Text both databases can store: no NUL character and no lone surrogate."""
    return _UNSTORABLE.search(text) is None


# Anything a mail header could read as the end of a line (header injection).
_LINE_BREAK = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


ONE_LINE = lazy_gettext("Must be on one line (no line breaks).")


def single_line(text: str) -> bool:
    """Text fit for a one-line field that may reach a mail header (a name, a title)."""
    return _LINE_BREAK.search(text) is None


def one_line(text: str) -> str:
    """`text` with every line break made a space: the last guard before a mail header."""
    return _LINE_BREAK.sub(" ", text)


class JSONProblem(Exception):
    """What is wrong with a parsed JSON value, and under which top-level key (if any)."""

    def __init__(self, kind: str, key: str | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.key = key


def check_json(value: Any, max_depth: int, *, text: bool = True) -> None:
    """Walk a parsed JSON value once: raise JSONProblem("depth") when arrays and objects nest
    deeper than max_depth, or (with `text`) JSONProblem("text", key) for a string or object
    key that cannot be stored, naming the top-level key it is under. The recursion stops at
    max_depth. A caller that parsed the text can pass text=False when it holds no
    backslash-u escape: the only way a JSON text can carry NUL or a lone surrogate."""
    if isinstance(value, (dict, list)):
        _check_depth(value, 1, max_depth)
        if text:
            _check_text(value, None)
    elif text and isinstance(value, str) and not storable(value):
        raise JSONProblem("text")


def _check_depth(item: dict[str, Any] | list[Any], depth: int, max_depth: int) -> None:
    if depth > max_depth:
        raise JSONProblem("depth")
    for child in item.values() if isinstance(item, dict) else item:
        if isinstance(child, (dict, list)):
            _check_depth(child, depth + 1, max_depth)


def _check_text(item: dict[str, Any] | list[Any], owner: str | None) -> None:
    """Depth is checked first, so this recursion is bounded too."""
    pairs = item.items() if isinstance(item, dict) else ((None, child) for child in item)
    for key, child in pairs:
        where = owner if owner is not None else key
        if key is not None and not storable(key):
            raise JSONProblem("text", owner)
        if isinstance(child, (dict, list)):
            _check_text(child, where)
        elif isinstance(child, str) and not storable(child):
            raise JSONProblem("text", where)


_NEGATIVE = re.compile(r"^\s*[-\u2212]\s*\d[\d.\s]*(kr\.?)?\s*$", re.IGNORECASE)


def is_negative(raw: object) -> bool:
    """A negative number as typed or sent ("-5", "−5", -5): it gets "must be positive"."""
    if isinstance(raw, bool):
        return False
    if isinstance(raw, (int, float)):
        return raw < 0
    return isinstance(raw, str) and _NEGATIVE.match(raw) is not None
