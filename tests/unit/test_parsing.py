"""What counts as a number and as storable text, for every parser in the app."""

from __future__ import annotations

import json

import pytest

from market.parsing import JSONProblem, amount, check_json, json_whole_number, whole_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 12 ", 12),
        ("²", None),
        ("1²", None),
        ("٣", None),  # int() would read Arabic-Indic digits: not a number here
        ("-1", None),
        ("1.5", None),
        ("", None),
        ("9" * 41, None),  # int() refuses past 4,300 digits; nothing we store is this long
        (7, 7),
        (True, None),
        (None, None),
    ],
)
def test_whole_numbers_are_ascii_digits(raw: object, expected: int | None) -> None:
    assert whole_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("85.000", 85000), ("85 000 kr.", 85000), ("85000 KR", 85000), ("8²", None), ("x", None)],
)
def test_amounts_as_people_type_them(raw: str, expected: int | None) -> None:
    assert amount(raw) == expected


def test_json_numbers_are_not_strings() -> None:
    assert json_whole_number(3.0) == 3
    assert json_whole_number("3") is None
    assert json_whole_number(3.5) is None
    assert json_whole_number(False) is None


def _problem(text: str, max_depth: int = 32) -> tuple[str, str | None] | None:
    try:
        check_json(json.loads(text), max_depth)
    except JSONProblem as problem:
        return problem.kind, problem.key
    return None


def test_depth_is_counted_on_the_parsed_value() -> None:
    assert _problem("[" * 32 + "]" * 32) is None
    assert _problem("[" * 33 + "]" * 33) == ("depth", None)
    assert _problem('{"a": "[[[[[[[[["}', max_depth=2) is None  # brackets inside text
    assert _problem('{"a": {"b": {"c": 1}}}', max_depth=2) == ("depth", None)


def test_unstorable_text_names_the_top_level_field() -> None:
    assert _problem(r'{"title": "a\u0000b"}') == ("text", "title")
    assert _problem(r'{"team": [{"name": "\ud800"}]}') == ("text", "team")
    assert _problem(r'{"a\u0000": 1}') == ("text", None)
    assert _problem(r'{"emoji": "\ud83d\ude00"}') is None  # a surrogate pair is one character
