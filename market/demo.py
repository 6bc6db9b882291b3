"""Demo data: one user of each role and, from later domains, vendors, tasks and bids.

Every demo password is printed by `market demo` and listed in the README.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from market.accounts import services as accounts
from market.accounts.models import User

DEMO_PASSWORD = "Demo-Partner-Market-2026"  # noqa: S105 - published in the README on purpose

STAFF = [
    # email, name, roles, organisation (None: the secretariat)
    ("sekretariat@demo.os2.dk", "Sofie Sekretariat", ["secretariat"], None),
    ("koordinator@demo.os2.dk", "Kasper Koordinator", ["coordinator", "municipality"], "Syddjurs"),
    ("kommune@demo.os2.dk", "Mette Kommune", ["municipality"], "Aarhus"),
]

# Later domains append loaders: each takes nothing and returns lines to print.
LOADERS: list[Callable[[], Awaitable[list[str]]]] = []
LOADERS.append(__import__("market.competencies.demo", fromlist=["x"]).seed)  # taxonomy first
LOADERS.append(__import__("market.vendors.demo", fromlist=["load"]).load)
LOADERS.append(__import__("market.competencies.demo", fromlist=["x"]).load)  # vendor profiles
LOADERS.append(__import__("market.solutions.demo", fromlist=["load"]).load)
LOADERS.append(__import__("market.tasks.demo", fromlist=["load"]).load)
LOADERS.append(__import__("market.bids.demo", fromlist=["load"]).load)
LOADERS.append(__import__("market.alerts.demo", fromlist=["load"]).load)  # before shortlists
LOADERS.append(__import__("market.contributions.demo", fromlist=["load"]).load)  # before shortlists
LOADERS.append(__import__("market.shortlists.demo", fromlist=["load"]).load)  # ranks all, so last


async def load_demo(*, if_empty: bool = False) -> list[str]:
    if if_empty and await User.exists():
        return ["demo data already present: nothing loaded"]
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
    for loader in LOADERS:
        lines.extend(await loader())
    return lines
