"""Past awards: reading them (JSON lines or an OCDS release package) and turning them into
vendor and task profiles for the evaluation and the learned weights.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matching.types import TaskProfile, VendorProfile

SME_SCALES = {"sme", "micro", "small", "medium"}
LIVE_AWARD_STATUSES = {None, "", "active", "pending", "complete"}


@dataclass(frozen=True)
class Award:
    """One supplier winning one task (a multi-supplier award is one row per supplier)."""

    id: str
    date: dt.date
    title: str
    description: str
    codes: tuple[str, ...]
    buyer: str
    supplier: str
    supplier_name: str = ""
    supplier_sme: bool = False
    value: float | None = None

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.description}"


def load_awards(path: str | Path) -> list[Award]:
    """Awards from a JSON-lines file or an OCDS release package, sorted by (date, id)."""
    raw = Path(path).read_text(encoding="utf-8")
    stripped = raw.lstrip()
    document: Any = None
    if stripped.startswith("{"):
        try:
            document = json.loads(stripped)
        except json.JSONDecodeError:
            document = None  # several objects: JSON lines
    if isinstance(document, dict) and ("releases" in document or "records" in document):
        awards = list(_ocds_awards(document))
    elif isinstance(document, dict):
        awards = [_award_from_json(document)]
    else:
        awards = [_award_from_json(json.loads(line)) for line in raw.splitlines() if line.strip()]
    return sorted(awards, key=lambda award: (award.date, award.id, award.supplier))


def _parse_date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _award_from_json(row: dict[str, Any]) -> Award:
    date = _parse_date(row.get("date"))
    if date is None:
        raise ValueError(f"award {row.get('id')!r} has no valid date")
    value = row.get("value")
    return Award(
        id=str(row["id"]),
        date=date,
        title=str(row.get("title") or ""),
        description=str(row.get("description") or ""),
        codes=tuple(str(code) for code in row.get("codes") or ()),
        buyer=str(row.get("buyer") or ""),
        supplier=str(row["supplier"]),
        supplier_name=str(row.get("supplier_name") or ""),
        supplier_sme=bool(row.get("supplier_sme")),
        value=float(value) if isinstance(value, int | float) else None,
    )


def _ocds_awards(package: dict[str, Any]) -> Iterable[Award]:
    """One award per (ocid, award id, supplier); a later release of the same award wins."""
    releases = list(package.get("releases") or ())
    for record in package.get("records") or ():
        if isinstance(record.get("compiledRelease"), dict):
            releases.append(record["compiledRelease"])
    latest: dict[tuple[str, str, str], tuple[str, Award]] = {}
    for release in releases:
        for key, award in _release_awards(release):
            stamp = str(release.get("date") or "")
            if key not in latest or stamp >= latest[key][0]:
                latest[key] = (stamp, award)
    return [award for _, award in latest.values()]


def _cpv_codes(tender: dict[str, Any], award: dict[str, Any]) -> tuple[str, ...]:
    classifications = []
    for source in (tender, award):
        classifications.append(source.get("classification"))
        for item in source.get("items") or ():
            classifications.append(item.get("classification"))
            classifications.extend(item.get("additionalClassifications") or ())
    codes = []
    for classification in classifications:
        if not isinstance(classification, dict) or not classification.get("id"):
            continue
        if str(classification.get("scheme", "CPV")).upper() in ("CPV", "CPVS", ""):
            codes.append(str(classification["id"]))
    return tuple(dict.fromkeys(codes))


def _release_awards(release: dict[str, Any]) -> Iterable[tuple[tuple[str, str, str], Award]]:
    tender = release.get("tender") or {}
    parties = {party.get("id"): party for party in release.get("parties") or ()}
    buyer = release.get("buyer") or {}
    for award in release.get("awards") or ():
        if award.get("status") not in LIVE_AWARD_STATUSES:
            continue
        date = _parse_date(award.get("date")) or _parse_date(release.get("date"))
        if date is None:
            continue
        value = (award.get("value") or {}).get("amount")
        for supplier in award.get("suppliers") or ():
            key = str(supplier.get("id") or supplier.get("name") or "").strip()
            if not key:
                continue
            party = parties.get(supplier.get("id")) or {}
            scale = str((party.get("details") or {}).get("scale") or "").lower()
            award_id = str(award.get("id") or release.get("id"))
            yield (
                (str(release.get("ocid")), award_id, key),
                Award(
                    id=f"{award_id}:{key}",
                    date=date,
                    title=str(award.get("title") or tender.get("title") or ""),
                    description=str(award.get("description") or tender.get("description") or ""),
                    codes=_cpv_codes(tender, award),
                    buyer=str(buyer.get("id") or buyer.get("name") or ""),
                    supplier=key,
                    supplier_name=str(supplier.get("name") or ""),
                    supplier_sme=scale in SME_SCALES,
                    value=float(value) if isinstance(value, int | float) else None,
                ),
            )


def code_level(count: int) -> str:
    """How often a supplier won under a code says how expert it is there."""
    if count >= 3:
        return "expert"
    return "experienced" if count == 2 else "basic"


def vendor_from_awards(vendor_id: int, awards: Sequence[Award]) -> VendorProfile:
    """A vendor profile built only from the given (training) awards of one supplier."""
    texts = tuple(award.text for award in awards)
    counts = Counter(code for award in awards for code in award.codes)
    return VendorProfile(
        id=vendor_id,
        name=awards[-1].supplier_name or awards[-1].supplier,
        size_class="small" if any(award.supplier_sme for award in awards) else "large",
        profile_text="\n".join(texts),
        codes={code: code_level(count) for code, count in sorted(counts.items())},
        past_task_texts=texts,
        past_codes=tuple(sorted(counts)),
        past_buyers=tuple(award.buyer for award in awards if award.buyer),
        award_count=len(awards),
    )


def task_from_award(award: Award) -> TaskProfile:
    return TaskProfile(
        id=award.id,
        title=award.title,
        description=award.description,
        required_codes=award.codes,
        published_at=award.date,
        buyer=award.buyer or None,
    )
