"""Evidence from the code itself: what a vendor has contributed to the community's products.

Pure like the rest of `matching/`: a vendor's history is `VendorProfile.contributions`, one
`Contribution` per product and month, and the two features are array expressions over every
vendor:

- `contributed_product`: commits to the task's products, each month weighted by
  `0.5 ** (months before the task / half-life)`, squashed to 0..1 by
  `1 - exp(-weighted / contribution_product_scale)`. Months after the task never count.
- `contributed_tech`: lines changed in the languages the task asks for through `tech:<language>`
  competency codes, decayed and squashed the same way, averaged over those languages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from matching.types import Contribution, Settings, TaskProfile, VendorProfile

TECH_PREFIX = "tech:"
CONTRIBUTION_NOTE = "has contributed to this product"
FIELDS = ("product", "month", "commits", "lines_changed", "languages")


def month_index(value: str | dt.date) -> int:
    """Months since year 0: "2024-10" and date(2024, 10, 5) give the same number."""
    if isinstance(value, dt.date):
        return value.year * 12 + value.month - 1
    year, month = value.split("-")[:2]
    return int(year) * 12 + int(month) - 1


def normalize_language(name: str) -> str:
    return "".join(name.lower().split())


def tech_languages(codes: Iterable[str]) -> tuple[str, ...]:
    """The languages a task asks for through `tech:` competency codes."""
    found = (normalize_language(c[len(TECH_PREFIX) :]) for c in codes if c.startswith(TECH_PREFIX))
    return tuple(dict.fromkeys(language for language in found if language))


def from_records(records: Iterable[Sequence[Any] | Mapping[str, Any]]) -> tuple[Contribution, ...]:
    """Contributions back from JSON (lists in `FIELDS` order, or dicts)."""
    result = []
    for record in records:
        values = (
            dict(record) if isinstance(record, Mapping) else dict(zip(FIELDS, record, strict=False))
        )
        result.append(
            Contribution(
                product=str(values["product"]),
                month=str(values["month"]),
                commits=int(values.get("commits") or 0),
                lines_changed=int(values.get("lines_changed") or 0),
                languages=tuple(str(x) for x in values.get("languages") or ()),
            )
        )
    return tuple(result)


class HasContributions(Protocol):
    """A vendor as the contribution table reads it."""

    @property
    def contributions(self) -> tuple[Contribution, ...]: ...


@dataclass(frozen=True)
class ContributionTable:
    """Every contributing vendor's months as flat arrays (`rows`: the vendor's index row)."""

    rows: np.ndarray
    products: np.ndarray  # str
    months: np.ndarray
    commits: np.ndarray
    lines: np.ndarray
    languages: tuple[frozenset[str], ...]

    @classmethod
    def build(cls, vendors: Sequence[HasContributions]) -> ContributionTable:
        """The table of `vendors` in index order (vendors without contributions add nothing)."""
        rows, products, months, commits, lines, languages = [], [], [], [], [], []
        for row, vendor in enumerate(vendors):
            for item in vendor.contributions:
                rows.append(row)
                products.append(item.product.lower())
                months.append(month_index(item.month))
                commits.append(item.commits)
                lines.append(item.lines_changed)
                languages.append(frozenset(normalize_language(x) for x in item.languages))
        return cls(
            np.asarray(rows, dtype=np.int64),
            np.asarray(products, dtype=object),
            np.asarray(months, dtype=np.int64),
            np.asarray(commits, dtype=np.float64),
            np.asarray(lines, dtype=np.float64),
            tuple(languages),
        )

    def decay(self, today: dt.date, half_life_months: float) -> np.ndarray:
        """Weight per entry: halves every half-life; months after `today` weigh 0."""
        age = month_index(today) - self.months
        weight = np.power(0.5, np.maximum(age, 0) / half_life_months)
        return np.where(age >= 0, weight, 0.0)


def product_experience(
    table: ContributionTable,
    vendors: int,
    products: Sequence[str],
    today: dt.date,
    settings: Settings,
) -> np.ndarray:
    """Per vendor, 0..1: recent commits to any of the task's products."""
    result = np.zeros(vendors)
    wanted = [p.lower() for p in products]
    if not wanted or not len(table.rows):
        return result
    mask = np.isin(table.products, wanted)
    weighted = table.commits * table.decay(today, settings.contribution_half_life_months) * mask
    np.add.at(result, table.rows, weighted)
    return 1.0 - np.exp(-result / settings.contribution_product_scale)


def technology_evidence(
    table: ContributionTable, vendors: int, codes: Sequence[str], today: dt.date, settings: Settings
) -> np.ndarray:
    """Per vendor, 0..1: recent lines changed in the languages the task's codes name, averaged
    over those languages (a month's lines count towards each of its languages)."""
    result = np.zeros(vendors)
    languages = tech_languages(codes)
    if not languages or not len(table.rows):
        return result
    decayed = table.lines * table.decay(today, settings.contribution_half_life_months)
    for language in languages:
        mask = np.fromiter((language in entry for entry in table.languages), bool, len(table.rows))
        per_vendor = np.zeros(vendors)
        np.add.at(per_vendor, table.rows, decayed * mask)
        result += 1.0 - np.exp(-per_vendor / settings.contribution_tech_scale)
    return result / len(languages)


def feature_columns(
    table: ContributionTable, vendors: int, task: TaskProfile, today: dt.date, settings: Settings
) -> dict[str, np.ndarray]:
    """Both contribution features for one task, as the ranker's feature columns."""
    codes = (*task.required_codes, *task.nice_to_have_codes)
    return {
        "contributed_product": product_experience(table, vendors, task.products, today, settings),
        "contributed_tech": technology_evidence(table, vendors, codes, today, settings),
    }


# --- evaluation: contribution histories beside an award file ---------------------------------


@dataclass(frozen=True)
class ContributionData:
    """Contribution histories of an award file's suppliers, and the products of its awards.

    The JSON form (`load_data`): `{"vendors": {supplier key: [[product, "YYYY-MM", commits,
    lines changed, [languages]], ...]}, "awards": {award id: [product, ...]}}`.
    """

    histories: Mapping[str, tuple[Contribution, ...]]
    products: Mapping[str, tuple[str, ...]]

    def vendor(self, profile: VendorProfile, supplier: str) -> VendorProfile:
        history = self.histories.get(supplier, ())
        return dataclasses.replace(profile, contributions=history) if history else profile

    def task(self, task: TaskProfile) -> TaskProfile:
        products = self.products.get(str(task.id), ())
        if not products:
            return task
        return dataclasses.replace(task, products=tuple(dict.fromkeys((*task.products, *products))))


def load_data(path: str | Path) -> ContributionData:
    with open(path, encoding="utf-8") as handle:
        raw = json.load(handle)
    return ContributionData(
        histories={str(k): from_records(v) for k, v in (raw.get("vendors") or {}).items()},
        products={str(k): tuple(str(p) for p in v) for k, v in (raw.get("awards") or {}).items()},
    )


def synthetic_product(topic: int, niche: int) -> str:
    return f"os2:synth-{topic:02d}-{niche}"


LANGUAGES = ("Python", "TypeScript", "PHP", "Java", "C#", "SQL", "HTML")


def synthetic_histories(
    vendors: Sequence[tuple[str, Iterable[tuple[int, int]]]],
    topics: int,
    niches: int,
    start: dt.date,
    seed: int = 1,
    active: float = 0.5,
    former: float = 0.3,
    drive_by: float = 0.1,
) -> dict[str, list[list[object]]]:
    """Monthly commits of each vendor (key, its (topic, niche) specialities) to the products.

    One product per topic niche. A vendor commits to a niche's product while it works in that
    niche (with probability `active`, from two years before `start` on); with probability
    `former` it committed years ago to a niche it no longer works in (3 to 5 years before
    `start`: what the decay should discount); with probability `drive_by` it made a few recent
    commits to some other niche's product (noise).
    """
    rng = np.random.default_rng(seed + 7919)
    first = month_index(start)
    result: dict[str, list[list[object]]] = {}

    def months(product: str, begin: int, end: int, rate: float, topic: int) -> list[list[object]]:
        rows: list[list[object]] = []
        language = LANGUAGES[topic % len(LANGUAGES)]
        for index in range(begin, end):
            commits = int(rng.poisson(rate))
            if commits:
                lines = int(commits * rng.lognormal(3.0, 0.8))
                month = f"{index // 12:04d}-{index % 12 + 1:02d}"
                rows.append([product, month, commits, lines, [language]])
        return rows

    for key, specialities in vendors:
        own = sorted(set(specialities))
        rows: list[list[object]] = []
        for topic, niche in own:
            if rng.random() < active:
                rate = float(rng.lognormal(0.8, 0.7))
                begin = first - 24 + int(rng.integers(0, 12))
                rows += months(synthetic_product(topic, niche), begin, first + 30, rate, topic)
        if rng.random() < former:
            topic, niche = int(rng.integers(topics)), int(rng.integers(niches))
            if (topic, niche) not in own:
                begin = first - 60 + int(rng.integers(0, 12))
                rate = float(rng.lognormal(1.0, 0.5))
                rows += months(synthetic_product(topic, niche), begin, begin + 12, rate, topic)
        if rng.random() < drive_by:
            topic, niche = int(rng.integers(topics)), int(rng.integers(niches))
            begin = first + int(rng.integers(-12, 24))
            rows += months(synthetic_product(topic, niche), begin, begin + 3, 0.7, topic)
        if rows:
            result[key] = rows
    return result
