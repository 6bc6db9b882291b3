"""Spreadsheet exports: every CSV and XLSX cell the app writes goes through `cell`.

A spreadsheet runs a text cell that starts with `=`, `+`, `-`, `@` (or a tab or line break
before them) as a formula: `=HYPERLINK(...)` in a vendor's e-mail or a criterion's name would
run on the reader's machine. Such text is written with a leading apostrophe, which spreadsheets
show as plain text; numbers, dates and booleans are written as they are.

A CSV meant for a person's spreadsheet (`spreadsheet_csv`) follows the reader's language:
Danish with ";" (what a Danish spreadsheet splits on), decimal commas and Danish headers;
English with ",", decimal points and English headers. Labels such as version numbers are
written as "v1.2" (`version`), which no spreadsheet reads as a date. The open data CSVs are
for programs and keep one format (see docs/opendata.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal

from market.i18n import get_language

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def cell(value: Any) -> Any:
    """A value safe to put in a spreadsheet cell (None becomes empty)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_START):
        return "'" + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]


def csv_text(
    rows: Iterable[Iterable[Any]],
    *,
    header: Iterable[Any] | None = None,
    delimiter: str = ",",
) -> str:
    """CSV text (lines end with CRLF) with every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if header is not None:
        writer.writerow(row(header))
    writer.writerows(row(r) for r in rows)
    return out.getvalue()


def version(label: str | None) -> str:
    """A version label a spreadsheet keeps as text ("v1.2", never 1 February)."""
    return f"v{label}" if label else ""


def _spreadsheet_value(value: Any, language: str) -> Any:
    if isinstance(value, float | Decimal):
        return format_decimal(value, format="0.##", locale=language)
    return value


def spreadsheet_csv(rows: Iterable[Iterable[Any]], *, header: Iterable[Any]) -> str:
    """CSV for a spreadsheet in the reader's language (separator and decimal sign)."""
    language = get_language()
    return csv_text(
        ([_spreadsheet_value(v, language) for v in r] for r in rows),
        header=header,
        delimiter=";" if language == "da" else ",",
    )


def xlsx_bytes(rows: Iterable[Iterable[Any]], *, title: str) -> bytes:
    """One worksheet called `title` with every cell neutralised."""
    # A heavy import (0.5 s, 40 MB), needed only when a sheet is asked for.
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for values in rows:
        sheet.append(row(values))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
