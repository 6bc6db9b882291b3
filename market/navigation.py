"""The per-role menus. A domain adds its entries here; the base layout shows what fits."""

from __future__ import annotations

from dataclasses import dataclass

from market.i18n import LazyString
from market.i18n import lazy_gettext as _l
from market.urls import url


@dataclass(frozen=True)
class MenuItem:
    label: LazyString
    route: str  # the route's name in market/routes.py
    roles: tuple[str, ...] = ()  # empty: everyone
    signed_in: bool = False

    @property
    def url(self) -> str:
        return url(self.route)


MENU: list[MenuItem] = [
    MenuItem(_l("Home"), "home"),
    MenuItem(_l("Audit log"), "audit.log", ("secretariat",)),
    MenuItem(_l("Directory"), "competencies.directory"),
    MenuItem(_l("My profile"), "competencies.profile", ("vendor_admin", "vendor_member")),
    MenuItem(_l("Taxonomy"), "competencies.taxonomy", ("secretariat",)),
    MenuItem(_l("Solutions"), "solutions.list"),
    MenuItem(_l("Wishes"), "wishes.list", ("municipality",)),
    MenuItem(_l("Tasks"), "tasks.list"),  # public: open tasks; coordinators also see their own
    MenuItem(_l("Releases"), "releases.list", ("coordinator",)),
    MenuItem(_l("Partners register"), "vendors.partners"),
    MenuItem(_l("Code of Conduct"), "conduct.current"),
    MenuItem(_l("My company"), "vendors.my_company", ("vendor_admin", "vendor_member")),
    MenuItem(_l("Opportunities"), "bids.opportunities", ("vendor_admin", "vendor_member")),  # 8
    MenuItem(_l("My bids"), "bids.mine", ("vendor_admin", "vendor_member")),
    MenuItem(_l("Code of Conduct desk"), "conduct.desk", ("secretariat",)),
    MenuItem(_l("Matching weights"), "shortlists.weights", ("secretariat",)),
    MenuItem(_l("Fairness"), "shortlists.fairness", ("secretariat",)),
    MenuItem(_l("Statistics"), "opendata.statistics"),
    MenuItem(_l("Alerts"), "alerts.preferences", ("vendor_admin", "vendor_member", "coordinator")),
    MenuItem(_l("Alert settings"), "alerts.settings", ("secretariat",)),
    MenuItem(_l("Privacy desk"), "privacy.desk", ("secretariat",)),
    MenuItem(_l("Git identities"), "contributions.identities", ("vendor_admin", "vendor_member")),
    MenuItem(_l("Contributions"), "contributions.desk", ("secretariat",)),
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
