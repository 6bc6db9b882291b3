"""The name an erased user goes by, stored in Danish and shown in the page's language."""

from __future__ import annotations

import re

from market.i18n import gettext as _

PSEUDONYM = "Slettet bruger {id}"  # stored in Danish, the binding language; shown translated
PSEUDONYM_EMAIL = "slettet-bruger-{id}@slettet.invalid"
_PSEUDONYM_RE = re.compile(r"^Slettet bruger (\d+)$")


def pseudonym(user_id: int) -> str:
    return PSEUDONYM.format(id=user_id)


def pseudonym_email(user_id: int) -> str:
    return PSEUDONYM_EMAIL.format(id=user_id)


def display_name(label: object) -> str:
    """A stored name as shown on a page: an erased user's pseudonym in the page's language."""
    text = "" if label is None else str(label)
    match = _PSEUDONYM_RE.match(text)
    if match is None:
        return text
    return _("Deleted user %(id)s") % {"id": match.group(1)}
