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
    MenuItem(_l("Directory"), "/directory"),
    MenuItem(_l("My profile"), "/vendor/profile", ("vendor_admin", "vendor_member")),
    MenuItem(_l("Taxonomy"), "/secretariat/taxonomy", ("secretariat",)),
    MenuItem(_l("Solutions"), "/solutions"),
    MenuItem(_l("Wishes"), "/wishes", ("municipality",)),
    MenuItem(_l("Tasks"), "/tasks"),  # public: open tasks; coordinators also see their own
    MenuItem(_l("Releases"), "/releases", ("coordinator",)),
    MenuItem(_l("Partners register"), "/partners"),
    MenuItem(_l("Code of Conduct"), "/conduct"),
    MenuItem(_l("My company"), "/my-company", ("vendor_admin", "vendor_member")),
    MenuItem(_l("Opportunities"), "/opportunities", ("vendor_admin", "vendor_member")),  # 8
    MenuItem(_l("My bids"), "/my-bids", ("vendor_admin", "vendor_member")),
    MenuItem(_l("Code of Conduct desk"), "/secretariat/conduct", ("secretariat",)),
    MenuItem(_l("Matching weights"), "/secretariat/matching", ("secretariat",)),
    MenuItem(_l("Fairness"), "/secretariat/fairness", ("secretariat",)),
    MenuItem(_l("Statistics"), "/statistics"),
    MenuItem(_l("Alerts"), "/account/alerts", ("vendor_admin", "vendor_member", "coordinator")),
    MenuItem(_l("Alert settings"), "/secretariat/alerts", ("secretariat",)),
    MenuItem(_l("Privacy desk"), "/secretariat/privacy", ("secretariat",)),
    MenuItem(_l("Git identities"), "/vendor/identities", ("vendor_admin", "vendor_member")),
    MenuItem(_l("Contributions"), "/secretariat/contributions", ("secretariat",)),
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
