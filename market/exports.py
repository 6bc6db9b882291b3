"""Spreadsheet exports: every CSV and XLSX cell the app writes goes through `cell`.

A spreadsheet runs a text cell that starts with `=`, `+`, `-`, `@` (or a tab or line break
before them) as a formula: `=HYPERLINK(...)` in a vendor's e-mail or a criterion's name would
run on the reader's machine. Such text is written with a leading apostrophe, which spreadsheets
show as plain text; numbers, dates and booleans are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

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


def xlsx_bytes(rows: Iterable[Iterable[Any]], *, title: str) -> bytes:
    """One worksheet called `title` with every cell neutralised."""
    from openpyxl import Workbook  # a heavy import, needed only when a sheet is asked for

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for values in rows:
        sheet.append(row(values))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
