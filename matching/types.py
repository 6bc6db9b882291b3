"""The value objects of the ranking engine: what the app hands in and what it gets back.

`market/` converts its rows into these frozen dataclasses; nothing here knows about a database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

SIZE_CLASSES = ("micro", "small", "medium", "large")
SME_SIZES = frozenset({"micro", "small", "medium"})
LEVELS = ("basic", "experienced", "expert")


@dataclass(frozen=True)
class PastAward:
    """One task a vendor won (or delivered): when, under which codes, for which buyer.

    Dated awards feed the recency-decayed experience per code area; an undated one (a reference
    without a date) counts with a fixed, lower weight (`Settings.undated_award_weight`).
    """

    date: dt.date | None = None
    codes: tuple[str, ...] = ()
    buyer: str = ""


@dataclass(frozen=True)
class Contribution:
    """One vendor's commits to one of the community's products in one month (its git history)."""

    product: str  # the product key, as in `VendorProfile.products`
    month: str  # "YYYY-MM"
    commits: int
    lines_changed: int = 0
    languages: tuple[str, ...] = ()  # languages by file type, most lines changed first


@dataclass(frozen=True)
class VendorProfile:
    """Everything the engine may know about one vendor company."""

    id: int
    name: str = ""
    size_class: str = "small"
    profile_text: str = ""
    codes: Mapping[str, str] = field(default_factory=dict)  # code -> "basic"/"experienced"/"expert"
    products: tuple[str, ...] = ()
    past_task_texts: tuple[str, ...] = ()
    past_codes: tuple[str, ...] = ()
    past_buyers: tuple[str, ...] = ()  # one entry per delivered task (repeats count)
    past_awards: tuple[PastAward, ...] = ()  # dated wins, for experience per code area
    ratings: tuple[int, ...] = ()  # 1..5
    on_time: tuple[bool, ...] = ()
    hourly_rate_dkk: int | None = None
    capacity_hours_per_month: int | None = None
    capacity_from: dt.date | None = None
    eligible: bool = True
    ineligible_reasons: tuple[str, ...] = ()
    award_count: int = 0
    recent_awards: int = 0  # awards in the recent window (the app decides the window)
    workload_hours: int = 0  # hours already committed in that window
    contributions: tuple[Contribution, ...] = ()  # see matching.contributions

    def __post_init__(self) -> None:
        if self.size_class not in SIZE_CLASSES:
            raise ValueError(f"size_class must be one of {SIZE_CLASSES}, not {self.size_class!r}")
        for code, level in self.codes.items():
            if level not in LEVELS:
                raise ValueError(f"level of {code!r} must be one of {LEVELS}, not {level!r}")

    @property
    def sme(self) -> bool:
        """Micro, small and medium companies are SMEs (EU definition)."""
        return self.size_class in SME_SIZES

    @property
    def small(self) -> bool:
        """Micro and small companies get the small-vendor preference."""
        return self.size_class in ("micro", "small")


@dataclass(frozen=True)
class TaskProfile:
    """A scoped task a municipality publishes."""

    id: int | str
    title: str
    description: str = ""
    required_codes: tuple[str, ...] = ()
    nice_to_have_codes: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    estimate_hours: int | None = None
    budget_dkk: int | None = None
    delivery_date: dt.date | None = None
    published_at: dt.date | None = None
    buyer: str | None = None

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.description}"


@dataclass(frozen=True)
class Explanation:
    """Why a vendor came out where it did, in words the secretariat can check."""

    matched_codes: tuple[tuple[str, str, float], ...] = ()  # (task code, vendor code, closeness)
    top_terms: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """One vendor's place in a ranking. `contributions` add up to `score`."""

    rank: int
    vendor_id: int
    score: float
    eligible: bool
    reasons: tuple[str, ...]
    contributions: Mapping[str, float]
    matched_codes: tuple[tuple[str, str, float], ...] = ()
    top_terms: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    sme: bool = False  # a micro, small or medium vendor: the group the fair-share step protects
    # Won tasks in the task's code area: (code, awards under it, year of the first of them),
    # e.g. ("72212000", 4, 2024) reads "won 4 tasks in 72212000 since 2024".
    won_in_area: tuple[tuple[str, int, int], ...] = ()

    def won_in_area_text(self) -> tuple[str, ...]:
        return tuple(f"won {n} tasks in {code} since {year}" for code, n, year in self.won_in_area)


FEATURES = (
    "text_profile_word",
    "text_profile_char",
    "text_past_word",
    "text_past_char",
    "required_codes",
    "nice_codes",
    "code_experience",
    "products",
    "same_buyer",
    "experience",
    "rating",
    "on_time",
    "price_fit",
    "small_vendor",
    "workload",
    "contributed_product",
    "contributed_tech",
)


@dataclass(frozen=True)
class Weights:
    """Named weights of the linear score; the secretariat may edit them."""

    text_profile_word: float = 0.8
    text_profile_char: float = 0.6
    text_past_word: float = 0.8
    text_past_char: float = 0.6
    required_codes: float = 1.0
    nice_codes: float = 0.3
    code_experience: float = 1.0
    products: float = 0.4
    same_buyer: float = 0.3
    experience: float = 0.25
    rating: float = 0.2
    on_time: float = 0.15
    price_fit: float = 0.2
    small_vendor: float = 0.12
    workload: float = -0.2
    contributed_product: float = 0.25
    contributed_tech: float = 0.1

    def as_array(self) -> list[float]:
        return [float(getattr(self, name)) for name in FEATURES]

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> Weights:
        unknown = set(values) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown weights: {sorted(unknown)}")
        return cls(**{k: float(v) for k, v in values.items()})


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Settings:
    """Engine settings. Everything that changes a score is part of `model_version`."""

    weights: Weights = DEFAULT_WEIGHTS
    level_weights: tuple[float, float, float] = (0.6, 0.8, 1.0)  # basic, experienced, expert
    past_code_level: str = "experienced"  # evidence of a delivered task counts as this level
    vendor_narrower_decay: float = 0.85  # vendor's code is narrower than the task's code
    vendor_broader_decay: float = 0.6  # vendor's code is broader than the task's code
    rating_prior_count: float = 3.0  # Bayesian average: prior ratings at the global mean
    on_time_prior_count: float = 3.0
    experience_scale: float = 5.0  # experience = 1 - exp(-award_count / scale)
    buyer_scale: float = 2.0
    # Experience per code area: past awards under the task's codes and their ancestors, each
    # weighted by the node's depth and halved every `experience_half_life_days` before the task.
    experience_half_life_days: float = 730.0
    code_experience_scale: float = 2.0  # code_experience = 1 - exp(-weighted awards / scale)
    undated_award_weight: float = 0.5
    workload_awards_scale: float = 3.0
    workload_hours_scale: float = 160.0
    price_decay: float = 2.0  # price_fit = exp(-decay * (cost / budget - 1)) above budget
    price_unknown: float = 0.5
    # Fair rotation: bound of the per-vendor score correction (off by default: it only lowered
    # NDCG on top of the fair share; see docs/matching.md).
    fairness_strength: float = 0.0
    # Fair share: the first `fair_depth` eligible places hold at least `fair_share` x the SME
    # share of the eligible vendors (amortised over the ledger's history); 0 turns it off.
    fair_share: float = 1.0
    fair_depth: int = 10
    text_features: int = 2**18  # hashed columns per text block
    char_ngrams: tuple[int, int] = (4, 4)
    word_ngrams: tuple[int, int] = (1, 2)
    max_df: float = 0.5  # terms in more than this share of vendors carry no signal: dropped
    max_query_terms: int = 150  # per text block; the lightest query terms are dropped
    explain_top: int = 50
    # Contributions to the products' code: each month's commits (lines, for languages) are
    # halved every half-life before the task; feature = 1 - exp(-weighted / scale).
    contribution_half_life_months: float = 12.0
    contribution_product_scale: float = 10.0
    contribution_tech_scale: float = 500.0

    @property
    def model_version(self) -> str:
        payload = json.dumps(dataclasses.asdict(self), sort_keys=True, default=str)
        return "linear-" + hashlib.sha256(payload.encode()).hexdigest()[:12]


DEFAULT_SETTINGS = Settings()


def model_version(settings: Settings = DEFAULT_SETTINGS) -> str:
    """A key that changes whenever a weight or a scoring setting changes."""
    return settings.model_version
