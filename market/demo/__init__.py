"""Demo data, seeded beside the domains: `market demo` (and `make run` into an empty database).

One module per domain's seed data, loaded in the order below (each loader takes nothing and
returns lines to print); `scale` adds a seeded market of any size for scale tests
(`market demo --vendors N --tasks M`). Every demo password is printed by `market demo` and
listed in the README.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from market.accounts.models import User
from market.demo import (
    accounts,
    alerts,
    bids,
    competencies,
    contributions,
    shortlists,
    solutions,
    tasks,
    vendors,
)
from market.demo.accounts import DEMO_PASSWORD

__all__ = ["DEMO_PASSWORD", "LOADERS", "load_demo"]

LOADERS: tuple[Callable[[], Awaitable[list[str]]], ...] = (
    accounts.load,  # organisations and one user of each staff role
    competencies.seed,  # the taxonomy: profiles and tasks name its codes
    vendors.load,
    competencies.load,  # the vendors' profiles
    solutions.load,
    tasks.load,
    bids.load,
    alerts.load,  # before shortlists, which alert
    contributions.load,  # before shortlists, which weigh contributions
    shortlists.load,  # ranks everything above, so last
)


async def load_demo(*, if_empty: bool = False) -> list[str]:
    if if_empty and await User.exists():
        return ["demo data already present: nothing loaded"]
    lines: list[str] = []
    for loader in LOADERS:
        lines.extend(await loader())
    return lines
