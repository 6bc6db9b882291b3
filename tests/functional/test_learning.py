"""Learning weights from the community's award history: each award is seen as it stood then,
the learned weights are compared on the latest awards, and adopted only when clearly better."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from market import clock
from market.audit.models import AuditEvent
from market.bids.models import Award, Bid, DeliveryRating
from market.shortlists import engine, services
from market.shortlists.models import MatchingModel
from market.shortlists.profiles import task_profile
from market.tasks.models import Task
from market.vendors.models import Vendor
from matching.types import FEATURES
from tests import factories
from tests import factories_shortlists as fs
from tests import factories_tasks as ft

PYTHON = ("Eksport af kontrakter i Python", "Django-rapporter og CSV-eksport til kommunerne.")
JAVA = ("Integration i Java", "Spring-tjenester og SOAP-integration til det fælles system.")


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    engine.forget()
    yield
    engine.forget()


async def vendors() -> tuple[Vendor, Vendor]:
    python = await fs.vendor(
        "Python Partner ApS",
        codes={"tech:python": "expert"},
        text="Python- og Django-udvikling, rapporter og CSV-eksport.",
    )
    java = await fs.vendor(
        "Java Fabrikken A/S",
        codes={"tech:java": "expert"},
        text="Java- og Spring-integrationer, SOAP-tjenester.",
        employees=400,
    )
    return python, java


async def awarded(
    user,
    solution,
    text: tuple[str, str],
    winner: Vendor,
    bidders: list[Vendor],
    at: dt.datetime,
    rating: int | None = None,
) -> Task:
    """A past task with submitted bids from `bidders`, awarded to `winner` at `at`."""
    code = "tech:python" if text is PYTHON else "tech:java"
    task = await ft.task(
        user, solution, title=text[0], description=text[1], required=[code], nice_to_have=[]
    )
    bids = {
        v.id: await Bid.create(
            task_id=task.id, vendor_id=v.id, submitted_at=at - dt.timedelta(days=3), hours=100
        )
        for v in bidders
    }
    await Award.create(task_id=task.id, bid_id=bids[winner.id].id, justification="", awarded_at=at)
    if rating is not None:
        await DeliveryRating.create(
            task_id=task.id,
            bid_id=bids[winner.id].id,
            vendor_id=winner.id,
            accepted=True,
            quality=rating,
            on_time=True,
            rated_at=at + dt.timedelta(days=30),
        )
    return task


async def test_each_award_is_scored_with_the_record_the_vendors_had_then(client):
    python, java = await vendors()
    user, solution = await ft.coordinator_of()
    start = clock.now() - dt.timedelta(days=300)
    # An earlier, poorly rated delivery by a third vendor: ratings are shrunk towards the mean.
    weak = await fs.vendor("Svag ApS", codes={"tech:python": "basic"}, text="Python.")
    await awarded(user, solution, PYTHON, weak, [weak], start - dt.timedelta(days=100), rating=1)
    first = await awarded(user, solution, PYTHON, python, [python, java], start, rating=5)
    second_at = start + dt.timedelta(days=90)  # after the first delivery was rated
    second = await awarded(user, solution, PYTHON, python, [python, java], second_at)
    settings = await services.engine_settings()
    experience, rating = FEATURES.index("experience"), FEATURES.index("rating")

    rows = await engine.score_rows(
        [
            (await task_profile(first), start, [python.id, java.id]),
            (await task_profile(second), second_at, [python.id, java.id]),
        ],
        settings,
    )
    (ids_1, at_first), (ids_2, at_second) = rows
    assert ids_1 == ids_2 == [python.id, java.id]
    # Before its first award the winner had no awards and no rating: like its rival.
    assert at_first[0][experience] == at_first[1][experience] == 0.0
    assert at_first[0][rating] == pytest.approx(at_first[1][rating])
    # By the second award it had one award and one delivery rated 5.
    assert at_second[0][experience] > 0.0 == at_second[1][experience]
    assert at_second[0][rating] > at_second[1][rating]
    # Today's profile knows both awards: it is not what the first award was scored with.
    today = (await engine.current_index(settings)).index.score(await task_profile(first))
    loaded = (await engine.current_index(settings)).index
    row = [int(v) for v in loaded.vendor_ids].index(python.id)
    assert today.features[row][experience] > at_second[0][experience] > 0.0


async def test_learning_adopts_weights_that_rank_the_latest_awards_better(client, run_jobs):
    python, java = await vendors()
    user, solution = await ft.coordinator_of()
    secretariat = await factories.user("secretariat")
    # The current weights prefer small vendors and nothing else: the Java house never
    # comes first, though it won every Java task.
    only_small = {name: 0.0 for name in FEATURES} | {"small_vendor": 1.0}
    await services.update_settings(only_small, {}, actor=secretariat)
    start = clock.now() - dt.timedelta(days=400)
    for n in range(24):
        text, winner = (PYTHON, python) if n % 2 == 0 else (JAVA, java)
        await awarded(
            user, solution, text, winner, [python, java], start + dt.timedelta(days=10 * n)
        )

    await factories.login(client, secretariat)
    token = factories.csrf_from((await client.get("/secretariat/matching")).text)
    response = await client.post("/secretariat/matching/learn", data={"csrf_token": token})
    assert response.status_code == 303
    await run_jobs()

    model = await MatchingModel.all().order_by("-id").first()
    assert model is not None and model.status == "done", model.comparison
    # Four rolling origins: parts 2-4 (18 awards) are each ranked by weights fitted before them.
    assert model.comparison["train_tasks"] == 24 and model.comparison["held_out_tasks"] == 18
    assert model.comparison["mrr_current"] == pytest.approx(0.75)  # Java wins ranked 2nd
    assert model.comparison["mrr_candidate"] == pytest.approx(1.0)
    assert model.comparison["mrr_diff_ci95"][0] > 0
    assert model.adopted and model.comparison["use"] == "candidate"
    adopted = await services.engine_settings()
    assert adopted.weights.small_vendor != 1.0 and adopted.model_version == model.model_version
    change = await AuditEvent.filter(action="matching.settings_changed").order_by("-id").first()
    assert change is not None and change.after["source"] == "learned"
    page = await client.get("/secretariat/matching")
    assert "Taget i brug" in page.text  # Danish is the default language


async def test_learning_keeps_the_current_weights_when_they_already_rank_best(client, run_jobs):
    python, java = await vendors()
    user, solution = await ft.coordinator_of()
    start = clock.now() - dt.timedelta(days=400)
    for n in range(24):
        text, winner = (PYTHON, python) if n % 2 == 0 else (JAVA, java)
        await awarded(
            user, solution, text, winner, [python, java], start + dt.timedelta(days=10 * n)
        )
    secretariat = await factories.user("secretariat")
    before = await services.engine_settings()
    await factories.login(client, secretariat)
    token = factories.csrf_from((await client.get("/secretariat/matching")).text)
    await client.post("/secretariat/matching/learn", data={"csrf_token": token})
    await run_jobs()

    model = await MatchingModel.all().order_by("-id").first()
    assert model is not None and model.status == "done", model.comparison
    assert model.comparison["mrr_current"] == pytest.approx(1.0)
    assert not model.adopted and model.comparison["use"] == "current"
    assert (await services.engine_settings()).model_version == before.model_version
