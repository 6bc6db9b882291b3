"""Contribution figures for pages and the API: per vendor and product, a sentence and a chart."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from babel.dates import format_date

from market import clock
from market.contributions.models import VendorContribution
from market.i18n import get_language, ngettext
from market.i18n import gettext as _
from market.solutions.models import Solution

CHART_MONTHS = 24
CHART_WIDTH = 240
CHART_HEIGHT = 40
TOP_LANGUAGES = 4


@dataclass
class Bar:
    month: dt.date
    commits: int
    x: float
    y: float
    height: float

    @property
    def label(self) -> str:
        return month_label(self.month)


@dataclass
class ProductActivity:
    solution_id: int
    solution: str
    commits: int = 0
    lines_changed: int = 0
    files_touched: int = 0
    languages: list[str] = field(default_factory=list)
    first_commit_at: dt.datetime | None = None
    last_commit_at: dt.datetime | None = None
    by_month: dict[dt.date, int] = field(default_factory=dict)

    def sentence(self) -> str:
        """ "312 commits to OS2kitos since 2023, most recently in October; Python, TypeScript" """
        assert self.first_commit_at is not None and self.last_commit_at is not None
        first = clock.to_local(self.first_commit_at)
        last = clock.to_local(self.last_commit_at)
        pattern = "MMMM" if last.year == clock.to_local(clock.now()).year else "MMMM y"
        text = ngettext(
            "%(num)d commit to %(product)s since %(year)d, most recently in %(month)s",
            "%(num)d commits to %(product)s since %(year)d, most recently in %(month)s",
            self.commits,
        ) % {
            "num": self.commits,
            "product": self.solution,
            "year": first.year,
            "month": format_date(last.date(), pattern, locale=get_language()),
        }
        if self.languages:
            text += "; " + ", ".join(self.languages)
        return text

    def bars(self, today: dt.date | None = None) -> list[Bar]:
        """The last 24 months as SVG bar geometry (a month without commits has no height)."""
        today = today or clock.to_local(clock.now()).date()
        months = _months_back(today, CHART_MONTHS)
        peak = max((self.by_month.get(m, 0) for m in months), default=0) or 1
        step = CHART_WIDTH / CHART_MONTHS
        bars = []
        for i, month in enumerate(months):
            commits = self.by_month.get(month, 0)
            height = round((CHART_HEIGHT - 2) * commits / peak, 2) if commits else 0.0
            bars.append(Bar(month, commits, round(i * step + 1, 2), CHART_HEIGHT - height, height))
        return bars

    def chart_label(self) -> str:
        bars = self.bars()
        busiest = max(bars, key=lambda b: (b.commits, b.month))
        return _(
            "Commits to %(product)s per month from %(start)s to %(end)s; the busiest month, "
            "%(peak)s, had %(num)d."
        ) % {
            "product": self.solution,
            "start": month_label(bars[0].month),
            "end": month_label(bars[-1].month),
            "peak": month_label(busiest.month),
            "num": busiest.commits,
        }

    def as_json(self) -> dict[str, object]:
        return {
            "solution": self.solution,
            "solution_id": self.solution_id,
            "commits": self.commits,
            "lines_changed": self.lines_changed,
            "files_touched": self.files_touched,
            "languages": list(self.languages),
            "first_commit_at": clock.to_local(self.first_commit_at).isoformat()
            if self.first_commit_at
            else None,
            "last_commit_at": clock.to_local(self.last_commit_at).isoformat()
            if self.last_commit_at
            else None,
            "by_month": {m.strftime("%Y-%m"): n for m, n in sorted(self.by_month.items())},
        }


def month_label(month: dt.date) -> str:
    return format_date(month, "MMM y", locale=get_language())


def _months_back(today: dt.date, count: int) -> list[dt.date]:
    index = today.year * 12 + today.month - 1
    return [dt.date((i) // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


async def activity_of(vendor_ids: Iterable[int]) -> dict[int, list[ProductActivity]]:
    """Per vendor, its products (most commits first) with totals, languages and months."""
    ids = list(vendor_ids)
    if not ids:
        return {}
    rows = await VendorContribution.filter(vendor_id__in=ids).order_by("month")
    names = dict(
        await Solution.filter(id__in=list({r.solution_id for r in rows})).values_list("id", "name")
    )
    found: dict[tuple[int, int], ProductActivity] = {}
    languages: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = (row.vendor_id, row.solution_id)
        item = found.get(key)
        if item is None:
            item = found[key] = ProductActivity(row.solution_id, str(names.get(row.solution_id)))
        item.commits += row.commits
        item.lines_changed += row.lines_changed
        item.files_touched += row.files_touched
        item.by_month[row.month] = item.by_month.get(row.month, 0) + row.commits
        item.first_commit_at = min(filter(None, (item.first_commit_at, row.first_commit_at)))
        item.last_commit_at = max(filter(None, (item.last_commit_at, row.last_commit_at)))
        for language, lines in (row.languages or {}).items():
            languages[key][language] += int(lines)
    result: dict[int, list[ProductActivity]] = {i: [] for i in ids}
    for key, item in found.items():
        ranked = sorted(languages[key].items(), key=lambda kv: (-kv[1], kv[0]))
        item.languages = [name for name, _lines in ranked[:TOP_LANGUAGES]]
        result[key[0]].append(item)
    for items in result.values():
        items.sort(key=lambda a: (-a.commits, a.solution))
    return result


async def contributions_json(vendor_id: int) -> list[dict[str, object]]:
    """The API's `contributions` of one vendor."""
    return [a.as_json() for a in (await activity_of([vendor_id]))[vendor_id]]


async def monthly_history(
    vendor_ids: Iterable[int], before: dt.datetime | None = None
) -> dict[int, list[tuple[str, str, int, int, tuple[str, ...]]]]:
    """Per vendor: (solution name, "YYYY-MM", commits, lines changed, languages by lines) for
    the matching engine; with `before`, only the months that ended before it."""
    query = VendorContribution.filter(vendor_id__in=list(vendor_ids))
    if before is not None:
        local = clock.to_local(before)
        query = query.filter(month__lt=dt.date(local.year, local.month, 1))
    rows = await query.order_by("vendor_id", "solution_id", "month").values_list(
        "vendor_id", "solution__name", "month", "commits", "lines_changed", "languages"
    )
    found: dict[int, list[tuple[str, str, int, int, tuple[str, ...]]]] = defaultdict(list)
    for vendor_id, name, month, commits, lines, languages in rows:
        ranked = sorted((languages or {}).items(), key=lambda kv: (-int(kv[1]), kv[0]))
        found[int(vendor_id)].append(
            (
                str(name),
                month.strftime("%Y-%m"),
                int(commits),
                int(lines),
                tuple(language for language, _lines in ranked),
            )
        )
    return found
