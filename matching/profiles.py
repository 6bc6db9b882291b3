"""What the index keeps of each vendor besides its term counts: no texts, no full profile.

The texts are in the term counts and the numbers in the index's numeric table; what a
ranking's explanations read (codes, past codes and awards, eligibility with its reasons,
size class) is kept here per vendor as small zlib-compressed JSON, decoded only for the few
dozen vendors a ranking explains. Contributions (commit histories) are kept as objects for
the few vendors that have any. A vendor's eligibility changes in place (`set_eligibility`),
so the app never hands the index a whole profile again for it.

At 100,000 realistic vendors these records take about 20 MB; the full profiles the index used
to keep (compressed) took about 300 MB.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matching import contributions as contrib
from matching.types import SME_SIZES, Contribution, PastAward, VendorProfile

LEVEL = 6  # zlib level of the kept records (about 190 bytes per realistic vendor)


@dataclass(frozen=True)
class Explained:
    """What the index keeps of one vendor (its texts and numbers are not here)."""

    id: int
    codes: Mapping[str, str]
    past_codes: tuple[str, ...]
    ineligible_reasons: tuple[str, ...]
    eligible: bool = True
    size_class: str = "small"
    # Past awards as stored: (ISO date or None, codes, buyer); `past_awards` makes them
    # `PastAward`s when asked (an explanation reads only the years and codes of dated ones).
    award_records: tuple[tuple[str | None, tuple[str, ...], str], ...] = ()

    @property
    def sme(self) -> bool:
        """Micro, small and medium companies are SMEs (as `VendorProfile.sme`)."""
        return self.size_class in SME_SIZES

    @functools.cached_property
    def past_awards(self) -> tuple[PastAward, ...]:
        return tuple(
            PastAward(dt.date.fromisoformat(date) if date else None, codes, buyer)
            for date, codes, buyer in self.award_records
        )

    def dated_awards(self) -> list[tuple[int, tuple[str, ...]]]:
        """(year, codes) of every dated award."""
        return [(int(date[:4]), codes) for date, codes, _buyer in self.award_records if date]


class ProfileStore:
    """vendor id -> what the index keeps of it (see the module docstring)."""

    def __init__(self) -> None:
        self._kept: dict[int, bytes] = {}
        self._contributions: dict[int, tuple[Contribution, ...]] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def __contains__(self, vendor_id: object) -> bool:
        return vendor_id in self._kept

    def __iter__(self) -> Iterator[int]:
        return iter(self._kept)

    @property
    def nbytes(self) -> int:
        """Bytes of the kept records (the encoded records, not the dict around them)."""
        return sum(len(b) for b in self._kept.values())

    def put(self, vendor: VendorProfile) -> None:
        self._kept[vendor.id] = _pack(
            [
                dict(vendor.codes),
                list(vendor.past_codes),
                _award_records(vendor.past_awards),
                list(vendor.ineligible_reasons),
                vendor.eligible,
                vendor.size_class,
            ]
        )
        self._set_contributions(vendor.id, vendor.contributions)

    def _set_contributions(self, vendor_id: int, found: tuple[Contribution, ...]) -> None:
        if found:
            self._contributions[vendor_id] = found
        else:
            self._contributions.pop(vendor_id, None)

    def remove(self, vendor_id: int) -> None:
        del self._kept[vendor_id]
        self._contributions.pop(vendor_id, None)

    def get(self, vendor_id: int) -> Explained | None:
        packed = self._kept.get(vendor_id)
        return None if packed is None else _explained(vendor_id, packed)

    def explained(self, vendor_id: int) -> Explained:
        return _explained(vendor_id, self._kept[vendor_id])

    def set_eligibility(self, vendor_id: int, eligible: bool, reasons: Sequence[str]) -> bool:
        """Change a vendor's eligibility and reasons; False when they were already these."""
        values = json.loads(zlib.decompress(self._kept[vendor_id]))
        if values[3] == list(reasons) and values[4] == eligible:
            return False
        values[3], values[4] = list(reasons), bool(eligible)
        self._kept[vendor_id] = _pack(values)
        return True

    def contributions(self, vendor_id: int) -> tuple[Contribution, ...]:
        return self._contributions.get(vendor_id, ())

    # -- persistence (`Index.to_bytes`) ---------------------------------------------------

    def packed(self, vendor_id: int) -> bytes:
        """The kept record as stored (compressed JSON)."""
        return self._kept[vendor_id]

    def put_packed(self, vendor_id: int, packed: bytes) -> None:
        """A record as `packed` gave it (checked: it must decode to the kept fields)."""
        _explained(vendor_id, packed)
        self._kept[vendor_id] = packed

    def contribution_records(self) -> dict[str, list[dict[str, Any]]]:
        """The contributions as JSON-ready values, by vendor id (as text)."""
        return {
            str(vendor_id): [dataclasses.asdict(c) for c in found]
            for vendor_id, found in self._contributions.items()
        }

    def put_contribution_records(self, records: Mapping[str, Sequence[Any]]) -> None:
        for vendor_id, found in records.items():
            self._set_contributions(int(vendor_id), contrib.from_records(found))


def _pack(values: list[Any]) -> bytes:
    return zlib.compress(json.dumps(values, separators=(",", ":")).encode(), LEVEL)


def _explained(vendor_id: int, packed: bytes) -> Explained:
    codes, past_codes, awards, reasons, eligible, size_class = json.loads(zlib.decompress(packed))
    return Explained(
        id=vendor_id,
        codes=dict(codes),
        past_codes=tuple(past_codes),
        ineligible_reasons=tuple(reasons),
        eligible=bool(eligible),
        size_class=str(size_class),
        award_records=tuple(
            (a.get("date") or None, tuple(a.get("codes") or ()), str(a.get("buyer") or ""))
            for a in awards
        ),
    )


def _award_records(awards: Sequence[PastAward]) -> list[dict[str, Any]]:
    return [
        {"date": a.date.isoformat() if a.date else None, "codes": list(a.codes), "buyer": a.buyer}
        for a in awards
    ]
