"""Bar geometry for the contribution and fairness charts (SVG attributes, no style="")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from market.i18n import LazyString
from market.i18n import lazy_gettext as _l
from matching.types import FEATURES

FEATURE_LABELS: dict[str, LazyString] = {
    "text_profile_word": _l("Profile text, words"),
    "text_profile_char": _l("Profile text, word parts"),
    "text_past_word": _l("Past tasks and references, words"),
    "text_past_char": _l("Past tasks and references, word parts"),
    "required_codes": _l("Required competencies"),
    "nice_codes": _l("Nice-to-have competencies"),
    "code_experience": _l("Won tasks in this area"),
    "products": _l("OS2 products"),
    "same_buyer": _l("Worked for this municipality"),
    "experience": _l("Experience (awards)"),
    "rating": _l("Delivery ratings"),
    "on_time": _l("On-time deliveries"),
    "price_fit": _l("Price fits the budget"),
    "small_vendor": _l("Small vendor"),
    "workload": _l("Current workload"),
    "contributed_product": _l("Contributed to this product's code"),
    "contributed_tech": _l("Contributed code in the task's languages"),
    "fair_rotation": _l("Fair rotation"),
}
ORDER = (*FEATURES, "fair_rotation")


@dataclass(frozen=True)
class Bar:
    feature: str
    label: str
    value: float
    x: float  # in a 0..100 wide viewBox whose middle (50) is zero
    width: float
    negative: bool


def contribution_bars(contributions: Mapping[str, float], scale: float = 0.0) -> list[Bar]:
    """One diverging bar per non-zero contribution, in the features' order.

    `scale` is the largest absolute contribution to draw at full half-width; 0 means this
    vendor's own largest."""
    values = [(name, float(contributions.get(name, 0.0))) for name in ORDER]
    values = [(n, v) for n, v in values if abs(v) >= 0.0005]
    scale = scale or max((abs(v) for _n, v in values), default=0.0) or 1.0
    bars = []
    for name, value in values:
        width = round(min(abs(value) / scale, 1.0) * 50, 2)
        bars.append(
            Bar(
                name,
                str(FEATURE_LABELS.get(name, name)),
                value,
                50 - width if value < 0 else 50,
                width,
                value < 0,
            )
        )
    return bars
