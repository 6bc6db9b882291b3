"""Demo accounts: the organisations and one user of each staff role; every demo user shares
one password, printed by `market demo` and listed in the README."""

from __future__ import annotations

from market.accounts import services as accounts

DEMO_PASSWORD = "Demo-Partner-Market-2026"  # noqa: S105 - published in the README on purpose

STAFF = [
    # email, name, roles, organisation (None: the secretariat)
    ("sekretariat@demo.os2.dk", "Sofie Sekretariat", ["secretariat"], None),
    ("koordinator@demo.os2.dk", "Kasper Koordinator", ["coordinator", "municipality"], "Syddjurs"),
    ("kommune@demo.os2.dk", "Mette Kommune", ["municipality"], "Aarhus"),
]


async def load() -> list[str]:
    await accounts.seed_organisations()
    lines = [f"demo password for every demo user: {DEMO_PASSWORD}"]
    for email, name, roles, org_name in STAFF:
        if await accounts.get_user_by_email(email) is not None:
            continue
        org = await (accounts.find_organisation(org_name) if org_name else accounts.secretariat())
        assert org is not None
        await accounts.create_user(
            email=email,
            password=DEMO_PASSWORD,
            roles=roles,
            organisation=org,
            name=name,
            check_password=False,
        )
        lines.append(f"  {email:32} {', '.join(roles)}")
    return lines
