"""Factories for competency tests: vendors made directly (the vendors package owns sign-up)."""

from __future__ import annotations

import itertools
from typing import Any

from market.accounts.models import OrganisationKind, User
from market.competencies.services import seed_taxonomy
from market.vendors.models import Vendor
from tests import factories

_seq = itertools.count(1)


async def taxonomy() -> None:
    await seed_taxonomy()


async def vendor(
    name: str | None = None, *, employees: int = 5, **overrides: Any
) -> tuple[Vendor, User]:
    """A vendor with its organisation and a vendor_admin user."""
    n = next(_seq)
    name = name or f"Testleverandør {n} ApS"
    org = await factories.organisation(OrganisationKind.VENDOR, name=name)
    values: dict[str, Any] = {
        "organisation": org,
        "name": name,
        "cvr": f"{90000000 + n:08d}",
        "employees": employees,
        "contact_name": f"Kontakt {n}",
        "email": f"kontakt{n}@leverandoer.dk",
    }
    values.update(overrides)
    made = await Vendor.create(**values)
    admin = await factories.user("vendor_admin", organisation=org)
    return made, admin


def profile_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "profile_text": (
            "Vi udvikler selvbetjeningsløsninger i Drupal og Python til kommuner, "
            "med fokus på tilgængelighed og integration til Serviceplatformen."
        ),
        "hourly_rate_dkk": 900,
        "capacity_hours_per_month": 200,
        "team_size": 4,
        "working_languages": ["da", "en"],
        "competencies": [
            {"code": "72212000", "level": "expert"},
            {"code": "tech:python", "level": "experienced"},
            {"code": "os2:os2forms", "level": "basic"},
        ],
        "references": [
            {
                "title": "Formularer til byggesager",
                "customer": "Syddjurs Kommune",
                "year": 2024,
                "description": "Ti formularer med MitID.",
                "codes": ["os2:os2forms"],
            }
        ],
    }
    body.update(overrides)
    return body
