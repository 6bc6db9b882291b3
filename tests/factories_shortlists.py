"""Factories for matching tests: vendors with competency profiles in each conduct state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from market import clock
from market.competencies.models import VendorCompetency, VendorReference
from market.vendors.models import Vendor
from tests import factories_conduct as fc


async def vendor(
    name: str,
    *,
    codes: dict[str, str] | None = None,
    text: str = "",
    signed: bool = True,
    employees: int = 5,
    capacity: int | None = 200,
    rate: int | None = 800,
    references: list[tuple[str, str]] = (),  # type: ignore[assignment]
) -> Vendor:
    """A registered vendor (signed and countersigned unless `signed=False`) with a profile."""
    made, _admin = await (fc.active_vendor if signed else fc.vendor)(name=name, employees=employees)
    await Vendor.filter(id=made.id).update(
        profile_text_da=text,
        capacity_hours_per_month=capacity,
        hourly_rate_dkk=rate,
        profile_updated_at=clock.now(),
    )
    for code, level in (codes or {}).items():
        await VendorCompetency.create(vendor_id=made.id, code=code, level=level)
    for n, (title, description) in enumerate(references):
        await VendorReference.create(
            vendor_id=made.id,
            position=n,
            title=title,
            description=description,
            customer="Syddjurs Kommune",
        )
    return await Vendor.get(id=made.id)


PYTHON_TEXT = (
    "Vi udvikler webapplikationer i Python og Django til kommuner, herunder eksport "
    "af kontraktoversigter og rapporter til Excel og CSV."
)


async def pool() -> dict[str, Vendor]:
    """Five vendors: two eligible ones that fit, one that fits less, and three excluded."""
    fits = {"72000000": "expert", "tech:python": "expert", "tech:django": "experienced"}
    made: dict[str, Any] = {
        "best": await vendor(
            "Python Partner ApS",
            codes=fits,
            text=PYTHON_TEXT,
            references=[("Eksport af kontrakter", "CSV-eksport i OS2kitos")],
        ),
        "good": await vendor(
            "Django Huset ApS",
            codes={"tech:python": "experienced"},
            text="Python-udvikling til den offentlige sektor.",
            employees=80,
        ),
        "weak": await vendor(
            "Java Fabrikken A/S",
            codes={"tech:java": "expert"},
            text="Store Java-systemer.",
            employees=400,
        ),
        "unsigned": await vendor("Usigneret ApS", codes=fits, text=PYTHON_TEXT, signed=False),
        "busy": await vendor("Travl ApS", codes=fits, text=PYTHON_TEXT, capacity=1),
        "suspended": await vendor("Suspenderet ApS", codes=fits, text=PYTHON_TEXT),
    }
    await Vendor.filter(id=made["suspended"].id).update(
        suspended_at=clock.now() - dt.timedelta(minutes=5), suspension_reason="Klage"
    )
    return made
