"""Factories for vendors, Code of Conduct versions and signatures."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from market import clock
from market.accounts.models import User
from market.conduct import services as conduct
from market.conduct.models import ConductVersion, Decision
from market.conduct.schemas import Signing, VersionPublish
from market.schemas import parse
from market.vendors import services as vendors
from market.vendors.models import Vendor
from tests.factories import PASSWORD

_seq = itertools.count(1)
_cvr_prefix = itertools.count(4_100_000)


def valid_cvr() -> str:
    """A fresh CVR number that passes the modulus-11 check."""
    while True:
        prefix = str(next(_cvr_prefix))
        check = -sum(int(d) * w for d, w in zip(prefix, vendors.CVR_WEIGHTS[:7], strict=True)) % 11
        if check < 10:
            return f"{prefix}{check}"


def registration(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    body: dict[str, Any] = {
        "name": f"Testleverandør {n} ApS",
        "cvr": valid_cvr(),
        "email": f"admin{n}@vendor{n}.example.dk",
        "password": PASSWORD,
        "contact_name": f"Kontakt Person {n}",
        "employees": 5,
        "website": f"https://vendor{n}.example.dk",
    }
    body.update(overrides)
    return body


async def vendor(**overrides: Any) -> tuple[Vendor, User]:
    body = registration(**overrides)
    return await vendors.register_vendor(parse(vendors.Registration, body))


async def version_1() -> ConductVersion:
    return await conduct.ensure_seed_conduct()


async def version(
    label: str,
    *,
    effective_from: dt.date | None = None,
    grace_days: int = 30,
    text: str | None = None,
) -> ConductVersion:
    return await conduct.publish_version(
        VersionPublish(
            version=label,
            title=f"Adfærdskodeks {label}",
            text=text or f"# Version {label}\n\nTekst.",
            text_en=f"# Version {label}\n\nText.",
            effective_from=effective_from or clock.today(),
            grace_days=grace_days,
        ),
        actor=None,
    )


async def signed(
    vendor_row: Vendor,
    admin: User,
    version_row: ConductVersion,
    *,
    countersign: bool = True,
    secretariat: User | None = None,
) -> int:
    signature = await conduct.sign(
        vendor_row,
        admin,
        Signing(
            version=version_row.label,
            sha256=version_row.sha256,
            signer_name=admin.name,
            signer_title="Direktør",
            accept=True,
        ),
    )
    if countersign:
        if secretariat is None:
            from tests.factories import user

            secretariat = await user("secretariat")
        await conduct.decide_signature(signature.id, Decision.COUNTERSIGNED, actor=secretariat)
    return signature.id


async def active_vendor(**overrides: Any) -> tuple[Vendor, User]:
    row, admin = await vendor(**overrides)
    current = await conduct.current_version() or await version_1()
    await signed(row, admin, current)
    return row, admin
