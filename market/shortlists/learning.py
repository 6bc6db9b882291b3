"""A learned model: weights fitted on the award history, adopted only when they rank held-out
awards better than the current weights over every rolling origin
(`matching.learn.evaluate_over_folds`)."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from typing import Any

from market import clock
from market.accounts.models import User
from market.audit.services import record
from market.bids.models import Award, Bid
from market.db import after_commit, transaction
from market.errors import AlreadyDone
from market.i18n import gettext as _
from market.shortlists import engine, services
from market.shortlists.models import MatchingModel
from market.shortlists.profiles import task_profile
from market.tasks.models import Invitation

MIN_AWARDS = 20
FOLDS = 4  # rolling origins: the awards in time order, in this many parts


async def award_count() -> int:
    return await Award.all().count()


async def latest_models(limit: int = 5) -> list[MatchingModel]:
    return list(await MatchingModel.all().order_by("-id").limit(limit))


async def request_learning(*, actor: User, address: str = "") -> MatchingModel:
    """Queue a learning run (audited). 409 while one is still queued."""
    if await MatchingModel.filter(status="queued").exists():
        raise AlreadyDone(_("A learning run is already queued."))
    async with transaction():
        model = await MatchingModel.create(model_version="", requested_by_id=actor.id)
        await record(
            "matching.learning_requested",
            actor=actor,
            object_type="matching_model",
            object_id=model.id,
            after={"awards": await award_count()},
            address=address,
        )
        await after_commit("learn_weights", model.id)
    return model


async def _history() -> list[tuple[Any, Any, list[int], int]]:
    """(task profile, awarded at, vendors considered, awarded vendor) per award, oldest first."""
    awards = list(await Award.all().order_by("awarded_at", "id").select_related("task", "bid"))
    task_ids = [a.task_id for a in awards]
    considered: dict[int, set[int]] = {i: set() for i in task_ids}
    for task_id, vendor_id in await Bid.filter(
        task_id__in=task_ids or [0], submitted_at__isnull=False
    ).values_list("task_id", "vendor_id"):
        considered[int(task_id)].add(int(vendor_id))
    for task_id, vendor_id in await Invitation.filter(task_id__in=task_ids or [0]).values_list(
        "task_id", "vendor_id"
    ):
        considered[int(task_id)].add(int(vendor_id))
    found = []
    for award in awards:
        vendors = considered[award.task_id] | {award.bid.vendor_id}
        found.append(
            (await task_profile(award.task), award.awarded_at, sorted(vendors), award.bid.vendor_id)
        )
    return found


async def learn_weights(model_id: int) -> str:
    """Fit, compare on the latest awards, adopt only when better (job)."""
    model = await MatchingModel.get_or_none(id=model_id)
    if model is None or model.status != "queued":
        return "nothing to do"
    count = await award_count()
    if count < MIN_AWARDS:
        model.status, model.finished_at = "too_few", clock.now()
        model.comparison = {"awards": count, "needed": MIN_AWARDS}
        await model.save()
        return "too few awards"
    try:
        comparison, candidate = await _fit_and_compare()
    except ValueError as exc:  # e.g. no task with more than one vendor considered
        model.status, model.finished_at = "failed", clock.now()
        model.comparison = {"awards": count, "error": str(exc)}
        await model.save()
        return "failed"
    model.weights = services._weights_dict(candidate)
    model.comparison = {**comparison, "awards": count}
    model.status, model.finished_at = "done", clock.now()
    current = await services.engine_settings()
    model.model_version = dataclasses.replace(current, weights=candidate).model_version
    model.adopted = comparison["use"] == "candidate"
    await model.save()
    if model.adopted:
        actor = await User.get_or_none(id=model.requested_by_id or 0)
        if actor is not None:
            await services.update_settings(model.weights, {}, actor=actor, source="learned")
    return "adopted" if model.adopted else "kept the current weights"


async def _fit_and_compare() -> tuple[dict[str, Any], Any]:
    # scikit-learn (0.9 s, 80 MB) only in the process that learns.
    import numpy as np  # noqa: PLC0415

    from matching.learn import History, evaluate_over_folds  # noqa: PLC0415

    settings = await services.engine_settings()
    history = await _history()
    rows = await engine.score_rows([(t, at, ids) for t, at, ids, _w in history], settings)
    features, labels, groups = [], [], []
    for group, ((_t, _at, _ids, winner), (vendor_ids, feature_rows)) in enumerate(
        zip(history, rows, strict=True)
    ):
        for vendor_id, row in zip(vendor_ids, feature_rows, strict=True):
            features.append(row)
            labels.append(1 if vendor_id == winner else 0)
            groups.append(group)
    if not features:
        raise ValueError("no vendor of the award history is in the index")
    data = History(np.asarray(features), np.asarray(labels), np.asarray(groups))
    # Rolling origins: each part after the first is ranked by the current weights and by
    # weights fitted on the parts before it; the decision pools them all.
    bounds = [round(len(history) * k / FOLDS) for k in range(FOLDS + 1)]
    folds = [
        data.subset((data.groups >= lo) & (data.groups < hi))
        for lo, hi in itertools.pairwise(bounds)
    ]

    def work() -> tuple[dict[str, Any], Any]:
        decision = evaluate_over_folds(settings.weights, folds)
        return {
            "use": decision.use,
            "mrr_current": round(decision.mrr_current, 4),
            "mrr_candidate": round(decision.mrr_candidate, 4),
            "mrr_diff_ci95": list(decision.mrr_diff_ci95),
            "train_tasks": len(history),
            "held_out_tasks": len(history) - bounds[1],
            "folds": FOLDS,
        }, decision.candidate

    return await asyncio.to_thread(work)
