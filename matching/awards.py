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

from matching.types import PastAward, TaskProfile, VendorProfile

SME_SCALES = {"sme", "micro", "small", "medium", "selfemployed"}  # OCDS partyScale
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


class Skipped(list[str]):
    """Why rows of an award file were left out (one line each), for the command to report."""


def load_awards(path: str | Path, skipped: Skipped | None = None) -> list[Award]:
    """Awards from a file, sorted by (date, id). The file may hold:

    - JSON lines, one award per line (MATCHING.md), or a JSON array of such awards;
    - an OCDS release package or record package;
    - JSON lines of OCDS releases or packages (the usual bulk download form).

    A row that cannot be read (bad JSON, no supplier, no valid date) is left out, and the reason
    is added to `skipped` when given; one bad row never stops the whole file.
    """
    skipped = skipped if skipped is not None else Skipped()
    raw = Path(path).read_text(encoding="utf-8-sig")
    stripped = raw.strip()
    document: Any = None
    if stripped.startswith(("{", "[")):
        try:
            document = json.loads(stripped)
        except json.JSONDecodeError:
            document = None  # several objects: JSON lines
    objects: list[tuple[str, Any]] = []  # (where: "line 3" or "item 3", the object)
    if document is not None:
        items = document if isinstance(document, list) else [document]
        objects = [(f"item {n}", item) for n, item in enumerate(items, start=1)]
    else:
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                objects.append((f"line {number}", json.loads(line)))
            except json.JSONDecodeError as exc:
                skipped.append(f"line {number}: not JSON ({exc.msg})")
    awards: list[Award] = []
    packages: dict[str, Any] = {"releases": [], "records": []}
    for where, item in objects:
        if not isinstance(item, dict):
            skipped.append(f"{where}: not a JSON object")
        elif "releases" in item or "records" in item:
            packages["releases"].extend(item.get("releases") or ())
            packages["records"].extend(item.get("records") or ())
        elif "ocid" in item and ("awards" in item or "tender" in item):
            packages["releases"].append(item)
        else:
            try:
                awards.append(_award_from_json(item, where))
            except ValueError as exc:
                skipped.append(f"{where}: {exc}")
    if packages["releases"] or packages["records"]:
        awards.extend(_ocds_awards(packages))
    return sorted(awards, key=lambda award: (award.date, award.id, award.supplier))


def _parse_date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


TRUE_WORDS = {"true", "yes", "y", "1", "sme", "ja", "j", "micro", "small", "medium"}


def _flag(value: Any) -> bool:
    """A yes/no field as files write it: true, "true", "yes", 1, "1", "SME" ... (else False)."""
    if isinstance(value, str):
        return value.strip().lower() in TRUE_WORDS
    return bool(value) if isinstance(value, bool | int | float) else False


def _codes(value: Any) -> tuple[str, ...]:
    """A list of codes, or one string of codes separated by commas, semicolons or spaces."""
    if value is None:
        return ()
    if isinstance(value, str | int):
        value = str(value).replace(",", " ").replace(";", " ").split()
    if not isinstance(value, list | tuple):
        return ()
    return tuple(dict.fromkeys(str(code).strip() for code in value if str(code).strip()))


def _award_from_json(row: dict[str, Any], where: str = "") -> Award:
    name = repr(row["id"]) if row.get("id") else "without an id"
    date = _parse_date(row.get("date"))
    if date is None:
        raise ValueError(f"award {name} has no valid date (YYYY-MM-DD)")
    supplier = str(row.get("supplier") or "").strip()
    if not supplier:
        raise ValueError(f"award {name} has no supplier")
    value = row.get("value")
    return Award(
        id=str(row.get("id") or where.replace(" ", "-") or "row"),
        date=date,
        title=str(row.get("title") or ""),
        description=str(row.get("description") or ""),
        codes=_codes(row.get("codes")),
        buyer=str(row.get("buyer") or ""),
        supplier=supplier,
        supplier_name=str(row.get("supplier_name") or ""),
        supplier_sme=_flag(row.get("supplier_sme")),
        value=float(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else None,
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
    buyer = release.get("buyer") or tender.get("procuringEntity") or {}
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
        past_awards=tuple(PastAward(award.date, award.codes, award.buyer) for award in awards),
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
