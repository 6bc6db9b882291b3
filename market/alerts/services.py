"""Alert preferences, saved searches, the private feeds' secrets and one-click unsubscribe.

Every write of the alerts domain that a person makes lives here; what the jobs send lives in
`market.alerts.delivery`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from tortoise.exceptions import IntegrityError

from market import clock, urls
from market.accounts.models import User
from market.alerts.models import AlertPreference, AlertSettings, Frequency, SavedSearch
from market.alerts.schemas import FitSettingsUpdate, PreferencesUpdate, SearchSave
from market.audit.services import record
from market.competencies.models import Competency
from market.db import transaction
from market.errors import NotFound, ValidationFailed
from market.i18n import LANGUAGES, get_language
from market.i18n import gettext as _
from market.security.secrets import derived, new_secret, same
from market.settings import Settings
from market.solutions.models import Solution
from market.tasks.rules import unknown_codes

SETTINGS_ID = 1
# Chosen from the award-history replay (docs/matching.md, "Alerts"): recall against volume.
DEFAULT_TOP_N = 10
MAX_SAVED_SEARCHES = 20
UNSUBSCRIBE_SALT = "alerts-unsubscribe"
# What an unsubscribe link turns off: alert and digest mail, or deadline reminders.
LISTS = ("alerts", "reminders")


def default_preference(user: User) -> AlertPreference:
    """What a user without a saved row gets: a daily digest of the tasks that fit."""
    return AlertPreference(
        user_id=user.id,
        frequency=Frequency.DAILY,
        codes=[],
        products=[],
        min_budget_dkk=None,
        language=user.language if user.language in LANGUAGES else "da",
        reminders=True,
    )


async def preference_of(user: User) -> AlertPreference:
    """The user's saved preferences, or the defaults (not saved)."""
    return await AlertPreference.get_or_none(user_id=user.id) or default_preference(user)


async def ensure_preference(user: User) -> AlertPreference:
    """The user's row, created with the defaults (and a feed salt) on first use."""
    row = await AlertPreference.get_or_none(user_id=user.id)
    if row is not None and row.feed_salt:
        return row
    if row is not None:
        row.feed_salt = new_secret(12)
        await row.save(update_fields=["feed_salt"])
        return row
    fresh = default_preference(user)
    fresh.feed_salt = new_secret(12)
    try:
        async with transaction():
            await fresh.save()
        return fresh
    except IntegrityError:
        return await AlertPreference.get(user_id=user.id)


# --- reading and saving preferences -----------------------------------------------------------


async def _unknown_codes(codes: list[str]) -> dict[str, str]:
    unknown = await unknown_codes(codes)
    if unknown:
        return {"codes": _("Unknown codes: %(codes)s.") % {"codes": ", ".join(unknown)}}
    return {}


async def _known_products(names: list[str], errors: dict[str, str]) -> list[str]:
    if not names:
        return []
    rows = await Solution.all().values_list("name", flat=True)
    known = {str(name).lower(): str(name) for name in rows}
    unknown = [p for p in names if p.lower() not in known]
    if unknown:
        errors["products"] = _("Unknown products: %(names)s.") % {"names": ", ".join(unknown)}
        return []
    return sorted({known[p.lower()] for p in names})


async def read_preferences(data: PreferencesUpdate) -> dict[str, Any]:
    """The preference fields sent, checked against the taxonomy and the solutions; a field
    left out (or null, but for the minimum budget) keeps its value. 422 naming every field
    that is wrong."""
    clean: dict[str, Any] = {}
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None and name in ("codes", "products"):
            value = []
        if value is not None or name == "min_budget_dkk":
            clean[name] = value
    errors: dict[str, str] = {}
    if "codes" in clean:
        errors.update(await _unknown_codes(clean["codes"]))
    if "products" in clean:
        clean["products"] = await _known_products(clean["products"], errors)
    if errors:
        raise ValidationFailed(_("Check your alert settings."), errors)
    return clean


def _snapshot(row: AlertPreference) -> dict[str, Any]:
    return {
        "frequency": row.frequency,
        "codes": list(row.codes),
        "products": list(row.products),
        "min_budget_dkk": row.min_budget_dkk,
        "language": row.language,
        "reminders": row.reminders,
    }


async def update_preferences(
    user: User, data: PreferencesUpdate, *, actor: User | None = None, address: str = ""
) -> AlertPreference:
    """Save the user's alert preferences (audited)."""
    row = await ensure_preference(user)
    clean = await read_preferences(data)
    before = _snapshot(row)
    async with transaction():
        if clean:
            await AlertPreference.filter(id=row.id).update(**clean)
        row = await AlertPreference.get(id=row.id)
        after = _snapshot(row)
        if before != after:
            await record(
                "alerts.preferences_changed",
                actor=actor or user,
                object_type="user",
                object_id=user.id,
                before=before,
                after=after,
                address=address,
            )
    return row


async def code_choices() -> list[tuple[str, str]]:
    """(code, label) of every competency, for the type-ahead list of the preferences form."""
    english = get_language() == "en"
    rows = await Competency.all().order_by("code").values_list("code", "label_da", "label_en")
    return [(str(c), str((en if english else da) or da or c)) for c, da, en in rows]


# --- saved searches ---------------------------------------------------------------------------


async def saved_searches(user: User) -> list[SavedSearch]:
    return list(await SavedSearch.filter(user_id=user.id).order_by("id"))


async def save_search(user: User, data: SearchSave, *, address: str = "") -> SavedSearch:
    """Keep a search of open tasks (words and/or codes) as an alert."""
    query = " ".join(data.query.split())
    codes = data.codes
    errors = await _unknown_codes(codes)
    if not errors and not query and not codes:
        errors["query"] = _("Write some words or codes to search for.")
    if errors:
        raise ValidationFailed(_("Check the search."), errors)
    if await SavedSearch.filter(user_id=user.id).count() >= MAX_SAVED_SEARCHES:
        raise ValidationFailed(
            _("You can keep at most %(n)d saved searches.") % {"n": MAX_SAVED_SEARCHES},
            {"query": _("Delete a saved search first.")},
        )
    async with transaction():
        search = await SavedSearch.create(user_id=user.id, query=query, codes=codes)
        await record(
            "alerts.search_saved",
            actor=user,
            object_type="saved_search",
            object_id=search.id,
            after={"query": query, "codes": codes},
            address=address,
        )
    return search


async def delete_search(user: User, search_id: int, *, address: str = "") -> None:
    search = await SavedSearch.get_or_none(id=search_id, user_id=user.id)
    if search is None:
        raise NotFound(_("There is no such saved search."))
    async with transaction():
        await search.delete()
        await record(
            "alerts.search_deleted",
            actor=user,
            object_type="saved_search",
            object_id=search_id,
            before={"query": search.query, "codes": search.codes},
            address=address,
        )


# --- the private feeds ------------------------------------------------------------------------


def feed_secret(settings: Settings, row: AlertPreference) -> str:
    return derived(str(settings.secret_key), f"alerts-feed:{row.user_id}", row.feed_salt)[:32]


@dataclass(frozen=True)
class FeedLinks:
    calendar_url: str
    feed_url: str


async def feed_links(settings: Settings, user: User) -> FeedLinks:
    row = await ensure_preference(user)
    secret = feed_secret(settings, row)
    calendar = urls.url("alerts.calendar", user_id=user.id, secret=secret)
    feed = urls.url("alerts.private_feed", user_id=user.id, secret=secret)
    return FeedLinks(calendar_url=settings.base_url + calendar, feed_url=settings.base_url + feed)


async def feed_owner(settings: Settings, user_id: int, secret: str) -> User:
    """The user whose private feed this secret opens: 404 for a wrong or revoked secret."""
    row = await AlertPreference.get_or_none(user_id=user_id).select_related("user")
    if row is None or not row.feed_salt or not same(feed_secret(settings, row), secret):
        raise NotFound(_("There is no such feed."))
    owner: User = row.user  # type: ignore[assignment]
    if not owner.is_active:
        raise NotFound(_("There is no such feed."))
    return owner


async def revoke_feeds(user: User, *, address: str = "") -> AlertPreference:
    """A new secret: the old calendar and feed addresses stop working."""
    row = await ensure_preference(user)
    async with transaction():
        row.feed_salt = new_secret(12)
        await row.save(update_fields=["feed_salt"])
        await record(
            "alerts.feeds_revoked",
            actor=user,
            object_type="user",
            object_id=user.id,
            address=address,
        )
    return row


# --- one-click unsubscribe (RFC 8058) -------------------------------------------------------


def _unsubscribe_serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(str(settings.secret_key), salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(settings: Settings, user_id: int, kind: str = "alerts") -> str:
    """The absolute, signed link that turns a list off without signing in."""
    token = _unsubscribe_serializer(settings).dumps({"u": user_id, "l": kind})
    return settings.base_url + urls.url("alerts.unsubscribe", token=token)


def read_unsubscribe(settings: Settings, token: str) -> tuple[int, str]:
    try:
        value = _unsubscribe_serializer(settings).loads(token)
    except BadSignature as exc:
        raise NotFound(_("This unsubscribe link is not valid.")) from exc
    if not isinstance(value, dict) or not isinstance(value.get("u"), int):
        raise NotFound(_("This unsubscribe link is not valid."))
    kind = value.get("l")
    return int(value["u"]), kind if kind in LISTS else "alerts"


async def unsubscribe_target(settings: Settings, token: str) -> tuple[User, str]:
    user_id, kind = read_unsubscribe(settings, token)
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound(_("This unsubscribe link is not valid."))
    return user, kind


async def unsubscribe(settings: Settings, token: str, *, address: str = "") -> tuple[User, str]:
    """Turn off what the link names: alerts and digests (frequency "off") or reminders."""
    user, kind = await unsubscribe_target(settings, token)
    off = (
        PreferencesUpdate(frequency=Frequency.OFF)
        if kind == "alerts"
        else PreferencesUpdate(reminders=False)
    )
    await update_preferences(user, off, actor=user, address=address)
    return user, kind


# --- the secretariat's fit settings -------------------------------------------------------


async def fit_settings() -> AlertSettings:
    row = await AlertSettings.get_or_none(id=SETTINGS_ID)
    if row is not None:
        return row
    try:
        async with transaction():
            return await AlertSettings.create(id=SETTINGS_ID, top_n=DEFAULT_TOP_N)
    except IntegrityError:
        return await AlertSettings.get(id=SETTINGS_ID)


async def update_fit_settings(
    data: FitSettingsUpdate, *, actor: User, address: str = ""
) -> AlertSettings:
    """Which shortlist places count as "fits": the first N eligible places, or a score."""
    top_n, min_score = data.top_n, data.min_score
    row = await fit_settings()
    before = {"top_n": row.top_n, "min_score": row.min_score}
    async with transaction():
        row.top_n = top_n
        row.min_score = min_score
        row.updated_by_id = actor.id
        row.updated_at = clock.now()
        await row.save()
        await record(
            "alerts.settings_changed",
            actor=actor,
            object_type="alert_settings",
            object_id=SETTINGS_ID,
            before=before,
            after={"top_n": row.top_n, "min_score": row.min_score},
            address=address,
        )
    return row


def preference_json(row: AlertPreference, links: FeedLinks) -> dict[str, Any]:
    """The API answer of GET/PUT /api/v1/me/alerts."""
    return {
        **_snapshot(row),
        "calendar_url": links.calendar_url,
        "feed_url": links.feed_url,
    }
