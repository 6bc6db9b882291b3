"""The per-role menus. A domain adds its entries here; the base layout shows what fits."""

from __future__ import annotations

from dataclasses import dataclass

from market.i18n import LazyString
from market.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class MenuItem:
    label: LazyString
    url: str
    roles: tuple[str, ...] = ()  # empty: everyone
    signed_in: bool = False


MENU: list[MenuItem] = [
    MenuItem(_l("Home"), "/"),
    MenuItem(_l("Audit log"), "/secretariat/audit", ("secretariat",)),
]


def menu_for(user: object | None, active_role: str = "") -> list[MenuItem]:
    roles = set(getattr(user, "roles", ()) or ())
    if active_role and active_role in roles:
        roles = {active_role}
    items = []
    for item in MENU:
        if item.signed_in and user is None:
            continue
        if item.roles and not roles.intersection(item.roles):
            continue
        items.append(item)
    return items
