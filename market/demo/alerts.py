"""Demo alert preferences: vendor users who want alerts at once, weekly, not at all, and one
saved search; the others keep the default daily digest."""

from __future__ import annotations

from market.accounts.services import get_user_by_email
from market.alerts import services
from market.alerts.schemas import PreferencesUpdate, SearchSave
from market.schemas import parse

PREFERENCES = (
    ("aarhus-kodevaerksted@demo-vendor.dk", {"frequency": "instant"}),
    ("moen-web-data@demo-vendor.dk", {"frequency": "weekly", "language": "en"}),
    ("skagen-software@demo-vendor.dk", {"frequency": "off"}),
    ("fjordsoft@demo-vendor.dk", {"frequency": "daily", "min_budget_dkk": 50000}),
)
SEARCHES = (("fjordsoft@demo-vendor.dk", {"query": "eksport"}),)


async def load() -> list[str]:
    lines = []
    for email, values in PREFERENCES:
        user = await get_user_by_email(email)
        if user is None:
            continue
        await services.update_preferences(user, parse(PreferencesUpdate, values))
        lines.append(f"alerts: {email} gets {values['frequency']} alerts")
    for email, search in SEARCHES:
        user = await get_user_by_email(email)
        if user is not None and not await services.saved_searches(user):
            await services.save_search(user, parse(SearchSave, search))
            lines.append(f"alerts: {email} keeps a saved search for {search['query']!r}")
    return lines
