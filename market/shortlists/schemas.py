"""What the shortlist API answers: the ranked, explained shortlist of a task (API.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from market.schemas import LocalTime, ResponseModel

Moment = Annotated[dt.datetime, LocalTime()]


class ShortlistVendor(ResponseModel):
    id: int
    name: str
    size_class: Literal["micro", "small", "medium", "large"]


class MatchedCode(ResponseModel):
    """A code of the task, the vendor's code that matched it and how close they are."""

    task_code: str
    vendor_code: str
    closeness: float


class ShortlistEntry(ResponseModel):
    rank: int
    vendor: ShortlistVendor
    score: float
    eligible: bool
    reasons: list[str]
    # Each feature's part of the score.
    contributions: dict[str, float]
    matched_codes: list[MatchedCode]
    top_terms: list[str]
    notes: list[str]


class ShortlistOut(ResponseModel):
    """Until the ranking job has computed the shortlist, `computed_at`, `model_version` and
    `settings` are null and `entries` is empty; `status` says where it is."""

    task_id: int
    status: Literal["queued", "running", "ready", "failed", "not_published"]
    computed_at: Moment | None
    model_version: str | None
    # The matching settings (weights, fairness) the ranking used.
    settings: dict[str, Any] | None
    entries: list[ShortlistEntry]
