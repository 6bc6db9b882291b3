"""The index's copy of every vendor profile, compressed; what explanations read, kept apart.

A profile is mostly text (150-350 words of profile, past task texts), which the index needs
only to hand the profile back (`Index.vendor`) and to persist it: it is kept as zlib-compressed
JSON. An explanation reads the codes, past awards and exclusion reasons of at most a few dozen
vendors per ranking: those are kept as small uncompressed JSON, quick to read. Contributions
(commit histories) are kept as objects for the few vendors that have any.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from matching import contributions as contrib
from matching.types import Contribution, PastAward, VendorProfile

LEVEL = 6  # zlib level: the profiles of 100,000 realistic vendors take about 270 MB


@dataclass(frozen=True)
class Explained:
    """What explanations read of one vendor."""

    id: int
    codes: Mapping[str, str]
    past_codes: tuple[str, ...]
    past_awards: tuple[PastAward, ...]
    ineligible_reasons: tuple[str, ...]


class ProfileStore:
    """vendor id -> profile, compressed (see the module docstring)."""

    def __init__(self) -> None:
        self._packed: dict[int, bytes] = {}
        self._explained: dict[int, bytes] = {}
        self._contributions: dict[int, tuple[Contribution, ...]] = {}

    def __len__(self) -> int:
        return len(self._packed)

    def __contains__(self, vendor_id: object) -> bool:
        return vendor_id in self._packed

    def __iter__(self) -> Iterator[int]:
        return iter(self._packed)

    @property
    def nbytes(self) -> int:
        """Bytes of the stored profiles (the encoded records, not the dicts around them)."""
        return sum(len(b) for b in self._packed.values()) + sum(
            len(b) for b in self._explained.values()
        )

    def put(self, vendor: VendorProfile) -> None:
        record = vendor_record(vendor)
        self._packed[vendor.id] = zlib.compress(_dumps(record), LEVEL)
        self._explained[vendor.id] = _dumps(
            [
                record["codes"],
                record["past_codes"],
                record["past_awards"],
                record["ineligible_reasons"],
            ]
        )
        if vendor.contributions:
            self._contributions[vendor.id] = vendor.contributions
        else:
            self._contributions.pop(vendor.id, None)

    def remove(self, vendor_id: int) -> None:
        del self._packed[vendor_id]
        del self._explained[vendor_id]
        self._contributions.pop(vendor_id, None)

    def get(self, vendor_id: int) -> VendorProfile | None:
        packed = self._packed.get(vendor_id)
        if packed is None:
            return None
        return vendor_from_record(json.loads(zlib.decompress(packed)))

    def record(self, vendor_id: int) -> dict[str, Any]:
        """The JSON record of a profile (as `vendor_record` gives it)."""
        result: dict[str, Any] = json.loads(zlib.decompress(self._packed[vendor_id]))
        return result

    def explained(self, vendor_id: int) -> Explained:
        codes, past_codes, awards, reasons = json.loads(self._explained[vendor_id])
        return Explained(
            id=vendor_id,
            codes=codes,
            past_codes=tuple(past_codes),
            past_awards=_awards(awards),
            ineligible_reasons=tuple(reasons),
        )

    def contributions(self, vendor_id: int) -> tuple[Contribution, ...]:
        return self._contributions.get(vendor_id, ())


def _dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _awards(records: list[dict[str, Any]]) -> tuple[PastAward, ...]:
    return tuple(
        PastAward(
            date=dt.date.fromisoformat(str(a["date"])) if a.get("date") else None,
            codes=tuple(a.get("codes") or ()),
            buyer=str(a.get("buyer") or ""),
        )
        for a in records
    )


def vendor_record(vendor: VendorProfile) -> dict[str, Any]:
    """A profile as JSON-ready values."""
    record = dataclasses.asdict(vendor)
    record["capacity_from"] = vendor.capacity_from.isoformat() if vendor.capacity_from else None
    record["past_awards"] = [
        {"date": a.date.isoformat() if a.date else None, "codes": list(a.codes), "buyer": a.buyer}
        for a in vendor.past_awards
    ]
    return record


def vendor_from_record(record: dict[str, Any]) -> VendorProfile:
    """The profile back from `vendor_record`'s values (after JSON)."""
    values = dict(record)
    values["codes"] = dict(values["codes"])
    for name in ("products", "past_task_texts", "past_codes", "past_buyers", "ratings"):
        values[name] = tuple(values[name])
    values["on_time"] = tuple(bool(v) for v in values["on_time"])
    values["ineligible_reasons"] = tuple(values["ineligible_reasons"])
    values["contributions"] = contrib.from_records(values.get("contributions") or ())
    values["past_awards"] = _awards(values.get("past_awards") or [])
    start = values["capacity_from"]
    values["capacity_from"] = dt.date.fromisoformat(str(start)) if start else None
    return VendorProfile(**values)
