"""Demo vendors in every Code of Conduct state, each with a vendor_admin user."""

from __future__ import annotations

import datetime as dt

from market.accounts.models import User
from market.accounts.services import get_user_by_email, secretariat
from market.conduct import services as conduct
from market.conduct.models import ConductVersion, Decision
from market.conduct.schemas import Signing, VersionPublish
from market.conduct.states import State
from market.demo.accounts import DEMO_PASSWORD
from market.vendors import services
from market.vendors.models import Vendor

# name, slug, employees, the state it should end in
VENDORS = [
    ("Aarhus Kodeværksted ApS", "aarhus-kodevaerksted", 4, State.ACTIVE),
    ("Nordlys Digital A/S", "nordlys-digital", 120, State.ACTIVE),
    ("Fjordsoft ApS", "fjordsoft", 18, State.ACTIVE),
    ("Skagen Software A/S", "skagen-software", 400, State.ACTIVE),
    ("Møn Web & Data", "moen-web-data", 2, State.ACTIVE),
    ("Vestkyst IT ApS", "vestkyst-it", 3, State.AWAITING),
    ("Bornholm Open Source ApS", "bornholm-open-source", 7, State.OUTDATED),
    ("Datahuset Fyn A/S", "datahuset-fyn", 300, State.OUTDATED),
    ("Limfjord Data ApS", "limfjord-data", 25, State.NOT_SIGNED),
    ("Sønderjysk Systemudvikling ApS", "soenderjysk-system", 40, State.SUSPENDED),
    ("Kattegat Konsulenterne I/S", "kattegat-konsulenterne", 80, State.REJECTED),
    ("Himmerland Tech ApS", "himmerland-tech", 12, State.REVOKED),
]
CONTACTS = [
    "Anne Jensen",
    "Bo Nielsen",
    "Camilla Hansen",
    "Dan Pedersen",
    "Eva Andersen",
    "Frederik Christensen",
    "Gitte Larsen",
    "Henrik Sørensen",
    "Ida Rasmussen",
    "Jonas Jørgensen",
    "Karen Petersen",
    "Lars Madsen",
]
VERSION_2 = "2"
VERSION_2_FROM = dt.date(2026, 9, 1)
VERSION_2_GRACE = 365


def demo_cvr(n: int) -> str:
    """The n-th CVR number (from 3100000x) that passes the modulus-11 check."""
    found = 0
    prefix = 3100000
    while True:
        digits = [int(d) for d in str(prefix)]
        check = -sum(d * w for d, w in zip(digits, services.CVR_WEIGHTS[:7], strict=True)) % 11
        if check < 10:
            if found == n:
                return f"{prefix}{check}"
            found += 1
        prefix += 1


async def _version_2(version_1: ConductVersion) -> ConductVersion:
    existing = await conduct.get_version(VERSION_2)
    if existing is not None:
        return existing
    extra_da = (
        "\n## 9. Sikkerhed og persondata\n\nVi behandler kommunernes data efter "
        "databeskyttelsesforordningen og produktets databehandleraftale, og vi bruger "
        "ikke kommunernes data til andet end opgaven.\n"
    )
    extra_en = (
        "\n## 9. Security and personal data\n\nWe process the municipalities' data under "
        "the GDPR and the product's data processing agreement, and we use it for nothing "
        "but the task.\n"
    )
    return await conduct.publish_version(
        VersionPublish(
            version=VERSION_2,
            title="Adfærdskodeks for leverandørpartnere (2. udgave)",
            text=version_1.text.replace("Version 1.", "Version 2.", 1) + extra_da,
            text_en=version_1.text_en.replace("Version 1.", "Version 2.", 1) + extra_en,
            effective_from=VERSION_2_FROM,
            grace_days=VERSION_2_GRACE,
        ),
        actor=None,
    )


async def _sign(vendor: Vendor, admin: User, version: ConductVersion, title: str) -> int:
    signature = await conduct.sign(
        vendor,
        admin,
        Signing(
            version=version.label,
            sha256=version.sha256,
            signer_name=admin.name,
            signer_title=title,
            accept=True,
        ),
        address="demo",
    )
    return signature.id


async def load() -> list[str]:
    version_1 = await conduct.ensure_seed_conduct()
    staff = await secretariat()
    desk = await User.filter(organisation_id=staff.id).first()
    lines = ["vendors (each admin: <slug>@demo-vendor.dk, the demo password):"]
    if await get_user_by_email(f"{VENDORS[0][1]}@demo-vendor.dk") is not None:
        return [*lines, "  already loaded"]
    version_2 = None
    plans = []
    for n, (name, slug, employees, state) in enumerate(VENDORS):
        vendor, admin = await services.register_vendor(
            services.Registration(
                name=name,
                cvr=demo_cvr(n),
                email=f"{slug}@demo-vendor.dk",
                password=DEMO_PASSWORD,
                contact_name=CONTACTS[n],
                employees=employees,
                website=f"https://{slug}.example.dk",
                address=f"Havnegade {n + 1}, 8000 Aarhus C",
            )
        )
        plans.append((vendor, admin, state))
        # Outdated vendors signed version 1 while it was in force.
        if state == State.OUTDATED:
            sid = await _sign(vendor, admin, version_1, "Direktør")
            await conduct.decide_signature(sid, Decision.COUNTERSIGNED, actor=desk)  # type: ignore[arg-type]
    version_2 = await _version_2(version_1)
    for vendor, admin, state in plans:
        if state in (State.OUTDATED, State.NOT_SIGNED):
            pass
        else:
            sid = await _sign(vendor, admin, version_2, "Direktør")
            if state in (State.ACTIVE, State.SUSPENDED, State.REVOKED):
                await conduct.decide_signature(sid, Decision.COUNTERSIGNED, actor=desk)  # type: ignore[arg-type]
            if state == State.REJECTED:
                await conduct.decide_signature(
                    sid,
                    Decision.REJECTED,
                    actor=desk,  # type: ignore[arg-type]
                    reason="Underskriveren kan ikke tegne virksomheden ifølge CVR.",
                )
            if state == State.REVOKED:
                await conduct.decide_signature(
                    sid,
                    Decision.REVOKED,
                    actor=desk,  # type: ignore[arg-type]
                    reason="Ændringer blev ikke givet tilbage til fællesskabet.",
                )
        if state == State.SUSPENDED:
            await services.suspend(vendor.id, "Klage under behandling i bestyrelsen.", actor=desk)  # type: ignore[arg-type]
        lines.append(f"  {admin.email:42} {vendor.cvr}  {vendor.size_class:6} {state}")
    return lines
