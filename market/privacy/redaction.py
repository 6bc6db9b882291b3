"""Names of erased people inside sealed bids: the stored content (and its hash) stays as it
was submitted; pages and the API show the pseudonym in its place."""

from __future__ import annotations

from typing import Any

from market.privacy.models import TeamRedaction
from market.privacy.names import pseudonym


async def redact_team(content: dict[str, Any], revision_id: int) -> dict[str, Any]:
    """`content` of one bid revision with erased team members' names replaced (a copy)."""
    rows = await TeamRedaction.filter(revision_id=revision_id).values_list("position", "user_id")
    if not rows:
        return content
    team = [dict(member) for member in content.get("team") or []]
    for position, user_id in rows:
        if isinstance(position, int) and position < len(team):
            team[position]["name"] = pseudonym(int(user_id))
    return {**content, "team": team}
